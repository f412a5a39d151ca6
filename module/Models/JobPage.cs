using System;

namespace PSUJobs.Models
{
    /// <summary>One page of GET /api/v1/job: the jobs and how many match in all.</summary>
    internal sealed class JobPage
    {
        public Job[] Page { get; set; } = Array.Empty<Job>();

        public long Total { get; set; }
    }
}
