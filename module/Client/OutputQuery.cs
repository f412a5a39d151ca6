namespace PSUJobs.Client
{
    /// <summary>The query of GET /api/v1/job/{id}/output: how many records (-Limit).</summary>
    internal sealed record OutputQuery(int Take);
}
