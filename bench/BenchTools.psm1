<#
    What the benchmarks share: building a Rust example of the workspace that times the native
    side alone, and the median of repeated timings.
#>

$RepoRoot = Split-Path $PSScriptRoot -Parent

function Build-CargoExample {
    # Builds example $Name of package $Package and returns the executable's path. It is built
    # as the module's native library is (profile.ship), so it times the code that ships.
    param([Parameter(Mandatory)] [string] $Package, [Parameter(Mandatory)] [string] $Name)
    Push-Location $RepoRoot
    try {
        & cargo build --profile ship -q -p $Package --example $Name
        if ($LASTEXITCODE -ne 0) { throw "building the $Name example failed" }
    } finally { Pop-Location }
    $target = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $RepoRoot 'target' }
    Join-Path $target "ship/examples/$Name"
}

function Get-Median([double[]] $Values) {
    $sorted = [double[]]($Values | Sort-Object)
    $mid = [int][Math]::Floor($sorted.Count / 2)
    if ($sorted.Count % 2) { $sorted[$mid] } else { ($sorted[$mid - 1] + $sorted[$mid]) / 2 }
}

Export-ModuleMember -Function Build-CargoExample, Get-Median
