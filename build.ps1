#!/usr/bin/env pwsh
<#
.SYNOPSIS
    The one entry point: build, package, test, benchmark and demo PSUJobs.
.DESCRIPTION
    Build     release Rust workspace; the module into out/PSUJobs (dll, psd1, format, help,
              runtimes/<rid>/native/<lib>, that library built with whole-program
              optimisation: profile.ship); the server binary into out/bin.
    Test      Build, then cargo fmt --check, clippy -D warnings, the module compiled for
              netstandard2.0 (Windows PowerShell 5.1's API), cargo test, Pester over
              tests/*.Tests.ps1 against out/PSUJobs. The PostgreSQL store's tests use the
              database PSUJOBS_TEST_POSTGRES names, else a throwaway cluster started on
              loopback when PostgreSQL is installed. Ends with "Tests: N passed, N failed, N skipped".
    Bench     Build, then every bench/*/*.ps1 (timings are printed, never gate anything).
    Demo      Build, then the main job: samples/demo.ps1 runs a job on the embedded server.
    Bootstrap Makes Pester 5.7.1 available (from NuGet; it is not on the Gallery mirror here).
.EXAMPLE
    pwsh ./build.ps1 Test
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('Build', 'Test', 'Bench', 'Demo', 'Bootstrap')]
    [string] $Task = 'Build'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'PSUJobs'
$ModuleProject = Join-Path $Root 'module/PSUJobs.csproj'
$PesterVersion = '5.7.1'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'

function Invoke-Native {
    # Runs a native command, echoing it, and throws when it fails.
    param([string] $Exe, [string[]] $Arguments)
    Write-Host "> $Exe $($Arguments -join ' ')" -ForegroundColor DarkGray
    & $Exe @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Get-NativeLayout {
    # The RID folder and file name the module's NativeResolver looks for on this machine.
    $arch = switch ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture) {
        'X64' { 'x64' } 'Arm64' { 'arm64' } 'X86' { 'x86' } default { "$_".ToLowerInvariant() }
    }
    if ($IsWindows) { return @{ Rid = "win-$arch"; File = 'psujobs_native.dll' } }
    if ($IsMacOS) { return @{ Rid = "osx-$arch"; File = 'libpsujobs_native.dylib' } }
    @{ Rid = "linux-$arch"; File = 'libpsujobs_native.so' }
}

function Invoke-Bootstrap {
    # Pester from NuGet: a throwaway project with a PackageDownload item, restored once.
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages' }
    $psd1 = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/tools/pester/PesterBootstrap.csproj'), '--verbosity', 'quiet')
    }
    if (-not (Test-Path $psd1)) { throw "Pester $PesterVersion was restored but $psd1 is missing" }
    $psd1
}

function Invoke-Build {
    Invoke-Native cargo @('build', '--release', '--workspace')
    # The library the module loads is built on its own, optimised whole (Cargo.toml, profile.ship).
    Invoke-Native cargo @('build', '--profile', 'ship', '-p', 'psujobs-ffi')
    $target = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $Root 'target' }
    $native = Get-NativeLayout

    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    Invoke-Native dotnet @('build', $ModuleProject, '-c', 'Release', '-f', 'net8.0', '-warnaserror', '--nologo', '-v', 'quiet', '-o', $ModuleOut)
    # The build output also holds files only the compiler needs.
    Get-ChildItem $ModuleOut -File | Where-Object { $_.Extension -in '.pdb', '.json' -or $_.Name -like '*.deps.json' } |
        Remove-Item -Force

    $nativeDir = Join-Path $ModuleOut "runtimes/$($native.Rid)/native"
    New-Item -ItemType Directory -Force -Path $nativeDir | Out-Null
    Copy-Item (Join-Path $target "ship/$($native.File)") $nativeDir -Force

    $bin = Join-Path $Out 'bin'
    New-Item -ItemType Directory -Force -Path $bin | Out-Null
    $server = Join-Path $target ("release/psujobs" + $(if ($IsWindows) { '.exe' } else { '' }))
    if (Test-Path $server) { Copy-Item $server $bin -Force }
    Write-Host "Built $ModuleOut ($($native.Rid)) and $bin" -ForegroundColor Green
}

# What coreutils' timeout exits with when it had to stop the command.
$DeadlineExitCode = 124

function Invoke-WithDeadline {
    # Runs a native command, stopping it after $Minutes: a hung test then fails this run with
    # its name in the log instead of running into CI's own limit with nothing reported.
    # Where coreutils' timeout is missing (Windows) the command runs without a deadline.
    param([int] $Minutes, [string] $Exe, [string[]] $Arguments)
    if (Get-Command timeout -CommandType Application -ErrorAction Ignore) {
        & timeout --kill-after=30s "$($Minutes)m" $Exe @Arguments
    } else {
        & $Exe @Arguments
    }
}

function Get-CargoTestCounts {
    # Sums every "test result:" line cargo prints (unit, integration and doc tests).
    param([string[]] $Lines)
    $sum = @{ Passed = 0; Failed = 0; Skipped = 0 }
    foreach ($line in $Lines) {
        if ($line -match 'test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored') {
            $sum.Passed += [int]$Matches[1]; $sum.Failed += [int]$Matches[2]; $sum.Skipped += [int]$Matches[3]
        }
    }
    $sum
}

function Invoke-PesterSuite {
    # Pester runs in a child pwsh so the module under test is never loaded in this process.
    param([string] $PesterPsd1)
    $resultFile = Join-Path $Out 'pester-result.json'
    Remove-Item $resultFile -ErrorAction Ignore
    $env:PSUJOBS_MODULE = Join-Path $ModuleOut 'PSUJobs.psd1'
    $runner = Join-Path $Root 'tests/tools/Invoke-PesterSuite.ps1'
    # Out-Host: the child's output is for the log, not part of this function's result.
    Invoke-WithDeadline 30 pwsh @('-NoLogo', '-NoProfile', '-File', $runner, '-PesterPath', $PesterPsd1,
        '-TestPath', (Join-Path $Root 'tests'), '-ResultPath', $resultFile) | Out-Host
    if ($LASTEXITCODE -eq $DeadlineExitCode) { Write-Host 'Pester hung: stopped after 30 minutes' -ForegroundColor Red }
    if (-not (Test-Path $resultFile)) { return @{ Passed = 0; Failed = 1; Skipped = 0 } }
    $r = Get-Content $resultFile -Raw | ConvertFrom-Json
    @{ Passed = [int]$r.Passed; Failed = [int]$r.Failed; Skipped = [int]$r.Skipped }
}

function Invoke-Test {
    $pester = Invoke-Bootstrap
    Invoke-Build
    $failures = [System.Collections.Generic.List[string]]::new()
    foreach ($step in @(@('fmt', '--all', '--check'), @('clippy', '--workspace', '--all-targets', '--', '-D', 'warnings'))) {
        try { Invoke-Native cargo $step } catch { $failures.Add("cargo $($step[0])") }
    }
    # Compiled, not shipped: keeps the module within what Windows PowerShell 5.1's runtime has.
    try { Invoke-Native dotnet @('build', $ModuleProject, '-c', 'Release', '-f', 'netstandard2.0', '-warnaserror', '--nologo', '-v', 'quiet') }
    catch { $failures.Add('module for Windows PowerShell 5.1 (netstandard2.0)') }

    # The PostgreSQL store's tests (cargo and Pester) need a database: a throwaway cluster on
    # loopback unless PSUJOBS_TEST_POSTGRES already names one.
    $postgres = $null
    if (-not $env:PSUJOBS_TEST_POSTGRES) {
        Import-Module (Join-Path $Root 'tests/tools/TestPostgres.psm1') -Force
        $postgres = Start-TestPostgres
        if ($postgres -is [string]) {
            Write-Host "No PostgreSQL for its tests: $postgres" -ForegroundColor Yellow
            $postgres = $null
        } else {
            $env:PSUJOBS_TEST_POSTGRES = $postgres.Url
            $env:PSUJOBS_TEST_POSTGRES_CA = $postgres.Ca
        }
    }
    try {
        # Tests run on the release profile so they reuse what Build just compiled (one compile, not two).
        Write-Host '> cargo test --workspace --release --no-fail-fast' -ForegroundColor DarkGray
        $cargoLines = Invoke-WithDeadline 30 cargo @('test', '--workspace', '--release', '--no-fail-fast') 2>&1 |
            ForEach-Object { $line = "$_"; Write-Host $line; $line }
        $cargo = Get-CargoTestCounts $cargoLines
        if ($LASTEXITCODE -eq $DeadlineExitCode) { $failures.Add('cargo test (hung: stopped after 30 minutes; the test cargo named as running for over 60 seconds is the one)') }
        if ($LASTEXITCODE -ne 0 -and $cargo.Failed -eq 0) { $failures.Add('cargo test (did not complete)'); $cargo.Failed = 1 }

        $pesterCounts = Invoke-PesterSuite -PesterPsd1 $pester
    } finally {
        if ($postgres) {
            Stop-TestPostgres $postgres
            Remove-Item Env:PSUJOBS_TEST_POSTGRES, Env:PSUJOBS_TEST_POSTGRES_CA
        }
    }
    $passed = $cargo.Passed + $pesterCounts.Passed
    $failed = $cargo.Failed + $pesterCounts.Failed
    $skipped = $cargo.Skipped + $pesterCounts.Skipped
    Write-Host "cargo: $($cargo.Passed) passed, $($cargo.Failed) failed, $($cargo.Skipped) skipped; Pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed, $($pesterCounts.Skipped) skipped"
    if ($failures.Count) { Write-Host "Failed steps: $($failures -join ', ')" -ForegroundColor Red }
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or $failures.Count -gt 0) { exit 1 }
}

function Invoke-Bench {
    Invoke-Build
    $env:PSUJOBS_MODULE = Join-Path $ModuleOut 'PSUJobs.psd1'
    # bench/<area>/<name>.ps1 only: deeper folders hold the scripts a benchmark runs as jobs.
    foreach ($script in Get-ChildItem (Join-Path $Root 'bench') -Directory | Get-ChildItem -Filter '*.ps1' -File) {
        Write-Host "== $($script.FullName.Substring($Root.Length + 1))" -ForegroundColor Cyan
        & pwsh -NoLogo -NoProfile -File $script.FullName
        if ($LASTEXITCODE -ne 0) { throw "$($script.Name) failed with exit code $LASTEXITCODE" }
    }
}

function Invoke-Demo {
    Invoke-Build
    $server = Join-Path $Out ('bin/psujobs' + $(if ($IsWindows) { '.exe' } else { '' }))
    & pwsh -NoLogo -NoProfile -File (Join-Path $Root 'samples/demo.ps1') -ModulePath (Join-Path $ModuleOut 'PSUJobs.psd1') -ServerPath $server
    if ($LASTEXITCODE -ne 0) { throw "demo failed with exit code $LASTEXITCODE" }
}

switch ($Task) {
    'Bootstrap' { Invoke-Bootstrap | Out-Null }
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Bench' { Invoke-Bench }
    'Demo' { Invoke-Demo }
}
