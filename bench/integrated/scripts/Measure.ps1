# Runs as a job: times the same calls over the integrated channel and over REST, from here:
# through the cmdlets, and (with -RoundTripBench) the transport alone, as the module's native
# core makes the call.
param([string] $Url, [string] $Token, [int] $Count = 500, [int] $Starts = 10, [string] $RoundTripBench)
Import-Module (Join-Path $PSScriptRoot '../../BenchTools.psm1')

function Measure-Pair([scriptblock] $Integrated, [scriptblock] $Rest, [int] $Times, [int] $Rounds = 5) {
    # Warm-up as long as a measurement: the connection, the dynamic-parameter cache, and .NET's
    # tiered JIT, which recompiles hot code after its first few hundred calls (measured here,
    # the first 500 calls of either path averaged two to three times the steady cost). Then
    # rounds alternating which path goes first, and the median round of each: a burst of other
    # load (the server refilling its warm pool starts a pwsh) then spoils one round, not a path.
    $paths = [ordered]@{ Integrated = $Integrated; Rest = $Rest }
    $samples = @{ Integrated = [System.Collections.Generic.List[double]]::new(); Rest = [System.Collections.Generic.List[double]]::new() }
    foreach ($name in $paths.Keys) { for ($i = 0; $i -lt $Times; $i++) { & $paths[$name] | Out-Null } }
    for ($r = 0; $r -lt $Rounds; $r++) {
        $order = if ($r % 2) { 'Rest', 'Integrated' } else { 'Integrated', 'Rest' }
        foreach ($name in $order) {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            for ($i = 0; $i -lt $Times; $i++) { & $paths[$name] | Out-Null }
            $samples[$name].Add($watch.Elapsed.TotalMilliseconds / $Times)
        }
    }
    @{ Integrated = Get-Median $samples.Integrated; Rest = Get-Median $samples.Rest }
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
$getJob = Measure-Pair { Get-PSUJob -Id $me -Integrated } { Get-PSUJob -Id $me -ComputerName $Url -AppToken $Token } $Count
# The bench binary inherits this job's channel variables.
$transport = if ($RoundTripBench) { & $RoundTripBench ($Count * 4) $Url $Token | ConvertFrom-Json }
[pscustomobject]@{
    GetJobIntegratedMs = $getJob.Integrated
    GetJobRestMs       = $getJob.Rest
    Transport          = $transport
    StartIntegratedMs  = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -Integrated } $Starts
    StartRestMs        = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -ComputerName $Url -AppToken $Token } $Starts
}
