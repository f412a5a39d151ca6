using System;

namespace PSUJobs.Models
{
    /// <summary>A script in the server's repository (PSU's Script object).</summary>
    public sealed class Script
    {
        public long Id { get; set; }

        public string Name { get; set; } = string.Empty;

        /// <summary>The path relative to the repository.</summary>
        public string FullPath { get; set; } = string.Empty;

        public string? Description { get; set; }

        public string[] Tags { get; set; } = Array.Empty<string>();

        public string? Environment { get; set; }

        public string? Credential { get; set; }

        public int MaxHistory { get; set; }

        /// <summary>Minutes; 0 means no limit.</summary>
        public double TimeOut { get; set; }

        public int ConcurrentJobs { get; set; }

        public bool DiscardPipeline { get; set; }

        /// <summary>Times a failed job runs again before it stays Failed.</summary>
        public int RetryLimit { get; set; }

        /// <summary>The folder jobs start in (relative: below the repository).</summary>
        public string? WorkingDirectory { get; set; }

        /// <summary>The jobs' $ErrorActionPreference, when the script sets one.</summary>
        public string? ScriptErrorAction { get; set; }

        public string[] Roles { get; set; } = Array.Empty<string>();

        /// <summary>Only other jobs may run the script (-Integrated), not people or REST clients.</summary>
        public bool DisableManualInvocation { get; set; }

        /// <summary>Jobs run the PowerShell profiles before the script, as a console does.</summary>
        public bool LoadProfile { get; set; }

        public string? Content { get; set; }

        /// <summary>A script known only by the name a caller typed (`-Script 'Script1.ps1'`):
        /// resolved against the server when it is used.</summary>
        internal static Script Named(string name) => new Script { Name = name, FullPath = name };

        /// <inheritdoc/>
        public override string ToString() => string.IsNullOrEmpty(FullPath) ? Name : FullPath;
    }
}
