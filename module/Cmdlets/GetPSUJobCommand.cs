using System;
using System.Globalization;
using System.Management.Automation;
using PSUJobs.Client;
using PSUJobs.Models;
using Job = PSUJobs.Models.Job;

namespace PSUJobs
{
    /// <summary>
    /// Get-PSUJob: jobs, newest or oldest first, filtered by script and status, paged with the
    /// standard -First/-Skip/-IncludeTotalCount; or one job by -Id or -RunId, or afresh from a
    /// Job object piped in (`$job = $job | Get-PSUJob`).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "PSUJob", DefaultParameterSetName = AllSet, SupportsPaging = true)]
    [OutputType(typeof(Job))]
    public sealed class GetPSUJobCommand : PSUCmdlet
    {
        private const string AllSet = "All";
        private const string IdSet = "Id";
        private const string RunIdSet = "RunId";
        private const string ScriptSet = "Script";
        private const string JobSet = "Job";

        /// <summary>How many jobs one request asks for when listing all of them.</summary>
        private const long PageSize = 200;

        /// <summary>The job's number.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet)]
        public long Id { get; set; }

        /// <summary>The job's run id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RunIdSet)]
        public Guid RunId { get; set; }

        /// <summary>The job again, as it is now (an addition to PSU's sets: a Job from
        /// Invoke-PSUScript or an earlier Get-PSUJob, read afresh by its run id or id).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = JobSet)]
        public Job? Job { get; set; }

        /// <summary>Only jobs of this script (from Get-PSUScript).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ScriptSet)]
        [ScriptTransformation]
        [ArgumentCompleter(typeof(ScriptNameCompleter))]
        public Script? Script { get; set; }

        /// <summary>Only jobs in this state.</summary>
        [Parameter(ParameterSetName = AllSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        public JobStatus? Status { get; set; }

        /// <summary>The field jobs are ordered by.</summary>
        [Parameter(ParameterSetName = AllSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        [ValidateSet("Id", "StartTime", "EndTime", "CreatedTime")]
        public string? OrderBy { get; set; }

        /// <summary>Newest (Descending, the default) or oldest first.</summary>
        [Parameter(ParameterSetName = AllSet)]
        [Parameter(ParameterSetName = ScriptSet)]
        [ValidateSet("Descending", "Ascending")]
        public string? OrderDirection { get; set; }

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case IdSet:
                    Run(Id, () => WriteObject(Client.Job(Id.ToString(CultureInfo.InvariantCulture), Cancel)));
                    return;
                case RunIdSet:
                    Run(RunId, () => WriteObject(Client.Job(RunId.ToString(), Cancel)));
                    return;
                case JobSet:
                    Run(Job, () => WriteObject(Client.Job(Job!.Reference, Cancel)));
                    return;
                default:
                    Run(Script, List);
                    return;
            }
        }

        private void List()
        {
            var query = new JobQuery
            {
                OrderBy = OrderBy,
                OrderDirection = OrderDirection,
                Status = Status.HasValue ? (int)Status.Value : null,
            };
            if (Script is not null)
            {
                if (Script.Id > 0)
                {
                    query.ScriptId = Script.Id;
                }
                else
                {
                    query.ScriptFullPath = Client.ScriptByName(Script.Name, Cancel).FullPath;
                }
            }

            ulong skip = PagingParameters.Skip;
            ulong wanted = PagingParameters.First;
            bool countReported = false;
            while (wanted > 0)
            {
                query.Skip = skip > 0 ? (long)Math.Min(skip, long.MaxValue) : null;
                query.Take = (long)Math.Min(wanted, (ulong)PageSize);
                JobPage page = Client.Jobs(query, Cancel);
                if (PagingParameters.IncludeTotalCount && !countReported)
                {
                    WriteObject(PagingParameters.NewTotalCount((ulong)Math.Max(page.Total, 0), 1.0));
                    countReported = true;
                }

                WriteObject(page.Page, enumerateCollection: true);
                wanted -= Math.Min(wanted, (ulong)page.Page.Length);
                skip += (ulong)page.Page.Length;
                if (page.Page.Length < query.Take || skip >= (ulong)Math.Max(page.Total, 0))
                {
                    return;
                }
            }
        }
    }
}
