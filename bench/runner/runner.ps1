<#
.SYNOPSIS
    Time to first output: PSUJobs runner (warm pool, cold process) against Start-Job and
    `pwsh -NoProfile -c 1`, side by side with ratios. Target: warm <= 1/10 of Start-Job.
.EXAMPLE
    pwsh bench/runner/runner.ps1 -Runs 20
#>
param([int]$Runs = 20)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/../.."
# The pwsh a user would run. Not this process's path: a dotnet-tool pwsh runs as `dotnet`.
$pwshPath = (Get-Command pwsh -CommandType Application -ErrorAction Stop | Select-Object -First 1).Source
Import-Module (Join-Path $root 'bench/BenchTools.psm1') -Force

function Get-Stats([double[]]$ms) {
    $sorted = $ms | Sort-Object
    $pick = { param($q) $sorted[[math]::Max([math]::Ceiling($sorted.Count * $q), 1) - 1] }
    [pscustomobject]@{ Median = & $pick 0.5; P90 = & $pick 0.9 }
}

$firstOutput = Build-CargoExample -Package psujobs-psrp -Name first_output
$lines = & $firstOutput $pwshPath $Runs
if ($LASTEXITCODE) { throw "first_output failed" }

$rows = [ordered]@{}
foreach ($line in $lines) {
    if ($line -match '^(\w+) median_ms=([\d.]+) p90_ms=([\d.]+)') {
        $rows["psujobs $($Matches[1])"] = [pscustomobject]@{ Median = [double]$Matches[2]; P90 = [double]$Matches[3] }
    }
}

$startJob = foreach ($i in 1..$Runs) {
    (Measure-Command { Start-Job { 1 } | Receive-Job -Wait -AutoRemoveJob | Out-Null }).TotalMilliseconds
}
$rows['Start-Job { 1 } | Receive-Job -Wait'] = Get-Stats $startJob

$cli = foreach ($i in 1..$Runs) {
    (Measure-Command { & $pwshPath -NoProfile -c 1 | Out-Null }).TotalMilliseconds
}
$rows['pwsh -NoProfile -c 1'] = Get-Stats $cli

$baseline = $rows['Start-Job { 1 } | Receive-Job -Wait'].Median
$rows.GetEnumerator() | ForEach-Object {
    [pscustomobject]@{
        Method            = $_.Key
        'Median ms'       = [math]::Round($_.Value.Median, 1)
        'P90 ms'          = [math]::Round($_.Value.P90, 1)
        'vs Start-Job'    = '{0:P1}' -f ($_.Value.Median / $baseline)
    }
} | Format-Table -AutoSize

$warm = $rows['psujobs warm'].Median
$verdict = if ($warm -le $baseline / 10) { 'MET' } else { 'NOT MET' }
"Target warm <= 1/10 of Start-Job: $verdict (warm {0:N1} ms, Start-Job {1:N1} ms, ratio 1/{2:N0})" -f $warm, $baseline, ($baseline / $warm)
