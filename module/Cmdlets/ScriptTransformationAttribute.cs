using System.Management.Automation;
using PSUJobs.Models;

namespace PSUJobs
{
    /// <summary>Lets -Script take a name as well as a Script object, as PSU's does
    /// (`Invoke-PSUScript -Script 'Script1.ps1'`); the name is resolved when it is used.</summary>
    internal sealed class ScriptTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            object value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            // Only text: a number must stay a number so `Get-PSUJob 5` binds -Id, not -Script.
            return value is string name ? Script.Named(name) : inputData;
        }
    }
}
