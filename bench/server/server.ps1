<#
.SYNOPSIS
    Load test of psujobs: N job submissions from C concurrent REST clients, then waits until every
    job is finished and checks none was lost. Prints jobs/s and API latency (p50/p99), and the
    same number of jobs run with Start-Job in one pwsh for comparison. Timings never gate anything.
#>
param(
    [int] $Jobs = 1000,
    [int] $Clients = 20,
    # Jobs running at once: the server's default concurrent_jobs, and Start-Job's throttle.
    [int] $Concurrency = 10,
    [string] $ServerPath = $env:PSUJOBS_SERVER,
    # Run the server on this empty PostgreSQL database (or schema, via ?options=-csearch_path%3Dname)
    # instead of SQLite.
    [string] $Database
)
$ErrorActionPreference = 'Stop'
$root = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent
if (-not $ServerPath) { $ServerPath = Join-Path $root 'out/bin/psujobs' }
$env:PSUJOBS_SERVER = $ServerPath
Import-Module (Join-Path $root 'tests/TestServer.psm1')

$repo = Join-Path ([IO.Path]::GetTempPath()) "psujobs-load-$PID"
New-Item -ItemType Directory -Path $repo -Force | Out-Null
Set-Content (Join-Path $repo 'Load.ps1') 'param([int] $N) $N * 2'

function Get-Percentile([double[]] $Sorted, [double] $P) {
    $Sorted[[Math]::Min($Sorted.Count - 1, [int][Math]::Floor($P * $Sorted.Count))]
}

# Each client submits its share of the jobs one after another, timing every call.
Add-Type -TypeDefinition @'
using System.Collections.Generic;
using System.Diagnostics;
using System.Net.Http;
using System.Text;
using System.Threading.Tasks;
public static class LoadClient {
    public sealed class Call { public long Id; public double Ms; }
    public static async Task<List<Call>> Submit(HttpClient http, string url, int first, int end) {
        var calls = new List<Call>();
        for (int n = first; n < end; n++) {
            var clock = Stopwatch.StartNew();
            var body = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url + n, body).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            calls.Add(new Call { Id = long.Parse(text), Ms = clock.Elapsed.TotalMilliseconds });
        }
        return calls;
    }
}
'@

$server = Start-TestServer -Repository $repo -Config "concurrent_jobs = $Concurrency" -Database $Database
try {
    $headers = @{ Authorization = "Bearer $($server.Token)" }
    $script = Invoke-RestMethod "$($server.Url)/api/v1/script/path/Load.ps1" -Headers $headers
    # The clients are tasks on one shared HttpClient, as a service calling the API would be:
    # N PowerShell runspaces each calling Invoke-RestMethod (a new connection per call) spend
    # more CPU than the server they measure, on the same cores as the jobs, and their own
    # scheduling delays (seconds, under load) then read as API latency.
    $http = [System.Net.Http.HttpClient]::new()
    $http.DefaultRequestHeaders.Authorization = [System.Net.Http.Headers.AuthenticationHeaderValue]::new('Bearer', $server.Token)
    $null = $http.GetStringAsync("$($server.Url)/api/v1/script/$($script.id)").GetAwaiter().GetResult()
    $clock = [Diagnostics.Stopwatch]::StartNew()
    $share = [Math]::Ceiling($Jobs / $Clients)
    $tasks = foreach ($client in 0..($Clients - 1)) {
        $first = $client * $share
        [LoadClient]::Submit($http, "$($server.Url)/api/v1/script/$($script.id)?N=", $first, [Math]::Min($Jobs, $first + $share))
    }
    $results = foreach ($task in $tasks) { $task.GetAwaiter().GetResult() }
    $submitted = $clock.Elapsed.TotalSeconds

    # Wait for every job to reach a terminal status, reading the list as a client would.
    $probe = [Collections.Generic.List[double]]::new()
    do {
        Start-Sleep -Milliseconds 500
        $t = [Diagnostics.Stopwatch]::StartNew()
        $active = 0
        foreach ($status in 0, 1, 4, 6) {
            $active += (Invoke-RestMethod "$($server.Url)/api/v1/job?take=1&status=$status" -Headers $headers).total
        }
        $probe.Add($t.Elapsed.TotalMilliseconds / 4)
    } while ($active -gt 0)
    $finished = $clock.Elapsed.TotalSeconds

    $all = Invoke-RestMethod "$($server.Url)/api/v1/job?take=1" -Headers $headers
    $completed = (Invoke-RestMethod "$($server.Url)/api/v1/job?take=1&status=2" -Headers $headers).total
    $ids = @($results.Id | Sort-Object -Unique)
    $latency = [double[]]@($results.Ms + $probe | Sort-Object)

    # The same count with PowerShell's own background jobs, in one pwsh. Start-Job has no
    # throttle (1,000 at once would be 1,000 pwsh processes), so as many run at once as the
    # server runs jobs at once (its default, 10).
    $sj = [Diagnostics.Stopwatch]::StartNew()
    $running = [Collections.Generic.List[object]]::new()
    $local = @(foreach ($n in 1..$Jobs) {
        if ($running.Count -ge $Concurrency) {
            $done = Wait-Job -Job $running -Any
            $done | Receive-Job -Wait -AutoRemoveJob
            [void] $running.Remove($done)
        }
        $running.Add((Start-Job { param($N) $N * 2 } -ArgumentList $n))
    })
    $local += @($running | Receive-Job -Wait -AutoRemoveJob)
    $startJob = $sj.Elapsed.TotalSeconds

    [pscustomobject]@{
        Jobs = $Jobs; Clients = $Clients; Store = $(if ($Database) { 'PostgreSQL' } else { 'SQLite' })
        UniqueIds = $ids.Count; StoredJobs = $all.total; Completed = $completed
        SubmitSeconds = [Math]::Round($submitted, 2)
        AllFinishedSeconds = [Math]::Round($finished, 2)
        'psujobs jobs/s' = [Math]::Round($Jobs / $finished, 1)
        'API p50 ms' = [Math]::Round((Get-Percentile $latency 0.50), 1)
        'API p99 ms' = [Math]::Round((Get-Percentile $latency 0.99), 1)
        'Start-Job seconds' = [Math]::Round($startJob, 2)
        'Start-Job jobs/s' = [Math]::Round($Jobs / $startJob, 1)
        'Start-Job results' = $local.Count
        'psujobs / Start-Job throughput' = [Math]::Round(($Jobs / $finished) / ($Jobs / $startJob), 2)
    } | Format-List | Out-Host
    if ($ids.Count -ne $Jobs -or $completed -ne $Jobs) { Write-Warning "LOST JOBS: $($ids.Count) ids, $completed completed of $Jobs" }
} finally {
    Stop-TestServer -Server $server
    Remove-Item $repo -Recurse -Force -ErrorAction Ignore
}
