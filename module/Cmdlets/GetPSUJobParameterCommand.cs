using System.Management.Automation;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>Get-PSUJobParameter: the parameters a job was started with (secrets redacted).</summary>
    [Cmdlet(VerbsCommon.Get, "PSUJobParameter", DefaultParameterSetName = JobSet)]
    [OutputType(typeof(JobParameter))]
    public sealed class GetPSUJobParameterCommand : PSUJobCmdlet
    {
        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            string job = JobReference;
            Run(Job ?? (object)job, () =>
            {
                foreach (JobParameter parameter in Client.JobParameters(job, Cancel))
                {
                    parameter.Value = DisplayText(parameter.Value);
                    WriteObject(parameter);
                }
            });
        }

        /// <summary>A value stored as the CliXml the caller sent (PSU stores them so) shown as
        /// the text of the value it holds.</summary>
        private static string? DisplayText(string? value)
        {
            if (value is null || !value.TrimStart().StartsWith("<Objs", System.StringComparison.Ordinal))
            {
                return value;
            }

            try
            {
                return PSSerializer.Deserialize(value)?.ToString();
            }
            catch (System.Xml.XmlException)
            {
                return value;
            }
        }
    }
}
