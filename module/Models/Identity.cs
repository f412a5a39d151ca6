namespace PSUJobs.Models
{
    /// <summary>Who started a job: the app token's identity and role.</summary>
    public sealed class Identity
    {
        public long? Id { get; set; }

        public string Name { get; set; } = string.Empty;

        public string Role { get; set; } = string.Empty;

        /// <inheritdoc/>
        public override string ToString() => Name;
    }
}
