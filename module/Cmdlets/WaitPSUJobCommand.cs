using System.Management.Automation;

namespace PSUJobs
{
    /// <summary>
    /// Wait-PSUJob: waits for a job, relaying its streams, progress and prompts to the caller
    /// (unless -Silent), and returns its pipeline output. A failed job is a terminating error;
    /// Ctrl+C stops the wait, not the job.
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

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            Run(Job ?? (object)job, () =>
            {
                if (JobFollower.FollowAndReport(this, job, Timeout, Silent))
                {
                    PipelineOutputWriter.Write(this, job);
                }
            }, terminating: true);
        }
    }
}
