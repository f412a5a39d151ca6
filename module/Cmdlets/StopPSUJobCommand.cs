using System.Management.Automation;
using PSUJobs.Models;
using PSUJobs.Native;
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
                Job? stopped = Stop(job);
                if (PassThru)
                {
                    WriteObject(stopped ?? Client.Job(job, Cancel));
                }
            });
        }

        /// <summary>Asks the server to cancel the job; null when it had already ended, which is
        /// not an error (as for Stop-Job): a job that ended while the stop was on its way is
        /// where the caller wanted it.</summary>
        private Job? Stop(string job)
        {
            try
            {
                return Client.CancelJob(job, Cancel);
            }
            catch (NativeException e) when (e.ErrorId == "JobFinished")
            {
                WriteVerbose($"Nothing to stop: {e.Message}");
                return null;
            }
        }
    }
}
