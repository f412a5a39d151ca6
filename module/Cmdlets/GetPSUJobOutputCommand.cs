using System;
using System.Management.Automation;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>
    /// Get-PSUJobOutput: a job's stream output (error, warning, information, verbose, debug,
    /// host) as one text block with "[stream] " prefixes, or with -AsObject as JobOutput records
    /// carrying the stream type and timestamp. -Limit keeps the first N records or lines.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PSUJobOutput", DefaultParameterSetName = JobSet)]
    [OutputType(typeof(string), typeof(JobOutput))]
    public sealed class GetPSUJobOutputCommand : PSUJobCmdlet
    {
        /// <summary>Return JobOutput records instead of text.</summary>
        [Parameter]
        public SwitchParameter AsObject { get; set; }

        /// <summary>At most this many records (or lines of text).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Limit { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            Run(Job ?? (object)job, () =>
            {
                if (AsObject)
                {
                    WriteObject(Client.JobOutput(job, Limit, Cancel), enumerateCollection: true);
                    return;
                }

                string log = Client.JobLog(job, Cancel).TrimEnd('\n', '\r');
                if (Limit.HasValue)
                {
                    string[] lines = log.Split('\n');
                    log = string.Join("\n", lines, 0, Math.Min(lines.Length, Limit.Value));
                }

                WriteObject(log);
            });
        }
    }
}
