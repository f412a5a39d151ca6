# Runs as a job: times the same calls over the integrated channel and over REST, from here:
# through the cmdlets, and (with -RoundTripBench) the transport alone, as the module's native
# core makes the call.
param([string] $Url, [string] $Token, [int] $Count = 500, [int] $Starts = 10, [string] $RoundTripBench)

function Measure-Average([scriptblock] $Body, [int] $Times) {
    & $Body | Out-Null # warm-up: connection, dynamic-parameter cache
    $watch = [Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Times; $i++) { & $Body | Out-Null }
    $watch.Elapsed.TotalMilliseconds / $Times
}

$me = $UAJobId
[pscustomobject]@{
    GetJobIntegratedMs = Measure-Average { Get-PSUJob -Id $me -Integrated } $Count
    GetJobRestMs       = Measure-Average { Get-PSUJob -Id $me -ComputerName $Url -AppToken $Token } $Count
    StartIntegratedMs  = Measure-Average { Invoke-PSUScript -Name 'Noop.ps1' -Integrated } $Starts
    StartRestMs        = Measure-Average { Invoke-PSUScript -Name 'Noop.ps1' -ComputerName $Url -AppToken $Token } $Starts
    # The bench binary inherits this job's channel variables.
    Transport          = if ($RoundTripBench) { & $RoundTripBench ($Count * 4) $Url $Token | ConvertFrom-Json }
}
