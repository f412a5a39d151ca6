# Finds a script, starts it with a dynamic parameter and reads the finished child back over the
# channel: its parameters, stream output and pipeline output, which it then removes.
$script = Get-PSUScript -Name 'integrated/Child.ps1' -Integrated
$child = Invoke-PSUScript -Id $script.Id -Value 7 -Integrated
$child | Wait-PSUJob -Integrated -Silent | Out-Null
$pipeline = Get-PSUJobPipelineOutput -Job $child -Integrated
Remove-PSUJobPipelineOutput -JobId $child.Id -Integrated
[pscustomobject]@{
    Child      = $child.Id
    ScriptId   = $script.Id
    Parameters = @(Get-PSUJobParameter -Job $child -Integrated | ForEach-Object ToString)
    Log        = Get-PSUJobOutput -JobId $child.Id -Integrated
    Records    = @(Get-PSUJobOutput -Job $child -AsObject -Integrated | ForEach-Object Message)
    Pipeline   = $pipeline
    Left       = @(Get-PSUJobPipelineOutput -Job $child -Integrated).Count
}
