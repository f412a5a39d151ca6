using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSUJobs.Client;
using PSUJobs.Models;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>Completes environment names from the server's environment list
    /// (GET /api/v1/environment).</summary>
    public sealed class EnvironmentCompleter : IArgumentCompleter
    {
        /// <inheritdoc/>
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var results = new List<CompletionResult>();
            PSUConnection? connection = CompleterConnection.From(fakeBoundParameters);
            if (connection is null)
            {
                return results;
            }

            var pattern = new WildcardPattern(wordToComplete.Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            try
            {
                NativeResolver.Register();
                using var cancel = new CancelHandle();
                foreach (ExecutionEnvironment environment in connection.Client.Environments(cancel))
                {
                    string name = environment.Name;
                    if (name.Length > 0 && pattern.IsMatch(name))
                    {
                        results.Add(new CompletionResult(CompletionText.Quoted(name), name, CompletionResultType.ParameterValue, $"{environment.Path} {environment.Arguments}".TrimEnd()));
                    }
                }
            }
            catch (NativeException)
            {
                // An unreachable server, or one without the route, just offers nothing to complete.
            }

            return results;
        }
    }
}
