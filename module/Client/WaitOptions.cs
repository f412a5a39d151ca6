namespace PSUJobs.Client
{
    /// <summary>How a wait follows its job (psuj_wait_start's options).</summary>
    internal sealed class WaitOptions
    {
        /// <summary>Give up after this many seconds; null waits for as long as the job runs.</summary>
        public double? TimeoutSeconds { get; set; }

        /// <summary>Relay no stream records and no prompts.</summary>
        public bool Silent { get; set; }
    }
}
