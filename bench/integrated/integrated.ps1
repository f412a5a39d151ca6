<#
    Integrated channel vs REST, measured from inside one job of a real psujobs server:
    Get-PSUJob round trip (steady, after a warm-up, and cold, the first calls), and child-job
    start latency (Invoke-PSUScript returning the child), through the cmdlets; and the same GET
    job call through the native client alone (native/client/examples/roundtrip_bench), which
    shows the transports without PowerShell's per-command cost, the same for both. Target:
    integrated at most half of REST. Prints the figures; never gates anything.
#>
$ErrorActionPreference = 'Stop'
$root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module $env:PSUJOBS_MODULE -Force
Import-Module (Join-Path $root 'tests/TestServer.psm1') -Force
Import-Module (Join-Path $root 'bench/BenchTools.psm1') -Force

$roundTrip = Build-CargoExample -Package psujobs-client -Name roundtrip_bench

$server = Start-TestServer -Repository (Join-Path $PSScriptRoot 'scripts')
try {
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
    $r = Invoke-PSUScript -Name 'Measure.ps1' -Url $server.Url -Token $server.Token -RoundTripBench $roundTrip -Wait -WaitTimeout 600
    $rows = @(
        [pscustomobject]@{ Call = 'Get-PSUJob round trip'; IntegratedMs = $r.GetJobIntegratedMs; RestMs = $r.GetJobRestMs }
        [pscustomobject]@{ Call = 'Get-PSUJob, first calls (cold)'; IntegratedMs = $r.ColdIntegratedMs; RestMs = $r.ColdRestMs }
        [pscustomobject]@{ Call = 'Child job start'; IntegratedMs = $r.StartIntegratedMs; RestMs = $r.StartRestMs }
        [pscustomobject]@{ Call = 'GET job, native client alone'; IntegratedMs = $r.Transport.integratedMs; RestMs = $r.Transport.restMs }
    )
    $rows | ForEach-Object {
        $ratio = $_.IntegratedMs / $_.RestMs
        [pscustomobject]@{
            Call         = $_.Call
            IntegratedMs = [math]::Round($_.IntegratedMs, 3)
            RestMs       = [math]::Round($_.RestMs, 3)
            Ratio        = [math]::Round($ratio, 3)
            Target       = if ($ratio -le 0.5) { 'met (<= 0.5)' } else { 'missed (> 0.5)' }
        }
    } | Format-Table -AutoSize | Out-Host
} finally {
    Disconnect-PSUServer
    Stop-TestServer $server
}
