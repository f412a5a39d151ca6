<#
.SYNOPSIS
    The main job, end to end: starts the embedded psujobs server on a free port with the sample
    scripts, runs Inventory.ps1 as a job in real pwsh with -Wait (its streams replayed here, its
    pipeline objects returned as objects), shows the job record, then stops the server.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $ServerPath
)
$ErrorActionPreference = 'Stop'
$env:PSUJOBS_SERVER = $ServerPath
Import-Module $ModulePath
Import-Module (Join-Path $PSScriptRoot '../tests/TestServer.psm1')

$server = Start-TestServer -Repository (Join-Path $PSScriptRoot 'scripts')
try {
    Write-Host "psujobs is listening on $($server.Url)" -ForegroundColor Cyan
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token

    Write-Host "`n> Get-PSUScript" -ForegroundColor Cyan
    Get-PSUScript | Format-Table -AutoSize | Out-Host

    Write-Host "> `$servers = Invoke-PSUScript -Name 'Inventory.ps1' -Team 'Platform' -Count 4 -Wait -InformationAction Continue" -ForegroundColor Cyan
    $servers = Invoke-PSUScript -Name 'Inventory.ps1' -Team 'Platform' -Count 4 -Wait -InformationAction Continue

    Write-Host "`n> `$servers | Format-Table   # deserialized objects from the job's pipeline" -ForegroundColor Cyan
    $servers | Format-Table Name, Team, Size, FreeGB, Checked -AutoSize | Out-Host
    Write-Host "> `$servers[0].PSTypeNames[0]: $($servers[0].PSTypeNames[0])" -ForegroundColor Cyan

    Write-Host "`n> Get-PSUJob -First 1 -OrderDirection Descending | Format-List" -ForegroundColor Cyan
    $job = Get-PSUJob -OrderDirection Descending -First 1
    $job | Format-List Id, RunId, Status, ScriptFullPath, CreatedTime, StartTime, EndTime | Out-Host

    Write-Host '> Get-PSUJobOutput -Job $job' -ForegroundColor Cyan
    Get-PSUJobOutput -Job $job | Out-Host
} finally {
    Disconnect-PSUServer
    Stop-TestServer -Server $server
    Write-Host 'psujobs stopped' -ForegroundColor Cyan
}
