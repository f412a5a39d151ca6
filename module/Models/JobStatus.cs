namespace PSUJobs.Models
{
    /// <summary>A job's state, numbered as PowerShell Universal numbers it (the wire value).</summary>
    public enum JobStatus
    {
        Queued = 0,
        Running = 1,
        Completed = 2,
        Failed = 3,
        WaitingOnFeedback = 4,
        Canceled = 5,
        Canceling = 6,
        Historical = 7,
        Active = 8,
        TimedOut = 9,
        Warning = 10,
        Error = 11,
    }
}
