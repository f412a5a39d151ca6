#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The server on the PostgreSQL store (--database), end to end: jobs run in real pwsh, the
    module reads them back, and the rows are where an operator would look for them. Each run
    gets a schema of its own in the database PSUJOBS_TEST_POSTGRES names (build.ps1 Test
    starts a throwaway cluster for it).
#>

BeforeDiscovery {
    $script:skipReason = $null
    if (-not $env:PSUJOBS_TEST_POSTGRES) {
        if ($env:CI) { throw 'CI runs the PostgreSQL store tests: PSUJOBS_TEST_POSTGRES must be set' }
        $script:skipReason = 'PSUJOBS_TEST_POSTGRES (a postgres:// URL) is not set'
        Write-Host "PostgreSQL tests skipped: $skipReason" -ForegroundColor Yellow
    }
    # Restarting a database needs one of its own: PostgreSQL's programs must be installed.
    Import-Module (Join-Path $PSScriptRoot 'tools/TestPostgres.psm1') -Force
    $script:noCluster = $null
    if (-not (Find-PostgresBin)) {
        if ($env:CI) { throw 'CI runs the database restart test: PostgreSQL must be installed' }
        $script:noCluster = 'PostgreSQL is not installed (Debian: apt-get install postgresql)'
        Write-Host "Database restart test skipped: $noCluster" -ForegroundColor Yellow
    }
}

Describe 'The server on PostgreSQL' -Skip:($null -ne $skipReason) {
    BeforeAll {
        Import-Module $env:PSUJOBS_MODULE -Force
        Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
        $script:schema = "psujobs_pester_$PID"
        function script:Invoke-Sql([string] $Sql) {
            $result = & psql $env:PSUJOBS_TEST_POSTGRES -X -q -t -A -v ON_ERROR_STOP=1 -c $Sql 2>&1
            if ($LASTEXITCODE -ne 0) { throw "psql: $result" }
            $result
        }
        Invoke-Sql "CREATE SCHEMA $schema" | Out-Null
        $join = if ($env:PSUJOBS_TEST_POSTGRES.Contains('?')) { '&' } else { '?' }
        $script:database = "$env:PSUJOBS_TEST_POSTGRES${join}options=-csearch_path%3D$schema"
        $script:server = Start-TestServer -Database $database
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
    }

    AfterAll {
        Disconnect-PSUServer
        if ($server) { Stop-TestServer $server }
        Invoke-Sql "DROP SCHEMA $schema CASCADE" | Out-Null
    }

    It 'runs a job and keeps it, its output and its objects in the database' {
        $job = Invoke-PSUScript -Name 'Streams.ps1'
        $job | Wait-PSUJob -Silent | Out-Null
        # Streams.ps1 writes an error record, which ends its job as Error, as in PSU.
        (Get-PSUJob -Id $job.Id).Status | Should -Be 'Error'
        Get-PSUJobPipelineOutput -Job $job | Should -Be 'done'
        (Get-PSUJobOutput -Job $job -AsObject | Where-Object Type -eq 'Warning').Message | Should -Be 'careful now'
        Invoke-Sql "SELECT data FROM $schema.pipeline_output WHERE job_id = $($job.Id)" | Should -Be '<S>done</S>'
        [int](Invoke-Sql "SELECT COUNT(*) FROM $schema.job_output WHERE job_id = $($job.Id)") | Should -BeGreaterThan 3
    }

    It 'refuses a second server of the same data folder, or one with another key, saying why' {
        { Start-TwinServer -Server $server -Database $database } |
            Should -Throw '*another psujobs server with this data folder is serving from this database*'
        # A data folder of its own makes another node, which must share the store's key.
        { Start-TestServer -Database $database -StartTimeout ([TimeSpan]::FromSeconds(30)) } |
            Should -Throw '*sealed with another key*copy the key file*'
    }

    It 'makes its data folder (key file, admin token) when it does not exist yet' {
        $fresh = "${schema}_fresh"
        Invoke-Sql "CREATE SCHEMA $fresh" | Out-Null
        $data = Join-Path ([IO.Path]::GetTempPath()) "psujobs-fresh-$PID"
        $log = Join-Path ([IO.Path]::GetTempPath()) "psujobs-fresh-$PID.log"
        $url = $database -replace "$schema`$", $fresh
        $process = Start-Process $server.Process.Path -ArgumentList '--data', $data, '--database', $url, 'serve', '--listen', '127.0.0.1:0' `
            -PassThru -RedirectStandardError $log
        try {
            Wait-Until { (Test-Path (Join-Path $data 'admin.token')) -or $process.HasExited } -Seconds 30
            $process.HasExited | Should -BeFalse -Because (Get-Content $log -Raw)
            Join-Path $data 'secret.key' | Should -Exist
        } finally {
            Stop-Process -InputObject $process -Force -ErrorAction Ignore
            $process.WaitForExit()
            Remove-Item $data, $log -Recurse -Force -ErrorAction Ignore
            Invoke-Sql "DROP SCHEMA $fresh CASCADE" | Out-Null
        }
    }

    It 'keeps its data over TLS checked as the URL''s sslmode asks, and says why it will not start when the check fails' -Skip:(-not $env:PSUJOBS_TEST_POSTGRES_CA) {
        # The test cluster's certificate names localhost only, issued by the CA in
        # PSUJOBS_TEST_POSTGRES_CA (a database without TLS skips this test).
        $tls = "${schema}_tls"
        Invoke-Sql "CREATE SCHEMA $tls" | Out-Null
        $url = ($database -replace "$schema`$", $tls) -replace '@127\.0\.0\.1:', '@localhost:'
        $checked = "$url&application_name=$tls&sslmode=verify-full&sslrootcert=$([uri]::EscapeDataString($env:PSUJOBS_TEST_POSTGRES_CA))"
        $tlsServer = Start-TestServer -Database $checked
        try {
            $job = Invoke-PSUScript -Name 'Script.ps1' -Label 'sealed' -ComputerName $tlsServer.Url -AppToken $tlsServer.Token -Wait
            $job.Label | Should -Be 'sealed'
            $sessions = Invoke-Sql "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = '$tls'"
            @($sessions).Count | Should -BeGreaterThan 0
            $sessions | Sort-Object -Unique | Should -Be 't' -Because 'every session of the server is encrypted'
        } finally {
            Stop-TestServer $tlsServer
        }
        { Start-TestServer -Database ($checked -replace '@localhost:', '@127.0.0.1:') -StartTimeout ([TimeSpan]::FromSeconds(30)) } |
            Should -Throw '*certificate not valid for name "127.0.0.1"*'
        Invoke-Sql "DROP SCHEMA $tls CASCADE" | Out-Null
    }

    It 'has every job after a restart' {
        $job = Invoke-PSUScript -Name 'Script.ps1' -Label 'kept'
        $job | Wait-PSUJob -Silent | Out-Null
        Stop-TestServer $server -KeepData
        $script:server = Start-TestServer -Database $database -DataDir $server.DataDir
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
        $again = Get-PSUJob -Id $job.Id
        $again.Status | Should -Be 'Completed'
        (Get-PSUJobPipelineOutput -Job $again).Label | Should -Be 'kept'
    }

    It 'takes over a SQLite server''s jobs, tokens and ids with copy-store' {
        $target = "${schema}_copy"
        Invoke-Sql "CREATE SCHEMA $target" | Out-Null
        $url = $database -replace "$schema`$", $target
        $sqlite = Start-TestServer
        $exe = $sqlite.Process.Path
        try {
            Connect-PSUServer -ComputerName $sqlite.Url -AppToken $sqlite.Token
            $job = Invoke-PSUScript -Name 'Streams.ps1'
            $job | Wait-PSUJob -Silent | Out-Null
            $reader = New-TestToken -Server $sqlite -Role Reader

            $busy = & $exe --data $sqlite.DataDir --database $url copy-store 2>&1
            $LASTEXITCODE | Should -Not -Be 0 -Because 'the SQLite store is still served'
            "$busy" | Should -BeLike '*another psujobs server is serving from*'

            Stop-TestServer $sqlite -KeepData
            $said = & $exe --data $sqlite.DataDir --database $url copy-store 2>&1
            $LASTEXITCODE | Should -Be 0 -Because "$said"
            "$said" | Should -BeLike '*: jobs 1, output records *, pipeline objects 1, scripts *, app tokens 2, credentials 0*'
            $again = & $exe --data $sqlite.DataDir --database $url copy-store 2>&1
            $LASTEXITCODE | Should -Not -Be 0 -Because 'the target has rows now'
            "$again" | Should -BeLike '*already has*copies into an empty store only*'

            # The same data folder and admin token, now on PostgreSQL.
            $sqlite = Start-TestServer -Database $url -DataDir $sqlite.DataDir
            Connect-PSUServer -ComputerName $sqlite.Url -AppToken $sqlite.Token
            $copied = Get-PSUJob -RunId $job.RunId
            $copied.Id | Should -Be $job.Id
            $copied.Status | Should -Be 'Error'
            Get-PSUJobPipelineOutput -Job $copied | Should -Be 'done'
            (Get-PSUJobOutput -Job $copied -AsObject | Where-Object Type -eq 'Warning').Message | Should -Be 'careful now'
            $next = Invoke-PSUScript -Name 'Trivial.ps1'
            $next.Id | Should -BeGreaterThan $job.Id
            Connect-PSUServer -ComputerName $sqlite.Url -AppToken $reader
            (Get-PSUJob -Id $job.Id).RunId | Should -Be $job.RunId
        } finally {
            Stop-TestServer $sqlite
            Invoke-Sql "DROP SCHEMA $target CASCADE" | Out-Null
            Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
        }
    }
}

Describe 'A database restart under a running server' -Skip:($null -ne $noCluster) {
    BeforeAll {
        Import-Module $env:PSUJOBS_MODULE -Force
        Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot 'tools/TestPostgres.psm1') -Force
        # A cluster of its own, so restarting it disturbs no other test.
        $script:cluster = Start-TestPostgres
        $script:server = Start-TestServer -Database $cluster.Url
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
    }

    AfterAll {
        Disconnect-PSUServer
        if ($server) { Stop-TestServer $server }
        if ($cluster) { Stop-TestPostgres $cluster }
    }

    It 'loses none of a running job''s output, and the server keeps its lock' {
        $job = Invoke-PSUScript -Name 'Ticker.ps1' -Count 40 -IntervalMs 150
        Wait-Until { @(Get-PSUJobPipelineOutput -Job $job).Count -ge 5 }
        Restart-TestPostgres $cluster
        $job | Wait-PSUJob -Silent | Out-Null
        (Get-PSUJob -Id $job.Id).Status | Should -Be 'Completed'
        Get-PSUJobPipelineOutput -Job $job | Should -Be (1..40)
        Wait-Until { (Get-Content $server.Log -Raw) -match 'the lock is held again' } -Seconds 20
        { Start-TwinServer -Server $server -Database $cluster.Url } |
            Should -Throw '*another psujobs server with this data folder is serving from this database*'
    }

    It 'stays alive and answers its probes while the database is down, then serves the calls that waited' {
        $client = [System.Net.Http.HttpClient]::new()
        $client.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $server.Token)
        $outage = @{}
        try {
            Restart-TestPostgres $cluster -Down {
                # More calls waiting for the database than the server has worker threads.
                $outage.Waiting = [System.Threading.Tasks.Task[]] @(1..([Environment]::ProcessorCount * 2 + 2) |
                        ForEach-Object { $client.GetAsync("$($server.Url)/api/v1/job") })
                Start-Sleep -Milliseconds 500
                $outage.Alive = Measure-Command { Invoke-RestMethod "$($server.Url)/api/v1/alive" -TimeoutSec 10 }
                $outage.Status = Measure-Command {
                    $outage.Probe = Invoke-WebRequest "$($server.Url)/api/v1/status" -SkipHttpErrorCheck -TimeoutSec 20
                }
                $outage.Finished = @($outage.Waiting | Where-Object IsCompleted).Count
            }
            $outage.Alive.TotalSeconds | Should -BeLessThan 5 -Because 'a liveness probe must not fail with the database'
            $outage.Status.TotalSeconds | Should -BeLessThan 10 -Because 'a readiness probe wants the state now'
            $outage.Probe.StatusCode | Should -Be 503
            ($outage.Probe.Content | ConvertFrom-Json).id | Should -Be 'server.store.unavailable'
            $outage.Finished | Should -Be 0 -Because 'the calls wait for the database rather than fail'
            [System.Threading.Tasks.Task]::WaitAll($outage.Waiting, [TimeSpan]::FromSeconds(40)) | Should -BeTrue
            $outage.Waiting.Result.StatusCode | Sort-Object -Unique | Should -Be 'OK'
        } finally {
            $client.Dispose()
        }
    }
}
