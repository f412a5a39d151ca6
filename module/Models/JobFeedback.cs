using System;

namespace PSUJobs.Models
{
    /// <summary>What a job's prompt asks for.</summary>
    public enum FeedbackKind
    {
        /// <summary>Read-Host</summary>
        ReadLine = 0,

        /// <summary>Read-Host -AsSecureString</summary>
        SecureString = 1,

        /// <summary>$Host.UI.PromptForChoice</summary>
        Choice = 2,

        /// <summary>$Host.UI.Prompt with several fields</summary>
        Prompt = 3,

        /// <summary>Get-Credential</summary>
        Credential = 4,
    }

    /// <summary>One choice of a PromptForChoice prompt.</summary>
    public sealed class FeedbackChoice
    {
        public string Label { get; set; } = string.Empty;

        public string? HelpMessage { get; set; }

        /// <inheritdoc/>
        public override string ToString() => Label;
    }

    /// <summary>One field of a multi-field prompt.</summary>
    public sealed class FeedbackField
    {
        public string Name { get; set; } = string.Empty;

        public string Type { get; set; } = string.Empty;

        public bool IsSecure { get; set; }

        /// <inheritdoc/>
        public override string ToString() => Name;
    }

    /// <summary>The prompt a job waits on (status WaitingOnFeedback).</summary>
    public sealed class JobFeedback
    {
        public long JobId { get; set; }

        public Guid? RunId { get; set; }

        /// <summary>Identifies this prompt; a job prompts once at a time.</summary>
        public long Id { get; set; }

        public FeedbackKind Kind { get; set; }

        public string Message { get; set; } = string.Empty;

        public string? Caption { get; set; }

        public FeedbackChoice[] Choices { get; set; } = Array.Empty<FeedbackChoice>();

        public int? DefaultChoice { get; set; }

        public FeedbackField[] Fields { get; set; } = Array.Empty<FeedbackField>();

        public DateTime? CreatedTime { get; set; }

        /// <summary>The job the prompt belongs to, as job routes name it (run id first, as Job.Reference).</summary>
        internal string JobReference => RunId.HasValue ? RunId.Value.ToString() : JobId.ToString(System.Globalization.CultureInfo.InvariantCulture);

        /// <inheritdoc/>
        public override string ToString() => Message;
    }
}
