using System.Collections;
using System.Management.Automation;
using PSUJobs.Client;

namespace PSUJobs
{
    /// <summary>The connection a completer asks: the command line's -ComputerName/-AppToken
    /// when typed, else Connect-PSUServer's. Completion never prompts or throws.</summary>
    internal static class CompleterConnection
    {
        internal static PSUConnection? From(IDictionary fakeBoundParameters)
        {
            PSUConnection? current = PSUConnection.Current;
            string? computer = Text(fakeBoundParameters, "ComputerName") ?? Text(fakeBoundParameters, "Uri");
            string? token = Text(fakeBoundParameters, "AppToken");
            bool trust = fakeBoundParameters.Contains("TrustCertificate");
            try
            {
                if (computer is not null)
                {
                    return new PSUConnection(PSUConnection.NormalizeUrl(computer), token, trust, false);
                }
            }
            catch (System.ArgumentException)
            {
                return null;
            }

            return current is null ? null : current with { AppToken = token ?? current.AppToken, TrustCertificate = trust || current.TrustCertificate };
        }

        private static string? Text(IDictionary parameters, string name) =>
            parameters.Contains(name) ? LanguagePrimitives.ConvertTo<string>(parameters[name]) : null;
    }
}
