using System;
using System.Management.Automation;
using PSUJobs.Client;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>
    /// The base of every cmdlet that talks to a server: the connection parameters every PSU
    /// management cmdlet takes, the per-invocation cancel handle (Ctrl+C reaches Rust through
    /// StopProcessing), and the one place native failures become ErrorRecords.
    /// </summary>
    public abstract class PSUCmdlet : PSCmdlet, IDisposable
    {
        internal const string NoConnectionMessage = "Specify a computer name or use the Connect-PSUServer command.";

        internal const string NotInJobMessage = "-Integrated works only inside a job run by a PSUJobs server (PSUJOBS_IPC_ADDRESS, PSUJOBS_JOB_ID and PSUJOBS_IPC_SECRET are not set).";

        private PSUClient? client;

        /// <summary>The HTTP address of the PSU REST API server.</summary>
        [Parameter]
        [Alias("Uri")]
        [ValidateNotNullOrEmpty]
        public string? ComputerName { get; set; }

        /// <summary>An app token to access the PSU API.</summary>
        [Parameter]
        public string? AppToken { get; set; }

        /// <summary>Accept the server's TLS certificate without validating it.</summary>
        [Parameter]
        public SwitchParameter TrustCertificate { get; set; }

        /// <summary>Windows authentication: not supported (a warning with an app token, an error without).</summary>
        [Parameter]
        public SwitchParameter UseDefaultCredentials { get; set; }

        /// <summary>Call the server over the running job's own channel: no app token or
        /// computer name, the job's identity, and jobs started become its children.</summary>
        [Parameter]
        public SwitchParameter Integrated { get; set; }

        internal CancelHandle Cancel { get; } = new CancelHandle();

        /// <summary>The client of the resolved connection, created on first use.</summary>
        internal PSUClient Client => client ??= ResolveConnection().Client;

        /// <summary>
        /// Where this invocation's requests go: -ComputerName, else Connect-PSUServer's
        /// connection, with -AppToken/-TrustCertificate applied over it; with -Integrated, the
        /// job's own channel.
        /// </summary>
        internal virtual PSUConnection ResolveConnection()
        {
            if (Integrated)
            {
                PSUConnection? channel = PSUConnection.ForJob();
                if (channel is null)
                {
                    ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(NotInJobMessage), "IntegratedNotInJob", ErrorCategory.InvalidOperation, null));
                }

                return channel!;
            }

            PSUConnection? current = PSUConnection.Current;
            DefaultCredentials.Check(this, UseDefaultCredentials, AppToken ?? current?.AppToken);
            PSUConnection? connection = ComputerName is not null
                ? new PSUConnection(PSUConnection.NormalizeUrl(ComputerName), AppToken, TrustCertificate, UseDefaultCredentials)
                : current is not null
                    ? current with
                    {
                        AppToken = AppToken ?? current.AppToken,
                        TrustCertificate = TrustCertificate || current.TrustCertificate,
                        UseDefaultCredentials = UseDefaultCredentials || current.UseDefaultCredentials,
                    }
                    : null;
            if (connection is null)
            {
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(NoConnectionMessage), "NoConnection", ErrorCategory.ConnectionError, null));
            }

            return connection!;
        }

        /// <inheritdoc/>
        protected override void BeginProcessing() => NativeResolver.Register();

        /// <inheritdoc/>
        protected override void StopProcessing() => Cancel.Trigger();

        /// <inheritdoc/>
        public void Dispose()
        {
            Dispose(true);
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases the cancel handle; derived cmdlets release their own resources too.</summary>
        protected virtual void Dispose(bool disposing)
        {
            if (disposing)
            {
                Cancel.Dispose();
            }
        }

        /// <summary>Runs one unit of work for <paramref name="target"/>. A native failure becomes
        /// a non-terminating error, unless asked otherwise or the failure is the connection's
        /// (unreachable, TLS, credentials, timeout), which every later object would hit too.
        /// Ctrl+C stops the pipeline.</summary>
        internal void Run(object? target, Action body, bool terminating = false)
        {
            try
            {
                body();
            }
            catch (NativeException e)
            {
                Report(e, target, terminating);
            }
        }

        /// <summary>Reports a native failure as <see cref="Run"/> does: Ctrl+C stops the
        /// pipeline, a connection failure or <paramref name="terminating"/> ends the command,
        /// anything else is a non-terminating error.</summary>
        internal void Report(NativeException e, object? target, bool terminating)
        {
            if (e.IsCancelled)
            {
                throw new PipelineStoppedException();
            }

            ErrorRecord record = PSUErrors.Record(e, target);
            if (terminating || PSUErrors.IsConnectionFailure(e.ErrorId))
            {
                ThrowTerminatingError(record);
            }

            WriteError(record);
        }
    }
}
