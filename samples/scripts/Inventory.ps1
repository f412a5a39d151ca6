<#
.SYNOPSIS
    The demo runbook: takes typed parameters, writes to every stream, returns objects.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory, HelpMessage = 'The team whose servers to list')]
    [string] $Team,
    [ValidateSet('Small', 'Large')]
    [string] $Size = 'Small',
    [int] $Count = 3
)

Write-Information "Collecting $Count $Size servers for $Team"
Write-Verbose 'Verbose records reach the caller too' -Verbose
foreach ($i in 1..$Count) {
    Write-Progress -Activity 'Inventory' -Status "server-$i" -PercentComplete ($i * 100 / $Count)
    $free = 150 - 37 * $i
    if ($free -lt 20) { Write-Warning "server-$i has only $free GB free" }
    [pscustomobject]@{ Name = "server-$i"; Team = $Team; Size = $Size; FreeGB = $free; Checked = Get-Date }
}
