using System;
using System.Runtime.InteropServices;
using PSUJobs.Native;

namespace PSUJobs.Client
{
    /// <summary>
    /// P/Invoke declarations of the psuj_client_* and psuj_wait_* exports (native/ffi/src/client*.rs,
    /// mirrored from include/psujobs.h). Blittable signatures only, as in NativeMethods.
    /// </summary>
    internal static unsafe class ClientNativeMethods
    {
        private const string Lib = NativeMethods.LibraryName;

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_new(byte* connectionJson, nuint connectionJsonLen, IntPtr* outClient, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_new_integrated(byte* endpointJson, nuint endpointJsonLen, IntPtr* outClient, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_client_free(IntPtr client);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_environments(IntPtr client, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_scripts(IntPtr client, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_script(IntPtr client, long id, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_script_by_name(IntPtr client, byte* name, nuint nameLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_script_parameters(IntPtr client, long id, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_run_script(IntPtr client, long scriptId, byte* scriptPath, nuint scriptPathLen, byte* contextJson, nuint contextJsonLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_jobs(IntPtr client, byte* queryJson, nuint queryJsonLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_job(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_job_log(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* outText, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_job_output(IntPtr client, byte* job, nuint jobLen, byte* queryJson, nuint queryJsonLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_job_parameters(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_cancel_job(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_feedback(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujBuffer* outJson, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_answer_feedback(IntPtr client, byte* job, nuint jobLen, byte* responseJson, nuint responseJsonLen, IntPtr cancel, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_pipeline_decoder(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, IntPtr* outDecoder, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_client_delete_pipeline_output(IntPtr client, byte* job, nuint jobLen, IntPtr cancel, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_wait_start(IntPtr client, byte* job, nuint jobLen, byte* optionsJson, nuint optionsJsonLen, IntPtr* outWait, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern PsujStatus psuj_wait_next(IntPtr wait, uint timeoutMs, IntPtr cancel, PsujBuffer* outEvent, PsujError* error);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void psuj_wait_free(IntPtr wait);
    }
}
