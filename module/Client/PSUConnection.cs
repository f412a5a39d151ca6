using System;
using System.Collections.Concurrent;

namespace PSUJobs.Client
{
    /// <summary>
    /// Where a cmdlet sends its requests: a server address, an app token and TLS/auth switches.
    /// Connect-PSUServer sets the process-wide default; every cmdlet's own -ComputerName
    /// overrides it. One native client (and so one connection pool) is kept per distinct
    /// connection for the life of the process, which makes repeated calls cheap.
    /// </summary>
    internal sealed record PSUConnection(string BaseUrl, string? AppToken, bool TrustCertificate, bool UseDefaultCredentials)
    {
        private static readonly ConcurrentDictionary<PSUConnection, Lazy<PSUClient>> Clients = new ConcurrentDictionary<PSUConnection, Lazy<PSUClient>>();

        /// <summary>Set by Connect-PSUServer, cleared by Disconnect-PSUServer.</summary>
        internal static PSUConnection? Current { get; set; }

        /// <summary>The shared native client of this connection.</summary>
        internal PSUClient Client => Clients.GetOrAdd(this, c => new Lazy<PSUClient>(() => PSUClient.Create(c))).Value;

        /// <summary>Checks and normalises what a user typed for -ComputerName.</summary>
        internal static string NormalizeUrl(string computerName)
        {
            string text = computerName.Trim();
            if (!text.Contains("://", StringComparison.Ordinal))
            {
                text = "http://" + text;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"'{computerName}' is not an http(s) address of a PSU server.");
            }

            return text.TrimEnd('/');
        }

        /// <summary>The JSON psuj_client_new reads.</summary>
        internal object ToNative() => new
        {
            baseUrl = BaseUrl,
            appToken = AppToken,
            trustCertificate = TrustCertificate,
            useDefaultCredentials = UseDefaultCredentials,
        };
    }
}
