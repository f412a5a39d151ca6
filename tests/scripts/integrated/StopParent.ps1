# Stops its own running child over the channel and reports what it saw of the stop.
$child = Invoke-PSUScript -Name 'integrated/Sleeper.ps1' -Integrated
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while ((Get-PSUJob -Id $child.Id -Integrated).Status -ne 'Running') {
    if ([DateTime]::UtcNow -gt $deadline) { throw "job $($child.Id) never ran" }
    Start-Sleep -Milliseconds 200
}
$stopped = Stop-PSUJob -Job $child -PassThru -Integrated
$child | Wait-PSUJob -Integrated -Silent -ErrorAction SilentlyContinue -ErrorVariable waitErrors | Out-Null
[pscustomobject]@{
    Child     = $child.Id
    PassThru  = "$($stopped.Status)"
    WaitError = $waitErrors[0].FullyQualifiedErrorId
}
