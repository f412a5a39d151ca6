using System.Collections.Generic;
using PSUJobs.Clixml;

namespace PSUJobs
{
    /// <summary>
    /// Writes a job's pipeline output: fetched as one CliXml document (so Refs between objects
    /// resolve) and decoded by the same native codec and PSObject builder ConvertFrom-PSUCliXml
    /// uses, giving the Deserialized objects Import-Clixml would.
    /// </summary>
    internal static class PipelineOutputWriter
    {
        internal static void Write(PSUCmdlet cmdlet, string jobReference)
        {
            string document = cmdlet.Client.PipelineClixml(jobReference, cmdlet.Cancel);
            if (string.IsNullOrWhiteSpace(document))
            {
                return;
            }

            using ClixmlDecoder decoder = ClixmlDecoder.OpenText(document);
            while (true)
            {
                List<object?> batch = decoder.Next(cmdlet.Cancel);
                if (batch.Count == 0)
                {
                    return;
                }

                foreach (object? value in batch)
                {
                    cmdlet.WriteObject(value);
                }
            }
        }
    }
}
