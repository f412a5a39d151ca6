using System.Management.Automation;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>Get-PSUScript: every script, one by id, or by name (wildcards allowed).</summary>
    [Cmdlet(VerbsCommon.Get, "PSUScript", DefaultParameterSetName = AllSet)]
    [OutputType(typeof(Script))]
    public sealed class GetPSUScriptCommand : PSUCmdlet
    {
        private const string AllSet = "All";
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        /// <summary>The script's id.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet)]
        public long Id { get; set; }

        /// <summary>The script's name or repository path; wildcards match several.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = NameSet)]
        [ArgumentCompleter(typeof(ScriptNameCompleter))]
        [ValidateNotNullOrEmpty]
        public string Name { get; set; } = string.Empty;

        /// <inheritdoc/>
        protected override void ProcessRecord()
        {
            object target = ParameterSetName == IdSet ? Id : Name;
            Run(target, () =>
            {
                switch (ParameterSetName)
                {
                    case IdSet:
                        WriteObject(Client.Script(Id, Cancel));
                        break;
                    case NameSet when WildcardPattern.ContainsWildcardCharacters(Name):
                        var pattern = new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                        foreach (Script script in Client.Scripts(Cancel))
                        {
                            if (pattern.IsMatch(script.Name) || pattern.IsMatch(script.FullPath))
                            {
                                WriteObject(script);
                            }
                        }

                        break;
                    case NameSet:
                        WriteObject(Client.ScriptByName(Name, Cancel));
                        break;
                    default:
                        WriteObject(Client.Scripts(Cancel), enumerateCollection: true);
                        break;
                }
            });
        }
    }
}
