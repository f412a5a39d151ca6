<#
.SYNOPSIS
    For every <name>.xml in -Original, checks that Import-Clixml of -Reencoded/<name>.xml
    deep-equals Import-Clixml of the original (Compare-CliXmlObject). Prints "ok <name>" or
    "FAIL <name>: <difference>" lines and exits with the number of failing cases.
#>
param(
    [Parameter(Mandatory)][string] $Original,
    [Parameter(Mandatory)][string] $Reencoded
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'Compare-CliXmlObject.ps1')

$failed = 0
foreach ($file in Get-ChildItem -LiteralPath $Original -Filter '*.xml' | Sort-Object Name) {
    $name = $file.BaseName
    try {
        # @(): a file holds any number of top-level values; compare them as one list.
        $expected = @(Import-Clixml -LiteralPath $file.FullName)
        $actual = @(Import-Clixml -LiteralPath (Join-Path $Reencoded $file.Name))
        $differences = @(Compare-CliXmlObject -Expected $expected -Actual $actual)
    } catch {
        $differences = @("import failed: $_")
    }
    if ($differences.Count -eq 0) {
        "ok $name"
    } else {
        $failed++
        foreach ($d in $differences | Select-Object -First 5) { "FAIL ${name}: $d" }
    }
}
exit $failed
