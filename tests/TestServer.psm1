<#
    Starts the real job server (out/bin/psujobs) for a test run: a free loopback port, a
    temporary data folder, tests/scripts as the script repository. The first start writes the
    Administrator app token into the data folder; Start-TestServer reads it back.
#>

$RepoRoot = Split-Path $PSScriptRoot -Parent

function Get-FreeTcpPort {
    # Port 0 makes the OS pick a free port; it is released again right away for the server.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-TestServer {
    [CmdletBinding()]
    param(
        # Address jobs by run id only (numeric ids answer 404).
        [switch] $JobRunId,
        [string] $Repository = (Join-Path $PSScriptRoot 'scripts'),
        [TimeSpan] $StartTimeout = [TimeSpan]::FromSeconds(60)
    )
    $exe = if ($env:PSUJOBS_SERVER) { $env:PSUJOBS_SERVER } else { Join-Path $RepoRoot ('out/bin/psujobs' + $(if ($IsWindows) { '.exe' })) }
    if (-not (Test-Path $exe)) { throw "The server binary $exe is missing: run ./build.ps1 Build" }
    $port = Get-FreeTcpPort
    $data = Join-Path ([IO.Path]::GetTempPath()) "psujobs-test-$PID-$port"
    New-Item -ItemType Directory -Path $data -Force | Out-Null
    $arguments = @('--data', $data, 'serve', '--listen', "127.0.0.1:$port", '--repository', $Repository)
    if ($JobRunId) { $arguments += @('--job-run-id', 'true') }
    $log = Join-Path $data 'server.log'
    # The data folder is the working directory so no stray psujobs.toml is picked up.
    $process = Start-Process -FilePath $exe -ArgumentList $arguments -WorkingDirectory $data -PassThru `
        -RedirectStandardError $log -RedirectStandardOutput (Join-Path $data 'server.out')
    $url = "http://127.0.0.1:$port"
    $tokenFile = Join-Path $data 'admin.token'
    $deadline = [DateTime]::UtcNow + $StartTimeout
    while ($true) {
        if ($process.HasExited) { throw "psujobs exited with $($process.ExitCode): $(Get-Content $log -Raw)" }
        if (Test-Path $tokenFile) {
            try {
                Invoke-RestMethod "$url/api/v1/alive" -TimeoutSec 2 | Out-Null
                break
            } catch { }
        }
        if ([DateTime]::UtcNow -gt $deadline) {
            Stop-Process -Id $process.Id -Force -ErrorAction Ignore
            throw "psujobs did not start within $StartTimeout`: $(Get-Content $log -Raw)"
        }
        Start-Sleep -Milliseconds 100
    }
    [pscustomobject]@{
        Url = $url
        Port = $port
        Token = (Get-Content $tokenFile -Raw).Trim()
        DataDir = $data
        Log = $log
        Process = $process
    }
}

function New-TestToken {
    # Issues another app token with the given role from the server's own CLI.
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Role)
    $exe = $Server.Process.Path
    $token = & $exe --data $Server.DataDir token new --role $Role --name "test-$Role" 2>$null
    if ($LASTEXITCODE -ne 0) { throw "psujobs token new failed with $LASTEXITCODE" }
    "$token".Trim()
}

function Stop-TestServer {
    param([Parameter(Mandatory)] $Server)
    if (-not $Server.Process.HasExited) {
        # The server stops its jobs on SIGTERM; a server that does not exit in time is killed
        # together with the job processes it started, so no pwsh outlives the test run.
        $jobs = @(Get-Process | Where-Object { $_.Parent.Id -eq $Server.Process.Id })
        Stop-Process -Id $Server.Process.Id -ErrorAction Ignore
        if (-not $Server.Process.WaitForExit(10000)) {
            Stop-Process -Id $Server.Process.Id -Force -ErrorAction Ignore
            $jobs | Stop-Process -Force -ErrorAction Ignore
        }
    }
    Remove-Item -LiteralPath $Server.DataDir -Recurse -Force -ErrorAction Ignore
}

Export-ModuleMember -Function Start-TestServer, Stop-TestServer, New-TestToken
