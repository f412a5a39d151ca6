using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using PSUJobs.Client;
using PSUJobs.Models;
using Job = PSUJobs.Models.Job;

namespace PSUJobs
{
    /// <summary>
    /// Invoke-PSUScript: starts a script as a job. The script's own parameters are this
    /// cmdlet's dynamic parameters (or pass -Parameters); values travel as CliXml. Returns the
    /// Job, or with -Wait follows it like Wait-PSUJob and returns its pipeline output.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Invoke, "PSUScript", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(Job), typeof(PSObject))]
    public sealed class InvokePSUScriptCommand : PSUCmdlet, IDynamicParameters
    {
        private const string IdSet = "Id";
        private const string NameSet = "Name";
        private const string ScriptSet = "Script";

        private RuntimeDefinedParameterDictionary? dynamicParameters;
        private ScriptParameterSet? resolved;
        private Native.NativeException? parametersFailure;

        /// <summary>The id of the script to invoke.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = IdSet)]
        public long Id { get; set; }

        /// <summary>The script's name or repository path.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ArgumentCompleter(typeof(ScriptNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The script, from Get-PSUScript, or its name.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ScriptSet)]
        [ScriptTransformation]
        [ArgumentCompleter(typeof(ScriptNameCompleter))]
        public Script? Script { get; set; }

        /// <summary>The script's parameters, instead of (or besides) dynamic parameters.</summary>
        [Parameter]
        public Hashtable? Parameters { get; set; }

        /// <summary>The environment to run in; the script's or the server's default otherwise.</summary>
        [Parameter]
        [Alias("PowerShellVersion")]
        [ArgumentCompleter(typeof(EnvironmentCompleter))]
        public string? Environment { get; set; }

        /// <summary>The name of a stored credential to run the job as.</summary>
        [Parameter]
        public string? Credential { get; set; }

        /// <summary>Notes to include with the job.</summary>
        [Parameter]
        public string? Notes { get; set; }

        /// <summary>Tags to put on the job.</summary>
        [Parameter]
        public string[]? Tags { get; set; }

        /// <summary>Wait for the job and return its pipeline output.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to wait with -Wait before giving up (the job keeps running).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? WaitTimeout { get; set; }

        /// <summary>With -Wait, do not relay the job's streams and prompts.</summary>
        [Parameter]
        public SwitchParameter Silent { get; set; }

        /// <summary>The script's parameters, once the script is known from -Id, -Name or -Script
        /// on the command line (a script piped in is known too late: use -Parameters).</summary>
        public object? GetDynamicParameters()
        {
            long id = ParameterSetIdOrZero();
            string? name = Name ?? Script?.Name;
            // Outside a job -Integrated has no server to ask; ProcessRecord reports that.
            if ((id <= 0 && string.IsNullOrEmpty(name)) || (Integrated && PSUConnection.ForJob() is null))
            {
                return null;
            }

            Native.NativeResolver.Register();
            try
            {
                resolved = ScriptParameterSet.Get(ResolveConnection(), Client, id, name, Cancel);
            }
            catch (Native.NativeException e)
            {
                // PowerShell would file anything thrown here under GetDynamicParametersException.
                // Binding goes on instead (the script's arguments land in a catch-all), and
                // BeginProcessing reports the failure under its own id (TlsFailure, ...).
                parametersFailure = e;
                return ScriptParameterSet.CatchAll();
            }

            var reserved = new HashSet<string>(MyInvocation.MyCommand.Parameters.Keys, StringComparer.OrdinalIgnoreCase);
            reserved.UnionWith(CommonParameters);
            reserved.UnionWith(OptionalCommonParameters);

            dynamicParameters = resolved.ToDynamicParameters(reserved, allowMandatory: Parameters is null);
            return dynamicParameters;
        }

        /// <inheritdoc/>
        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            if (parametersFailure is not null)
            {
                Report(parametersFailure, (object?)Name ?? Id, terminating: true);
            }
        }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            object target = (object?)Script ?? (object?)Name ?? Id;
            Run(target, () =>
            {
                Job job = Client.RunScript(ScriptId(), null, Context(), Cancel);
                if (!Wait)
                {
                    WriteObject(job);
                    return;
                }

                if (JobFollower.FollowAndReport(this, job.Reference, WaitTimeout, Silent))
                {
                    PipelineOutputWriter.Write(this, job.Reference);
                }
            }, terminating: true);
        }

        private long ParameterSetIdOrZero() => Id > 0 ? Id : Script?.Id ?? 0;

        /// <summary>The id to run: known from dynamic-parameter binding, from a Script object,
        /// or looked up by name.</summary>
        private long ScriptId()
        {
            long id = ParameterSetIdOrZero();
            string? name = Name ?? Script?.Name;
            if (resolved is not null && (resolved.Script.Id == id || id <= 0))
            {
                return resolved.Script.Id;
            }

            return id > 0 ? id : Client.ScriptByName(name ?? string.Empty, Cancel).Id;
        }

        private JobContext Context()
        {
            var context = new JobContext { Environment = Environment, Credential = Credential, Notes = Notes, Tags = Tags };
            if (Parameters is not null)
            {
                foreach (DictionaryEntry entry in Parameters)
                {
                    context.JobParameters.Add(new JobParameterValue(entry.Key.ToString() ?? string.Empty, Serialize(entry.Value)));
                }
            }

            if (dynamicParameters is not null)
            {
                foreach (RuntimeDefinedParameter parameter in dynamicParameters.Values)
                {
                    if (parameter.IsSet)
                    {
                        context.JobParameters.Add(new JobParameterValue(parameter.Name, Serialize(parameter.Value)));
                    }
                }
            }

            return context;
        }

        /// <summary>A value as PSU sends it: CliXml from PSSerializer. A switch travels as the
        /// boolean PowerShell binds to [switch].</summary>
        private static string Serialize(object? value)
        {
            object? plain = value is PSObject wrapped ? wrapped.BaseObject : value;
            if (plain is SwitchParameter flag)
            {
                plain = flag.IsPresent;
            }

            return PSSerializer.Serialize(plain);
        }
    }
}
