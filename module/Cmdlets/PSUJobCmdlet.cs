using System;
using System.Globalization;
using System.Management.Automation;
using PSUJobs.Models;
using Job = PSUJobs.Models.Job;

namespace PSUJobs
{
    /// <summary>
    /// The base of the cmdlets that act on one job, named three ways as PSU names it: a Job
    /// object (from the pipeline), -JobId, or -RunId (alias JobRunId, Wait-PSUJob's name).
    /// </summary>
    public abstract class PSUJobCmdlet : PSUCmdlet
    {
        internal const string JobSet = "Job";
        internal const string JobIdSet = "JobId";
        internal const string RunIdSet = "RunId";

        /// <summary>The job, as Get-PSUJob or Invoke-PSUScript return it.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = JobSet)]
        public Job? Job { get; set; }

        /// <summary>The job's number; numbers piped in bind here (PSU's
        /// `$job.Id | Remove-PSUJobPipelineOutput`), Job objects bind to -Job.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = JobIdSet)]
        public long JobId { get; set; }

        /// <summary>The job's run id.</summary>
        [Parameter(Mandatory = true, ParameterSetName = RunIdSet)]
        [Alias("JobRunId")]
        public Guid RunId { get; set; }

        /// <summary>How the job routes name the selected job.</summary>
        internal string JobReference => ParameterSetName switch
        {
            JobIdSet => JobId.ToString(CultureInfo.InvariantCulture),
            RunIdSet => RunId.ToString(),
            _ => Job?.Reference ?? throw new PSArgumentNullException(nameof(Job)),
        };

        /// <summary>The selected job for people (-WhatIf, -Confirm): the Job's own text when
        /// one was given, else the id or run id typed.</summary>
        internal string JobDescription => Job?.ToString() ?? $"job {JobReference}";
    }
}
