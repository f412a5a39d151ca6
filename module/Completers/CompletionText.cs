namespace PSUJobs
{
    /// <summary>How a completed name is written on the command line.</summary>
    internal static class CompletionText
    {
        /// <summary>The name, quoted when it holds a space.</summary>
        internal static string Quoted(string name) => name.IndexOf(' ') >= 0 ? $"'{name}'" : name;
    }
}
