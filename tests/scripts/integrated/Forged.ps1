# Calls the channel with a forged secret, then with the stale secret of a finished child:
# both must be refused. Returns the error ids.
$errors = [System.Collections.Generic.List[string]]::new()
$mine = $env:PSUJOBS_IPC_SECRET
$stale = Invoke-PSUScript -Name 'integrated/Secret.ps1' -Integrated -Wait
try {
    $env:PSUJOBS_IPC_SECRET = 'f' * 64
    try { Get-PSUJob -Id $UAJobId -Integrated | Out-Null } catch { $errors.Add($_.FullyQualifiedErrorId) }
    $env:PSUJOBS_IPC_SECRET = $stale.Secret
    $env:PSUJOBS_JOB_ID = $stale.JobId
    try { Get-PSUJob -Id $UAJobId -Integrated | Out-Null } catch { $errors.Add($_.FullyQualifiedErrorId) }
} finally {
    $env:PSUJOBS_IPC_SECRET = $mine
    $env:PSUJOBS_JOB_ID = $UAJobId
}
$errors
(Get-PSUJob -Id $UAJobId -Integrated).Id
