# Runs as a job: times the same calls over the integrated channel and over REST, from here:
# through the cmdlets, and (with -RoundTripBench) the transport alone, as the module's native
# core makes the call.
param([string] $Url, [string] $Token, [int] $Count = 500, [int] $Starts = 10, [string] $RoundTripBench)

function Measure-Average([scriptblock] $Body, [int] $Times) {
    # Warm-up as long as the measurement: the connection, the dynamic-parameter cache, and .NET's
    # tiered JIT, which recompiles hot code after its first few hundred calls (measured here,
    # the first 500 calls of either path averaged two to three times the steady cost).
    for ($i = 0; $i -lt $Times; $i++) { & $Body | Out-Null }
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Times; $i++) { & $Body | Out-Null }
    $watch.Elapsed.TotalMilliseconds / $Times
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
$getJob = @{
    Integrated = Measure-Average { Get-PSUJob -Id $me -Integrated } $Count
    Rest       = Measure-Average { Get-PSUJob -Id $me -ComputerName $Url -AppToken $Token } $Count
}
# The bench binary inherits this job's channel variables.
$transport = if ($RoundTripBench) { & $RoundTripBench ($Count * 4) $Url $Token | ConvertFrom-Json }
[pscustomobject]@{
    GetJobIntegratedMs = $getJob.Integrated
    GetJobRestMs       = $getJob.Rest
    Transport          = $transport
    StartIntegratedMs  = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -Integrated } $Starts
    StartRestMs        = Measure-Start { Invoke-PSUScript -Name 'Noop.ps1' -ComputerName $Url -AppToken $Token } $Starts
}
