# Runs as a job: times the same calls over the integrated channel and over REST, from here:
# through the cmdlets, and (with -RoundTripBench) the transport alone, as the module's native
# core makes the call.
param([string] $Url, [string] $Token, [int] $Count = 1000, [int] $Starts = 10, [string] $RoundTripBench)
Import-Module (Join-Path $PSScriptRoot '../../BenchTools.psm1')

function Measure-Pair([string] $Integrated, [string] $Rest, [int] $Times, [int] $Rounds = 7, [double] $WarmSeconds = 5) {
    # Each path is one command, run in a plain loop as a runbook would run it: no script block
    # call per command, and output discarded with $null =, not | Out-Null (either would cost
    # more than the call measured). Cold: the mean of each path's first $Times calls, what a
    # short runbook sees. Steady: after a warm-up of $WarmSeconds per path (PowerShell compiles
    # a loop only after it ran a number of times, and .NET's tiered JIT recompiles hot code
    # later still: measured here, calls kept getting faster for about five seconds), rounds
    # alternating which path goes first, and the median round of each, so a burst of other
    # load (the server refilling its warm pool starts a pwsh) spoils one round, not a path.
    # Unbound, so $me, $Url and $Token resolve in the script's scope when the loops run.
    $loop = { param([string] $Command) [scriptblock]::Create("param(`$n) for (`$i = 0; `$i -lt `$n; `$i++) { `$null = $Command }") }
    $paths = @{ Integrated = & $loop $Integrated; Rest = & $loop $Rest }
    # Cold, in ten batches alternating between the paths, so that neither warms up the code
    # both share for the other.
    $cold = @{ Integrated = 0.0; Rest = 0.0 }
    $batch = [Math]::Max(1, [int]($Times / 10))
    for ($b = 0; $b -lt 10; $b++) {
        foreach ($name in 'Integrated', 'Rest') {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $paths[$name] $batch
            $cold[$name] += $watch.Elapsed.TotalMilliseconds
        }
    }
    $result = @{ IntegratedCold = $cold.Integrated / (10 * $batch); RestCold = $cold.Rest / (10 * $batch) }
    foreach ($name in 'Integrated', 'Rest') {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        while ($watch.Elapsed.TotalSeconds -lt $WarmSeconds) { & $paths[$name] 100 }
    }
    $samples = @{ Integrated = [System.Collections.Generic.List[double]]::new(); Rest = [System.Collections.Generic.List[double]]::new() }
    for ($r = 0; $r -lt $Rounds; $r++) {
        $order = if ($r % 2) { 'Rest', 'Integrated' } else { 'Integrated', 'Rest' }
        foreach ($name in $order) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            & $paths[$name] $Times
            $samples[$name].Add($watch.Elapsed.TotalMilliseconds / $Times)
        }
    }
    $result.Integrated = Get-Median $samples.Integrated
    $result.Rest = Get-Median $samples.Rest
    $result
}

function Measure-Start([scriptblock] $Start, [int] $Times) {
    # Times only the starts; the children they start then run to their end, untimed, so that
    # their pwsh processes do not compete with whatever is measured next.
    $jobs = [System.Collections.Generic.List[object]]::new()
    $elapsed = 0.0
    foreach ($round in 'warm-up', 'measured') {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        for ($i = 0; $i -lt $Times; $i++) { $jobs.Add((& $Start)) }
        $elapsed = $watch.Elapsed.TotalMilliseconds
        $jobs | ForEach-Object { $null = Wait-PSUJob -Job $_ -Integrated -Timeout 120 }
        $jobs.Clear()
    }
    $elapsed / $Times
}

$me = $UAJobId
$getJob = Measure-Pair 'Get-PSUJob -Id $me -Integrated' 'Get-PSUJob -Id $me -ComputerName $Url -AppToken $Token' $Count
# The bench binary inherits this job's channel variables.
$transport = if ($RoundTripBench) { & $RoundTripBench ($Count * 4) $Url $Token | ConvertFrom-Json }
[pscustomobject]@{
    GetJobIntegratedMs = $getJob.Integrated
    GetJobRestMs       = $getJob.Rest
    ColdIntegratedMs   = $getJob.IntegratedCold
    ColdRestMs         = $getJob.RestCold
    Transport          = $transport
    StartIntegratedMs  = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -Integrated } $Starts
    StartRestMs        = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -ComputerName $Url -AppToken $Token } $Starts
}
