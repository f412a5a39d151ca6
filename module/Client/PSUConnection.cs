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

        /// <summary>The job's own channel (-Integrated) instead of HTTP; null for a server address.</summary>
        internal IntegratedEndpoint? Integrated { get; init; }

        /// <summary>Set by Connect-PSUServer, cleared by Disconnect-PSUServer.</summary>
        internal static PSUConnection? Current { get; set; }

        /// <summary>The shared native client of this connection.</summary>
        internal PSUClient Client => Clients.GetOrAdd(this, c => new Lazy<PSUClient>(() => PSUClient.Create(c))).Value;

        /// <summary>Checks and normalises what a user typed for -ComputerName.</summary>
        internal static string NormalizeUrl(string computerName)
        {
            string text = computerName.Trim();
            if (text.IndexOf("://", StringComparison.Ordinal) < 0)
            {
                text = "http://" + text;
            }

            if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                throw new ArgumentException($"'{computerName}' is not an http(s) address of a PSU server.");
            }

            return text.TrimEnd('/');
        }

        /// <summary>The channel of the job this process runs, from the variables the server
        /// sets in it (docs/integrated.md); null outside a job. Read on every call: they are
        /// set in .NET's environment block, and a script may change them.</summary>
        internal static PSUConnection? ForJob()
        {
            string? address = System.Environment.GetEnvironmentVariable("PSUJOBS_IPC_ADDRESS");
            string? secret = System.Environment.GetEnvironmentVariable("PSUJOBS_IPC_SECRET");
            string? jobId = System.Environment.GetEnvironmentVariable("PSUJOBS_JOB_ID");
            if (string.IsNullOrEmpty(address) || string.IsNullOrEmpty(secret)
                || !long.TryParse(jobId, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long id))
            {
                return null;
            }

            return new PSUConnection($"integrated:{address}#{id}", null, false, false) { Integrated = new IntegratedEndpoint(address, id, secret) };
        }

        /// <summary>The JSON psuj_client_new (or, integrated, psuj_client_new_integrated) reads.</summary>
        internal string ToNativeJson() => Integrated is { } channel
            ? Json.Write(channel)
            : Json.Write(new HttpConnectionArgs(BaseUrl, AppToken, TrustCertificate, UseDefaultCredentials));
    }

    /// <summary>psuj_client_new's arguments.</summary>
    internal sealed record HttpConnectionArgs(string BaseUrl, string? AppToken, bool TrustCertificate, bool UseDefaultCredentials);

    /// <summary>A job's integrated channel: its address, the job's id and its secret.</summary>
    internal sealed record IntegratedEndpoint(string Address, long JobId, string Secret);
}
