namespace PSUJobs.Client
{
    /// <summary>The query of GET /api/v1/job; unset fields are left to the server.</summary>
    internal sealed class JobQuery
    {
        public long? Take { get; set; }

        public long? Skip { get; set; }

        /// <summary>Id, StartTime, EndTime or CreatedTime.</summary>
        public string? OrderBy { get; set; }

        /// <summary>Ascending or Descending.</summary>
        public string? OrderDirection { get; set; }

        /// <summary>A JobStatus number.</summary>
        public int? Status { get; set; }

        public long? ScriptId { get; set; }

        public string? ScriptFullPath { get; set; }
    }
}
