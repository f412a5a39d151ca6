using PSUJobs.Clixml;

namespace PSUJobs
{
    /// <summary>
    /// Writes a job's pipeline output: fetched as one CliXml document (so Refs between objects
    /// resolve) straight into the native decoder, and built by the same PSObject builder
    /// ConvertFrom-PSUCliXml uses, giving the Deserialized objects Import-Clixml would.
    /// </summary>
    internal static class PipelineOutputWriter
    {
        internal static void Write(PSUCmdlet cmdlet, string jobReference)
        {
            using ClixmlDecoder decoder = ClixmlDecoder.Adopt(cmdlet.Client.OpenPipelineDecoder(jobReference, cmdlet.Cancel));
            decoder.WriteAll(cmdlet.Cancel, cmdlet.WriteObject);
        }
    }
}
