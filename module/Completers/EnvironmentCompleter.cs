using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSUJobs.Client;
using PSUJobs.Models;
using Job = PSUJobs.Models.Job;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>Completes environment names. The API has no environment list, so the names
    /// come from what the server reports: the scripts' environments and recent jobs'.</summary>
    public sealed class EnvironmentCompleter : IArgumentCompleter
    {
        private const long RecentJobs = 100;

        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var names = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
            PSUConnection? connection = CompleterConnection.From(fakeBoundParameters);
            if (connection is null)
            {
                return Array.Empty<CompletionResult>();
            }

            try
            {
                NativeResolver.Register();
                using var cancel = new CancelHandle();
                foreach (Script script in connection.Client.Scripts(cancel))
                {
                    Add(names, script.Environment);
                }

                foreach (Job job in connection.Client.Jobs(new JobQuery { Take = RecentJobs }, cancel).Page)
                {
                    Add(names, job.Environment);
                }
            }
            catch (NativeException)
            {
                // An unreachable server just offers nothing to complete.
            }

            var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            var results = new List<CompletionResult>();
            foreach (string name in names)
            {
                if (pattern.IsMatch(name))
                {
                    results.Add(new CompletionResult(name, name, CompletionResultType.ParameterValue, name));
                }
            }

            return results;
        }

        private static void Add(SortedSet<string> names, string? name)
        {
            if (!string.IsNullOrWhiteSpace(name))
            {
                names.Add(name);
            }
        }
    }
}
