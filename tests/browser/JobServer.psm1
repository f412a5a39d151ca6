<#
    Starts the real psujobs server for the browser tests: a free loopback port, its own data
    folder and script repository, the Administrator token it writes on first start.
#>
Set-StrictMode -Version Latest

function Find-JobServer {
    # The psujobs binary: $env:PSUJOBS_SERVER, else the newest of out/bin and target/release.
    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    if ($env:PSUJOBS_SERVER) { return $env:PSUJOBS_SERVER }
    $exe = if ($IsWindows) { 'psujobs.exe' } else { 'psujobs' }
    $target = if ($env:CARGO_TARGET_DIR) { $env:CARGO_TARGET_DIR } else { Join-Path $root 'target' }
    @((Join-Path $root "out/bin/$exe"), (Join-Path $target "release/$exe")) |
        Where-Object { Test-Path $_ } |
        Sort-Object { (Get-Item $_).LastWriteTimeUtc } -Descending |
        Select-Object -First 1
}

function Start-JobServer {
    param(
        [Parameter(Mandatory)] [string] $Binary,
        [Parameter(Mandatory)] [string] $Scripts,
        [Parameter(Mandatory)] [string] $WorkDir
    )
    $port = & {
        $l = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $l.Start(); try { $l.LocalEndpoint.Port } finally { $l.Stop() }
    }
    $data = Join-Path $WorkDir 'data'
    $repository = Join-Path $WorkDir 'scripts'
    Copy-Item $Scripts $repository -Recurse
    $pwsh = (Get-Command pwsh -CommandType Application | Select-Object -First 1).Source
    $log = Join-Path $WorkDir 'server.log'
    $arguments = @('--data', $data, 'serve', '--listen', "127.0.0.1:$port", '--repository', $repository, '--pwsh', $pwsh) |
        ForEach-Object { '"{0}"' -f $_ }
    $env:PSUJOBS_LOG = 'warn'
    try {
        # Redirected to files: the server never blocks on a full pipe, and no script block runs
        # on a .NET event thread (which has no runspace).
        $process = Start-Process -FilePath $Binary -ArgumentList $arguments -WorkingDirectory $WorkDir -PassThru `
            -RedirectStandardError $log -RedirectStandardOutput (Join-Path $WorkDir 'server.out')
    } finally {
        Remove-Item Env:PSUJOBS_LOG
    }
    $base = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while ($true) {
        try { Invoke-RestMethod "$base/api/v1/alive" -TimeoutSec 2 | Out-Null; break } catch {
            if ($process.HasExited -or [DateTime]::UtcNow -gt $deadline) {
                Stop-JobServer ([pscustomobject]@{ Process = $process })
                throw "psujobs did not start: $(Get-Content $log -Raw -ErrorAction Ignore)"
            }
            Start-Sleep -Milliseconds 100
        }
    }
    [pscustomobject]@{
        Process = $process
        Base    = $base
        Data    = $data
        Binary  = $Binary
        Log     = $log
        Token   = (Get-Content (Join-Path $data 'admin.token') -Raw).Trim()
    }
}

function Stop-JobServer {
    # SIGTERM first: the server then stops its jobs' pwsh processes itself.
    param($Server)
    if (-not $Server -or $Server.Process.HasExited) { return }
    if ($IsWindows) { $Server.Process.Kill($true) } else { & kill -TERM $Server.Process.Id }
    if (-not $Server.Process.WaitForExit(15000)) { $Server.Process.Kill($true) }
    $Server.Process.WaitForExit()
}

function Invoke-JobApi {
    # A REST call with the server's admin token (or Token).
    param(
        [Parameter(Mandatory)] $Server,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'Get',
        $Body,
        [string] $Token = $Server.Token
    )
    $params = @{ Uri = "$($Server.Base)/api/v1$Path"; Method = $Method; Headers = @{ Authorization = "Bearer $Token" }; TimeoutSec = 60 }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $params.ContentType = 'application/json'
        $params.Body = $Body | ConvertTo-Json -Depth 6 -Compress
    }
    Invoke-RestMethod @params
}

function Start-ScriptJob {
    # Runs a repository script; returns the new job id.
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Script, [hashtable] $Context = @{})
    Invoke-JobApi $Server "/script/path/$Script" -Method Post -Body $Context
}

function Wait-JobStatus {
    # Waits until the job reaches one of Status (names); returns the job.
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] $Id, [string[]] $Status, [int] $TimeoutSec = 60)
    $codes = @{ Queued = 0; Running = 1; Completed = 2; Failed = 3; WaitingOnFeedback = 4; Canceled = 5; Canceling = 6; TimedOut = 9; Warning = 10; Error = 11 }
    $wanted = $Status | ForEach-Object { $codes[$_] }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $job = Invoke-JobApi $Server "/job/$Id"
        if ($job.status -in $wanted) { return $job }
        if ([DateTime]::UtcNow -gt $deadline) { throw "job $Id is still in status $($job.status), not $($Status -join '/'), after $TimeoutSec s" }
        Start-Sleep -Milliseconds 200
    }
}

function New-AppToken {
    # Issues a token with Role through the server's own CLI.
    param([Parameter(Mandatory)] $Server, [Parameter(Mandatory)] [string] $Role)
    $token = & $Server.Binary --data $Server.Data token new --role $Role --name "web-$Role" 2>$null
    if ($LASTEXITCODE -ne 0) { throw "psujobs token new --role $Role failed" }
    "$token".Trim()
}

Export-ModuleMember -Function Find-JobServer, Start-JobServer, Stop-JobServer, Invoke-JobApi, Start-ScriptJob, Wait-JobStatus, New-AppToken
