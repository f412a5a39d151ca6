<#
.SYNOPSIS
    Runs Pester over tests/*.Tests.ps1 in this (child) process and writes the counts as JSON,
    so build.ps1 can add them to cargo's and never loads the module under test itself.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $TestPath,
    [Parameter(Mandatory)] [string] $ResultPath
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = @(Get-ChildItem $TestPath -Filter '*.Tests.ps1' -File | ForEach-Object FullName)
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$result = Invoke-Pester -Configuration $config
# Container failures (a broken BeforeAll, a parse error) fail no single test: count them too.
$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[pscustomobject]@{ Passed = $result.PassedCount; Failed = $failed; Skipped = $result.SkippedCount + $result.NotRunCount } |
    ConvertTo-Json | Set-Content -Path $ResultPath
