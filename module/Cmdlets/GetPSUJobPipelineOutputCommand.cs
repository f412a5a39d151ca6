using System.Management.Automation;

namespace PSUJobs
{
    /// <summary>Get-PSUJobPipelineOutput: the objects a job wrote to its pipeline, as the
    /// Deserialized objects Import-Clixml gives.</summary>
    [Cmdlet(VerbsCommon.Get, "PSUJobPipelineOutput", DefaultParameterSetName = JobSet)]
    [Alias("Receive-PSUJob")]
    [OutputType(typeof(PSObject))]
    public sealed class GetPSUJobPipelineOutputCommand : PSUJobCmdlet
    {
        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            Run(Job ?? (object)job, () => PipelineOutputWriter.Write(this, job));
        }
    }
}
