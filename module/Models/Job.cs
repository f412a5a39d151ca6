using System;

namespace PSUJobs.Models
{
    /// <summary>A job: one run of a script (PSU's Job object).</summary>
    public sealed class Job
    {
        public long Id { get; set; }

        public Guid? RunId { get; set; }

        public JobStatus Status { get; set; }

        public DateTime? CreatedTime { get; set; }

        public DateTime? StartTime { get; set; }

        public DateTime? EndTime { get; set; }

        public long? ScriptId { get; set; }

        public string ScriptFullPath { get; set; } = string.Empty;

        public string? Environment { get; set; }

        public Identity? Identity { get; set; }

        public long? ParentJobId { get; set; }

        public string? ComputerName { get; set; }

        public long? ProcessId { get; set; }

        /// <summary>The failure summary of a failed job.</summary>
        public string? Output { get; set; }

        public string? Activity { get; set; }

        public string? CurrentOperation { get; set; }

        public int? PercentComplete { get; set; }

        public int? SecondsRemaining { get; set; }

        public string? StatusDescription { get; set; }

        public JobParameter[] Parameters { get; set; } = Array.Empty<JobParameter>();

        public string? Notes { get; set; }

        public string[] Tags { get; set; } = Array.Empty<string>();

        /// <summary>The stored credential the job ran as (its name, never the secret).</summary>
        public string? Credential { get; set; }

        public int RetryCount { get; set; }

        public bool Archived { get; set; }

        public int? ExitCode { get; set; }

        /// <summary>How every job route names this job: its run id when it has one (every
        /// route takes it, and in Job Run ID mode only it works), else its number.</summary>
        internal string Reference => RunId.HasValue ? RunId.Value.ToString() : Id.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <summary>A job in a terminal status never changes again.</summary>
        public bool IsFinished => Status switch
        {
            JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled or JobStatus.TimedOut
                or JobStatus.Warning or JobStatus.Error or JobStatus.Historical => true,
            _ => false,
        };

        /// <inheritdoc/>
        public override string ToString() => $"Job {Id} ({ScriptFullPath}): {Status}";
    }
}
