using System.Collections.Generic;

namespace PSUJobs.Client
{
    /// <summary>An answer to a job's prompt: one of the three forms, chosen by the prompt's kind.</summary>
    internal sealed class FeedbackResponse
    {
        public string? Response { get; set; }

        /// <summary>Field name to value, for a multi-field prompt or a credential.</summary>
        public Dictionary<string, string>? Responses { get; set; }

        /// <summary>Index into the prompt's choices.</summary>
        public int? Choice { get; set; }
    }
}
