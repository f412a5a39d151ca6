using System;
using System.Text.Json;
using PSUJobs.Models;
using PSUJobs.Native;

namespace PSUJobs.Client
{
    /// <summary>One event of a wait, as psuj_wait_next reports it.</summary>
    internal sealed class WaitEvent
    {
        private WaitEvent(string kind, JsonElement payload)
        {
            Kind = kind;
            Payload = payload;
        }

        /// <summary>output, status, progress, feedback or done.</summary>
        internal string Kind { get; }

        /// <summary>The event's object: a JobOutput, status number, progress, JobFeedback or Job.</summary>
        internal JsonElement Payload { get; }

        internal static WaitEvent Parse(string json)
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string kind = root.GetProperty("kind").GetString() ?? string.Empty;
            JsonElement payload = root.TryGetProperty(kind == "done" ? "job" : kind, out JsonElement p) ? p.Clone() : default;
            return new WaitEvent(kind, payload);
        }
    }

    /// <summary>A running wait (psuj_wait_*): events are pulled on the cmdlet's thread.
    /// Disposing it stops following the job; the job itself keeps running.</summary>
    internal sealed unsafe class JobWait : IDisposable
    {
        private readonly WaitHandle handle;

        internal JobWait(WaitHandle handle)
        {
            this.handle = handle;
        }

        /// <summary>The next event, or null when none came within <paramref name="timeoutMs"/>.
        /// Throws the wait's failure (WaitTimeout, JobNotFound…) and Cancelled on Ctrl+C.</summary>
        internal WaitEvent? Next(uint timeoutMs, CancelHandle cancel)
        {
            PsujBuffer buffer = default;
            PsujError error = default;
            using var wait = new HandleLease(handle);
            using var token = new HandleLease(cancel);
            try
            {
                NativeCall.Check(ClientNativeMethods.psuj_wait_next(wait.Value, timeoutMs, token.Value, &buffer, &error), ref error);
                return buffer.Len == 0 ? null : WaitEvent.Parse(NativeCall.Utf8(buffer));
            }
            finally
            {
                NativeMethods.psuj_buffer_free(&buffer);
            }
        }

        public void Dispose() => handle.Dispose();
    }
}
