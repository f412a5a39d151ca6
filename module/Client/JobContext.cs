using System.Collections.Generic;

namespace PSUJobs.Client
{
    /// <summary>The body of a script run (PSU's JobContext).</summary>
    internal sealed class JobContext
    {
        public string? Environment { get; set; }

        /// <summary>The name of a stored credential to run as.</summary>
        public string? Credential { get; set; }

        public string? Notes { get; set; }

        public string[]? Tags { get; set; }

        public List<JobParameterValue> JobParameters { get; } = new List<JobParameterValue>();
    }

    /// <summary>One parameter value sent with a run: CliXml text, as PSSerializer writes it.</summary>
    internal sealed class JobParameterValue
    {
        public JobParameterValue(string name, string value)
        {
            Name = name;
            Value = value;
        }

        public string Name { get; }

        public string Value { get; }
    }
}
