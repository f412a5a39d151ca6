using System.Collections.Generic;
using System.Management.Automation;

namespace PSUJobs
{
    /// <summary>
    /// Wait-PSUJob: waits for a job, relaying its streams, progress and prompts to the caller
    /// (unless -Silent), and returns its pipeline output. Jobs piped in are waited for once all
    /// have arrived. A failed job is a terminating error; Ctrl+C stops the wait, not the job.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "PSUJob", DefaultParameterSetName = JobSet)]
    [OutputType(typeof(PSObject))]
    public sealed class WaitPSUJobCommand : PSUJobCmdlet
    {
        /// <summary>Seconds to wait before giving up; waits indefinitely when omitted.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int? Timeout { get; set; }

        /// <summary>Do not relay the job's streams and prompts.</summary>
        [Parameter]
        public SwitchParameter Silent { get; set; }

        /// <summary>The jobs named so far, with how errors name each. All are waited for at the
        /// end, in order, as Wait-Job waits for the jobs piped to it: jobs piped in from
        /// Invoke-PSUScript are then all started before the first wait, rather than each started
        /// only once the one before it has ended.</summary>
        private readonly List<(object Target, string Reference)> jobs = new();

        /// <inheritdoc/>
        protected override void ProcessRecord() => jobs.Add((Job ?? (object)JobReference, JobReference));

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            foreach ((object target, string job) in jobs)
            {
                Run(target, () =>
                {
                    if (JobFollower.FollowAndReport(this, job, Timeout, Silent))
                    {
                        PipelineOutputWriter.Write(this, job);
                    }
                }, terminating: true);
            }
        }
    }
}
