namespace PSUJobs.Models
{
    /// <summary>An environment a job can run in (PSU's ExecutionEnvironment), as
    /// GET /api/v1/environment lists it.</summary>
    internal sealed class ExecutionEnvironment
    {
        public string Name { get; set; } = string.Empty;

        /// <summary>The executable.</summary>
        public string Path { get; set; } = string.Empty;

        public string? Arguments { get; set; }

        /// <summary>psujobs only: powershell or minimal.</summary>
        public string? Kind { get; set; }
    }
}
