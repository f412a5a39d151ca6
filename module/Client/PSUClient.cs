using System;
using PSUJobs.Models;
using PSUJobs.Native;

namespace PSUJobs.Client
{
    /// <summary>
    /// The module's side of one psuj_client: each method is one native call whose JSON answer
    /// becomes a model object. Every call takes the cmdlet's cancel handle, so Ctrl+C ends it
    /// promptly. Failures throw <see cref="NativeException"/> carrying the client's stable id.
    /// </summary>
    internal sealed unsafe class PSUClient : IDisposable
    {
        private unsafe delegate PsujStatus OutCall(IntPtr client, IntPtr cancel, PsujBuffer* output, PsujError* error);

        private unsafe delegate PsujStatus VoidCall(IntPtr client, IntPtr cancel, PsujError* error);

        private readonly ClientHandle handle;

        private PSUClient(ClientHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>Creates the native client for a connection (no request is sent yet).</summary>
        internal static PSUClient Create(PSUConnection connection)
        {
            using var json = new Utf8Arg(connection.ToNativeJson());
            IntPtr client;
            PsujError error = default;
            PsujStatus status = connection.Integrated is null
                ? ClientNativeMethods.psuj_client_new(json.Ptr, json.Len, &client, &error)
                : ClientNativeMethods.psuj_client_new_integrated(json.Ptr, json.Len, &client, &error);
            NativeCall.Check(status, ref error);
            return new PSUClient(new ClientHandle(client));
        }

        internal ExecutionEnvironment[] Environments(CancelHandle cancel) =>
            Json.Read<ExecutionEnvironment[]>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_environments(c, k, o, e)));

        internal Script[] Scripts(CancelHandle cancel) =>
            Json.Read<Script[]>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_scripts(c, k, o, e)));

        internal Script Script(long id, CancelHandle cancel) =>
            Json.Read<Script>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_script(c, id, k, o, e)));

        internal Script ScriptByName(string name, CancelHandle cancel)
        {
            using var arg = new Utf8Arg(name);
            return Json.Read<Script>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_script_by_name(c, arg.Ptr, arg.Len, k, o, e)));
        }

        internal ScriptParameter[] ScriptParameters(long id, CancelHandle cancel) =>
            Json.Read<ScriptParameter[]>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_script_parameters(c, id, k, o, e)));

        /// <summary>Starts script <paramref name="scriptId"/> (or, when 0, the script at
        /// <paramref name="scriptPath"/>) and returns the new job.</summary>
        internal Job RunScript(long scriptId, string? scriptPath, JobContext context, CancelHandle cancel)
        {
            using var path = new Utf8Arg(scriptPath);
            using var body = new Utf8Arg(Json.Write(context));
            return Json.Read<Job>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_run_script(c, scriptId, path.Ptr, path.Len, body.Ptr, body.Len, k, o, e)));
        }

        internal JobPage Jobs(JobQuery query, CancelHandle cancel)
        {
            using var arg = new Utf8Arg(Json.Write(query));
            return Json.Read<JobPage>(CallText(cancel, (c, k, o, e) => ClientNativeMethods.psuj_client_jobs(c, arg.Ptr, arg.Len, k, o, e)));
        }

        internal Job Job(string job, CancelHandle cancel) =>
            Json.Read<Job>(JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_job(c, j, n, k, o, e)));

        internal string JobLog(string job, CancelHandle cancel) =>
            JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_job_log(c, j, n, k, o, e));

        internal JobOutput[] JobOutput(string job, int? take, CancelHandle cancel)
        {
            using var query = new Utf8Arg(take.HasValue ? Json.Write(new OutputQuery(take.Value)) : string.Empty);
            return Json.Read<JobOutput[]>(JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_job_output(c, j, n, query.Ptr, query.Len, k, o, e)));
        }

        internal JobParameter[] JobParameters(string job, CancelHandle cancel) =>
            Json.Read<JobParameter[]>(JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_job_parameters(c, j, n, k, o, e)));

        /// <summary>Asks the job to stop; returns the job as it is after the request.</summary>
        internal Job CancelJob(string job, CancelHandle cancel) =>
            Json.Read<Job>(JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_cancel_job(c, j, n, k, o, e)));

        /// <summary>The prompt the job waits on, or null.</summary>
        internal JobFeedback? Feedback(string job, CancelHandle cancel) =>
            Json.ReadOrNull<JobFeedback>(JobCall(job, cancel, (c, j, n, k, o, e) => ClientNativeMethods.psuj_client_feedback(c, j, n, k, o, e)));

        internal void AnswerFeedback(string job, FeedbackResponse response, CancelHandle cancel)
        {
            using var jobArg = new Utf8Arg(job);
            using var body = new Utf8Arg(Json.Write(response));
            CallVoid(cancel, (c, k, e) => ClientNativeMethods.psuj_client_answer_feedback(c, jobArg.Ptr, jobArg.Len, body.Ptr, body.Len, k, e));
        }

        /// <summary>Fetches the job's pipeline output (one CliXml document, kept native) and
        /// returns the native decoder over it, for <see cref="Clixml.ClixmlDecoder"/>.</summary>
        internal IntPtr OpenPipelineDecoder(string job, CancelHandle cancel)
        {
            using var jobArg = new Utf8Arg(job);
            using var client = new HandleLease(handle);
            using var token = new HandleLease(cancel);
            IntPtr decoder;
            PsujError error = default;
            NativeCall.Check(ClientNativeMethods.psuj_client_pipeline_decoder(client.Value, jobArg.Ptr, jobArg.Len, token.Value, &decoder, &error), ref error);
            return decoder;
        }

        internal void DeletePipelineOutput(string job, CancelHandle cancel)
        {
            using var jobArg = new Utf8Arg(job);
            CallVoid(cancel, (c, k, e) => ClientNativeMethods.psuj_client_delete_pipeline_output(c, jobArg.Ptr, jobArg.Len, k, e));
        }

        /// <summary>Starts following a job; pull its events from the returned wait.</summary>
        internal JobWait StartWait(string job, WaitOptions options)
        {
            using var jobArg = new Utf8Arg(job);
            using var optionsArg = new Utf8Arg(Json.Write(options));
            using var client = new HandleLease(handle);
            IntPtr wait;
            PsujError error = default;
            NativeCall.Check(ClientNativeMethods.psuj_wait_start(client.Value, jobArg.Ptr, jobArg.Len, optionsArg.Ptr, optionsArg.Len, &wait, &error), ref error);
            return new JobWait(new WaitHandle(wait));
        }

        public void Dispose() => handle.Dispose();

        private unsafe delegate PsujStatus JobOutCall(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* output, PsujError* error);

        private string JobCall(string job, CancelHandle cancel, JobOutCall call)
        {
            using var jobArg = new Utf8Arg(job);
            return CallText(cancel, (c, k, o, e) => call(c, jobArg.Ptr, jobArg.Len, k, o, e));
        }

        private string CallText(CancelHandle cancel, OutCall call)
        {
            PsujBuffer buffer = default;
            PsujError error = default;
            using var client = new HandleLease(handle);
            using var token = new HandleLease(cancel);
            try
            {
                NativeCall.Check(call(client.Value, token.Value, &buffer, &error), ref error);
                return NativeCall.Utf8(buffer);
            }
            finally
            {
                NativeMethods.psuj_buffer_free(&buffer);
            }
        }

        private void CallVoid(CancelHandle cancel, VoidCall call)
        {
            PsujError error = default;
            using var client = new HandleLease(handle);
            using var token = new HandleLease(cancel);
            NativeCall.Check(call(client.Value, token.Value, &error), ref error);
        }
    }
}
