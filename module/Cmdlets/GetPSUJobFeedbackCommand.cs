using System.Management.Automation;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>Get-PSUJobFeedback: the prompt a job waits on; nothing when it waits on none.</summary>
    [Cmdlet(VerbsCommon.Get, "PSUJobFeedback", DefaultParameterSetName = JobSet)]
    [OutputType(typeof(JobFeedback))]
    public sealed class GetPSUJobFeedbackCommand : PSUJobCmdlet
    {
        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            Run(Job ?? (object)job, () =>
            {
                JobFeedback? feedback = Client.Feedback(job, Cancel);
                if (feedback is not null)
                {
                    WriteObject(feedback);
                }
            });
        }
    }
}
