# PSU's job variables, as the job sees them.
[pscustomobject]@{
    UAJobId    = $UAJobId
    JobId      = $UAJob.Id
    UAScriptId = $UAScriptId
    ScriptPath = $UAScript.FullPath
    Module     = (Get-Command Invoke-PSUScript).Source
}
