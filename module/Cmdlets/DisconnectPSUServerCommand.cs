using System.Management.Automation;
using PSUJobs.Client;

namespace PSUJobs
{
    /// <summary>Disconnect-PSUServer: clears what Connect-PSUServer remembered.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "PSUServer")]
    [OutputType(typeof(void))]
    public sealed class DisconnectPSUServerCommand : PSCmdlet
    {
        /// <inheritdoc/>
        protected override void EndProcessing() => PSUConnection.Current = null;
    }
}
