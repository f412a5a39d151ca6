namespace PSUJobs.Models
{
    /// <summary>The stream a job output record came from.</summary>
    public enum OutputType
    {
        Information = 0,
        Verbose = 1,
        Debug = 2,
        Warning = 3,
        Error = 4,
        Progress = 5,
        Host = 6,
    }
}
