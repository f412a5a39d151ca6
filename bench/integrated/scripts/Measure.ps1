# Runs as a job: times the same calls over the integrated channel and over REST, from here.
param([string] $Url, [string] $Token, [int] $Count = 100, [int] $Starts = 10)

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
}
