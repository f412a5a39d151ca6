using System.Management.Automation;
using PSUJobs.Models;
using Job = PSUJobs.Models.Job;

namespace PSUJobs
{
    /// <summary>Stop-PSUJob: asks a job (and its children) to stop; it goes through Canceling
    /// to Canceled. -PassThru returns the job as it is after the request.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "PSUJob", DefaultParameterSetName = JobSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(Job))]
    public sealed class StopPSUJobCommand : PSUJobCmdlet
    {
        /// <summary>Return the job after the stop request.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            if (!ShouldProcess(JobDescription, "Stop"))
            {
                return;
            }

            Run(Job ?? (object)job, () =>
            {
                Job stopped = Client.CancelJob(job, Cancel);
                if (PassThru)
                {
                    WriteObject(stopped);
                }
            });
        }
    }
}
