using System.Management.Automation;

namespace PSUJobs
{
    /// <summary>Remove-PSUJobPipelineOutput: deletes a job's stored pipeline output.</summary>
    [Cmdlet(VerbsCommon.Remove, "PSUJobPipelineOutput", DefaultParameterSetName = JobSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class RemovePSUJobPipelineOutputCommand : PSUJobCmdlet
    {
        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            if (!ShouldProcess(JobDescription, "Remove pipeline output"))
            {
                return;
            }

            Run(Job ?? (object)job, () => Client.DeletePipelineOutput(job, Cancel));
        }
    }
}
