<#
    Integrated channel vs REST, measured from inside one job of a real psujobs server:
    Get-PSUJob round trip, and child-job start latency (Invoke-PSUScript returning the child).
    Target: integrated at most half of REST. Prints the figures; never gates anything.
#>
$ErrorActionPreference = 'Stop'
$root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
Import-Module $env:PSUJOBS_MODULE -Force
Import-Module (Join-Path $root 'tests/TestServer.psm1') -Force

$server = Start-TestServer -Repository (Join-Path $PSScriptRoot 'scripts')
try {
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
    $r = Invoke-PSUScript -Name 'Measure.ps1' -Url $server.Url -Token $server.Token -Wait -WaitTimeout 600
    $rows = @(
        [pscustomobject]@{ Call = 'Get-PSUJob round trip'; IntegratedMs = $r.GetJobIntegratedMs; RestMs = $r.GetJobRestMs }
        [pscustomobject]@{ Call = 'Child job start'; IntegratedMs = $r.StartIntegratedMs; RestMs = $r.StartRestMs }
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
