using System;

namespace PSUJobs.Models
{
    /// <summary>One stream record a job wrote (Get-PSUJobOutput -AsObject).</summary>
    public sealed class JobOutput
    {
        /// <summary>Increasing within the job.</summary>
        public long Id { get; set; }

        public OutputType Type { get; set; }

        public string Message { get; set; } = string.Empty;

        public DateTime? Timestamp { get; set; }

        public string? ErrorId { get; set; }

        public string? Category { get; set; }

        public string? TargetName { get; set; }

        public string? ScriptStackTrace { get; set; }

        public string? PositionMessage { get; set; }

        /// <summary>Host output's -ForegroundColor, a ConsoleColor name.</summary>
        public string? ForegroundColor { get; set; }

        /// <summary>Host output's -BackgroundColor, a ConsoleColor name.</summary>
        public string? BackgroundColor { get; set; }

        /// <inheritdoc/>
        public override string ToString() => $"[{Type.ToString().ToLowerInvariant()}] {Message}";
    }
}
