using System;
using System.Management.Automation;

namespace PSUJobs
{
    /// <summary>
    /// -UseDefaultCredentials is PSU's Windows (Negotiate/NTLM) sign-in, which the native client
    /// does not speak. It is accepted so PSU scripts bind unchanged, but never silently: with an
    /// app token the requests carry only the token (a warning says so); without one there is no
    /// way to sign in, which is a terminating error.
    /// </summary>
    internal static class DefaultCredentials
    {
        internal const string NotSupportedMessage = "-UseDefaultCredentials (Windows authentication) is not supported by PSUJobs; connect with -AppToken.";

        internal static void Check(PSCmdlet cmdlet, bool requested, string? appToken)
        {
            if (!requested)
            {
                return;
            }

            if (string.IsNullOrEmpty(appToken))
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(new NotSupportedException(NotSupportedMessage), "DefaultCredentialsNotSupported", ErrorCategory.NotImplemented, null));
            }

            cmdlet.WriteWarning("-UseDefaultCredentials (Windows authentication) is not supported by PSUJobs; requests carry only the app token.");
        }
    }
}
