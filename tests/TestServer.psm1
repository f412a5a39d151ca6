<#
    Starts the real job server (out/bin/psujobs) for a test run: a free loopback port, a
    temporary data folder, tests/scripts as the script repository. The first start writes the
    Administrator app token into the data folder; Start-TestServer reads it back. With -Tls it
    serves HTTPS with a fresh self-signed certificate for 127.0.0.1 and localhost.
#>

$RepoRoot = Split-Path $PSScriptRoot -Parent

function Get-FreeTcpPort {
    # Port 0 makes the OS pick a free port; it is released again right away for the server.
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function New-SelfSignedPem {
    # A P-256 certificate valid for a day, as the PEM files psujobs serve --tls-cert/--tls-key
    # read. No store is touched: the server's clients must not trust it unless told to.
    param([Parameter(Mandatory)] [string] $CertFile, [Parameter(Mandatory)] [string] $KeyFile)
    $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    try {
        $request = [System.Security.Cryptography.X509Certificates.CertificateRequest]::new(
            'CN=psujobs-test', $key, [System.Security.Cryptography.HashAlgorithmName]::SHA256)
        $names = [System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder]::new()
        $names.AddIpAddress([System.Net.IPAddress]::Loopback)
        $names.AddDnsName('localhost')
        $request.CertificateExtensions.Add($names.Build())
        $now = [DateTimeOffset]::UtcNow
        $cert = $request.CreateSelfSigned($now.AddMinutes(-5), $now.AddDays(1))
        try {
            Set-Content -LiteralPath $CertFile -Value $cert.ExportCertificatePem() -NoNewline
            Set-Content -LiteralPath $KeyFile -Value $key.ExportPkcs8PrivateKeyPem() -NoNewline
        } finally { $cert.Dispose() }
    } finally { $key.Dispose() }
}

function Start-TestServer {
    [CmdletBinding()]
    param(
        # Address jobs by run id only (numeric ids answer 404).
        [switch] $JobRunId,
        # Serve HTTPS with a self-signed certificate (the Url is https://127.0.0.1:port).
        [switch] $Tls,
        # psujobs.toml text (environments, script settings), read from the working directory.
        [string] $Config,
        [string] $Repository = (Join-Path $PSScriptRoot 'scripts'),
        # Keep jobs in this PostgreSQL database (--database) instead of SQLite.
        [string] $Database,
        # The data folder of an earlier server (Stop-TestServer -KeepData) to start again on.
        [string] $DataDir,
        [TimeSpan] $StartTimeout = [TimeSpan]::FromSeconds(60)
    )
    $exe = if ($env:PSUJOBS_SERVER) { $env:PSUJOBS_SERVER } else { Join-Path $RepoRoot ('out/bin/psujobs' + $(if ($IsWindows) { '.exe' })) }
    if (-not (Test-Path $exe)) { throw "The server binary $exe is missing: run ./build.ps1 Build" }
    $port = Get-FreeTcpPort
    $data = if ($DataDir) { $DataDir } else { Join-Path ([IO.Path]::GetTempPath()) "psujobs-test-$PID-$port" }
    New-Item -ItemType Directory -Path $data -Force | Out-Null
    if ($Config) { Set-Content -LiteralPath (Join-Path $data 'psujobs.toml') -Value $Config }
    $arguments = @('--data', $data, 'serve', '--listen', "127.0.0.1:$port", '--repository', $Repository)
    if ($JobRunId) { $arguments += @('--job-run-id', 'true') }
    if ($Database) { $arguments = @('--database', $Database) + $arguments }
    if ($Tls) {
        $cert = Join-Path $data 'cert.pem'
        $key = Join-Path $data 'key.pem'
        New-SelfSignedPem -CertFile $cert -KeyFile $key
        $arguments += @('--tls-cert', $cert, '--tls-key', $key)
    }
    $log = Join-Path $data 'server.log'
    # The data folder is the working directory: only the -Config given here is picked up.
    $process = Start-Process -FilePath $exe -ArgumentList $arguments -WorkingDirectory $data -PassThru `
        -RedirectStandardError $log -RedirectStandardOutput (Join-Path $data 'server.out')
    $url = "$(if ($Tls) { 'https' } else { 'http' })://127.0.0.1:$port"
    $tokenFile = Join-Path $data 'admin.token'
    $deadline = [DateTime]::UtcNow + $StartTimeout
    while ($true) {
        if ($process.HasExited) { throw "psujobs exited with $($process.ExitCode): $(Get-Content $log -Raw)" }
        if (Test-Path $tokenFile) {
            try {
                Invoke-RestMethod "$url/api/v1/alive" -TimeoutSec 2 -SkipCertificateCheck | Out-Null
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

function Start-TwinServer {
    # A second server on $Database with a copy of $Server's data folder (its node id and key, as
    # a restored backup or a cloned machine has): the store's lock for that node refuses it, so
    # this throws with the reason the server gave.
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Database)
    $twin = Join-Path ([IO.Path]::GetTempPath()) "psujobs-twin-$PID-$(Get-Random)"
    New-Item -ItemType Directory -Path $twin | Out-Null
    Copy-Item -LiteralPath (Join-Path $Server.DataDir 'node'), (Join-Path $Server.DataDir 'secret.key') -Destination $twin
    try {
        $started = Start-TestServer -Database $Database -DataDir $twin -StartTimeout ([TimeSpan]::FromSeconds(30))
        Stop-TestServer $started
        throw 'a second server of the same node started'
    } finally {
        Remove-Item -LiteralPath $twin -Recurse -Force -ErrorAction Ignore
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
    param(
        [Parameter(Mandatory)] $Server,
        # Leave the data folder for a server started again with -DataDir.
        [switch] $KeepData
    )
    if (-not $Server.Process.HasExited) {
        # The server stops its jobs on SIGTERM; a server that does not exit in time is killed
        # together with the job processes it started, so no pwsh outlives the test run.
        $jobs = @(Get-Process | Where-Object { $_.Parent.Id -eq $Server.Process.Id })
        # Stop-Process is SIGKILL on Unix, which would skip the server's own shutdown.
        if ($IsWindows) { Stop-Process -Id $Server.Process.Id -ErrorAction Ignore } else { & kill -TERM $Server.Process.Id 2>$null }
        if (-not $Server.Process.WaitForExit(10000)) {
            Stop-Process -Id $Server.Process.Id -Force -ErrorAction Ignore
            $jobs | Stop-Process -Force -ErrorAction Ignore
        }
    }
    if (-not $KeepData) { Remove-Item -LiteralPath $Server.DataDir -Recurse -Force -ErrorAction Ignore }
}

function Wait-Until {
    # Polls a condition the server reaches asynchronously (a prompt, a cancel).
    param([Parameter(Mandatory)] [scriptblock] $Condition, [int] $Seconds = 60)
    $deadline = [DateTime]::UtcNow.AddSeconds($Seconds)
    while (-not (& $Condition)) {
        if ([DateTime]::UtcNow -gt $deadline) { throw "timed out waiting for: $Condition" }
        Start-Sleep -Milliseconds 200
    }
}

Export-ModuleMember -Function Start-TestServer, Start-TwinServer, Stop-TestServer, New-TestToken, Wait-Until, Get-FreeTcpPort
