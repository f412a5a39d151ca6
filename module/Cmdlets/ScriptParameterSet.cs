using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Security;
using PSUJobs.Client;
using PSUJobs.Models;
using PSUJobs.Native;

namespace PSUJobs
{
    /// <summary>
    /// A script and its param block as Invoke-PSUScript's dynamic parameters: fetched from the
    /// server once per script and connection, then cached for the life of the process (the
    /// binder asks for dynamic parameters on every invocation, tab completion included).
    /// </summary>
    internal sealed class ScriptParameterSet
    {
        private static readonly ConcurrentDictionary<(string Server, string Script), ScriptParameterSet> Cache = new ConcurrentDictionary<(string, string), ScriptParameterSet>();

        /// <summary>Script parameter types that map to a .NET type by name outside corlib.</summary>
        private static readonly Dictionary<string, Type> KnownTypes = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase)
        {
            ["System.Management.Automation.SwitchParameter"] = typeof(SwitchParameter),
            ["System.Management.Automation.PSCredential"] = typeof(PSCredential),
            ["System.Security.SecureString"] = typeof(SecureString),
            ["System.Collections.Hashtable"] = typeof(System.Collections.Hashtable),
        };

        private ScriptParameterSet(Script script, ScriptParameter[] parameters)
        {
            Script = script;
            Parameters = parameters;
        }

        internal Script Script { get; }

        internal ScriptParameter[] Parameters { get; }

        /// <summary>The script named by id (when positive) or by name, with its parameters.</summary>
        internal static ScriptParameterSet Get(PSUConnection connection, PSUClient client, long id, string? name, CancelHandle cancel)
        {
            string key = id > 0 ? $"#{id}" : (name ?? string.Empty).Replace('\\', '/').ToLowerInvariant();
            if (Cache.TryGetValue((connection.BaseUrl, key), out ScriptParameterSet? known))
            {
                return known;
            }

            Script script = id > 0 ? client.Script(id, cancel) : client.ScriptByName(name ?? string.Empty, cancel);
            var set = new ScriptParameterSet(script, client.ScriptParameters(script.Id, cancel));
            Cache[(connection.BaseUrl, key)] = set;
            return set;
        }

        /// <summary>The dynamic parameters: each script parameter with its type, position
        /// (after the cmdlet's own position 0), mandatory flag, validate set and help. Names the
        /// cmdlet already uses are left out (pass those with -Parameters).</summary>
        internal RuntimeDefinedParameterDictionary ToDynamicParameters(ICollection<string> reserved, bool allowMandatory)
        {
            var dictionary = new RuntimeDefinedParameterDictionary();
            foreach (ScriptParameter parameter in Parameters)
            {
                if (string.IsNullOrEmpty(parameter.Name) || reserved.Contains(parameter.Name) || dictionary.ContainsKey(parameter.Name))
                {
                    continue;
                }

                var attribute = new ParameterAttribute { Mandatory = allowMandatory && parameter.Mandatory };
                if (!string.IsNullOrEmpty(parameter.HelpMessage))
                {
                    attribute.HelpMessage = parameter.HelpMessage;
                }

                if (parameter.Position is int position && position >= 0)
                {
                    attribute.Position = position + 1;
                }

                var attributes = new Collection<Attribute> { attribute };
                string[] allowed = parameter.ValidateSet.Length > 0 ? parameter.ValidateSet : parameter.EnumValues;
                if (allowed.Length > 0)
                {
                    attributes.Add(new ValidateSetAttribute(allowed));
                }

                dictionary.Add(parameter.Name, new RuntimeDefinedParameter(parameter.Name, TypeOf(parameter), attributes));
            }

            return dictionary;
        }

        /// <summary>When the script's parameters could not be fetched: one hidden parameter that
        /// takes whatever the command line names, so binding finishes and the cmdlet can report
        /// the fetch's own failure.</summary>
        internal static RuntimeDefinedParameterDictionary CatchAll()
        {
            const string name = "UnboundScriptArguments";
            var attributes = new Collection<Attribute> { new ParameterAttribute { ValueFromRemainingArguments = true, DontShow = true } };
            return new RuntimeDefinedParameterDictionary { { name, new RuntimeDefinedParameter(name, typeof(object[]), attributes) } };
        }

        /// <summary>The .NET type to bind a script parameter as. An enum defined only in the
        /// script binds as a string restricted to its values (the job converts it).</summary>
        private static Type TypeOf(ScriptParameter parameter)
        {
            if (parameter.EnumValues.Length > 0)
            {
                return typeof(string);
            }

            if (KnownTypes.TryGetValue(parameter.Type, out Type? known))
            {
                return known;
            }

            Type? type = parameter.Type.StartsWith("System.", StringComparison.Ordinal) ? Type.GetType(parameter.Type, throwOnError: false) : null;
            return type ?? typeof(object);
        }
    }
}
