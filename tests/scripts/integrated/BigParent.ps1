# Starts Big.ps1 over the integrated channel and reads its pipeline output back the same way.
$child = Invoke-PSUScript -Name 'integrated/Big.ps1' -Megabytes 70 -Integrated
$child | Wait-PSUJob -Integrated -Silent | Out-Null
$objects = @(Get-PSUJobPipelineOutput -Job $child -Integrated)
[pscustomobject]@{
    Count  = $objects.Count
    Length = ($objects | Measure-Object -Property Length -Sum).Sum
    First  = $objects[0].Substring(0, 9)
    Last   = $objects[-1].Substring(0, 9)
}
