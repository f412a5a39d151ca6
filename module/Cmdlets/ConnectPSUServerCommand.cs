using System;
using System.Management.Automation;
using PSUJobs.Client;

namespace PSUJobs
{
    /// <summary>
    /// Connect-PSUServer: remembers the server and app token for the whole process, so later
    /// cmdlets need no -ComputerName or -AppToken. No request is sent until a cmdlet needs one.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "PSUServer")]
    [OutputType(typeof(void))]
    public sealed class ConnectPSUServerCommand : PSCmdlet
    {
        /// <summary>The HTTP address of the PSU REST API server.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [Alias("Uri", "Url")]
        [ValidateNotNullOrEmpty]
        public string ComputerName { get; set; } = string.Empty;

        /// <summary>An app token to access the PSU API.</summary>
        [Parameter]
        public string? AppToken { get; set; }

        /// <summary>Accept the server's TLS certificate without validating it.</summary>
        [Parameter]
        public SwitchParameter TrustCertificate { get; set; }

        /// <summary>Windows authentication: not supported (a warning with -AppToken, an error without).</summary>
        [Parameter]
        public SwitchParameter UseDefaultCredentials { get; set; }

        /// <inheritdoc/>
        protected override void EndProcessing()
        {
            string url;
            try
            {
                url = PSUConnection.NormalizeUrl(ComputerName);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidComputerName", ErrorCategory.InvalidArgument, ComputerName));
                return;
            }

            DefaultCredentials.Check(this, UseDefaultCredentials, AppToken);
            PSUConnection.Current = new PSUConnection(url, AppToken, TrustCertificate, UseDefaultCredentials);
        }
    }
}
