using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using System.Management.Automation.Language;
using PSUJobs.Client;
using PSUJobs.Models;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>Completes script names and repository paths from the server's script list.</summary>
    public sealed class ScriptNameCompleter : IArgumentCompleter
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

            string typed = wordToComplete.Trim('\'', '"');
            var pattern = new WildcardPattern(typed + "*", WildcardOptions.IgnoreCase);
            try
            {
                NativeResolver.Register();
                using var cancel = new CancelHandle();
                foreach (Script script in connection.Client.Scripts(cancel))
                {
                    string candidate = pattern.IsMatch(script.Name) ? script.Name : script.FullPath;
                    if (pattern.IsMatch(candidate))
                    {
                        results.Add(new CompletionResult(CompletionText.Quoted(candidate), candidate, CompletionResultType.ParameterValue, script.FullPath));
                    }
                }
            }
            catch (NativeException)
            {
                // An unreachable server just offers nothing to complete.
            }

            return results;
        }
    }
}
