<#
.SYNOPSIS
    The PSUJobs module against PowerShell's own tools, in one run, with ratios:
    1. `Invoke-PSUScript -Wait` of a trivial script vs `Start-Job { 1 } | Receive-Job -Wait`
       (target: PSUJobs <= 1/10 of Start-Job). Measured twice: with a warm process ready (the
       server's /metrics shows one before each run; waiting for it is not timed), and back to
       back, where runs outpace the pool's refill and some jobs start a cold process.
    2. `Get-PSUJobPipelineOutput` of a job with -Count objects vs `Invoke-RestMethod` of the
       same CliXml + `[PSSerializer]::DeserializeAsList` (target: >= 3x faster), checking both
       give the same objects, then timing $PipelineRounds alternating rounds (medians, and the
       spread of the ratio).
    3. `Invoke-PSUScript -Wait` of a script writing -JobCount objects vs `Start-Job -FilePath`
       of the same script `| Receive-Job -Wait` ($JobRounds alternating rounds; no target: the
       job's own pwsh dominates both, this shows what the server adds).
    Uses out/PSUJobs (or $env:PSUJOBS_MODULE) and out/bin/psujobs on a free port.
.EXAMPLE
    pwsh bench/module/module.ps1 -Runs 20 -Count 100000
#>
param([int] $Runs = 20, [int] $Count = 100000, [int] $PipelineRounds = 5, [int] $JobCount = 20000, [int] $JobRounds = 3)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path "$PSScriptRoot/../.."
$module = if ($env:PSUJOBS_MODULE) { $env:PSUJOBS_MODULE } else { Join-Path $root 'out/PSUJobs/PSUJobs.psd1' }
Import-Module $module -Force
Import-Module (Join-Path $root 'tests/TestServer.psm1') -Force
Import-Module (Join-Path $root 'bench/BenchTools.psm1') -Force

function Measure-Runs([int] $Times, [scriptblock] $Body, [scriptblock] $Before = {}) {
    # One untimed warm-up (JIT, connection pool), then $Times runs, each after $Before (untimed).
    & $Body | Out-Null
    Get-Median @(foreach ($i in 1..$Times) { & $Before; (Measure-Command { & $Body | Out-Null }).TotalMilliseconds })
}

function Measure-Alternating([int] $Rounds, [hashtable] $Sides) {
    # $Rounds rounds of $Sides.Ours and $Sides.Theirs, alternating which goes first and after
    # a full collection each, so neither always gets the quieter moment or the other's garbage.
    # What each returns is assigned, as a caller keeping the output holds it, and let go after.
    # Medians, their ratio (ours / theirs) and the ratio's spread.
    $times = @{ Ours = [System.Collections.Generic.List[double]]::new(); Theirs = [System.Collections.Generic.List[double]]::new() }
    foreach ($round in 1..$Rounds) {
        foreach ($side in @(if ($round % 2) { 'Ours', 'Theirs' } else { 'Theirs', 'Ours' })) {
            [GC]::Collect()
            [GC]::WaitForPendingFinalizers()
            $times[$side].Add((Measure-Command { $held = & $Sides[$side] }).TotalMilliseconds)
            $held = $null
        }
    }
    $ours = Get-Median $times.Ours
    $theirs = Get-Median $times.Theirs
    [pscustomobject]@{
        Ours   = $ours
        Theirs = $theirs
        Ratio  = $ours / $theirs
        Spread = '{0:N3}..{1:N3}' -f (($times.Ours | Measure-Object -Minimum).Minimum / ($times.Theirs | Measure-Object -Maximum).Maximum),
            (($times.Ours | Measure-Object -Maximum).Maximum / ($times.Theirs | Measure-Object -Minimum).Minimum)
    }
}

function Wait-WarmProcess($Server) {
    # Until the server reports a warm PowerShell process ready for the next job.
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    do {
        $metrics = Invoke-RestMethod "$($Server.Url)/metrics" -Headers @{ Authorization = "Bearer $($Server.Token)" }
        if ($metrics -match '(?m)^psujobs_warm_processes [1-9]') { return }
        Start-Sleep -Milliseconds 50
    } while ([DateTime]::UtcNow -lt $deadline)
    throw 'no warm process within 30 s'
}

$server = Start-TestServer
try {
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token

    $check = Invoke-PSUScript -Name 'Trivial.ps1' -Wait
    if ($check -ne 1) { throw "Trivial.ps1 returned '$check', not 1" }
    $psu = Measure-Runs $Runs { Invoke-PSUScript -Name 'Trivial.ps1' -Wait } { Wait-WarmProcess $server }
    $backToBack = Measure-Runs $Runs { Invoke-PSUScript -Name 'Trivial.ps1' -Wait }
    $startJob = Measure-Runs ([math]::Max([math]::Floor($Runs / 4), 3)) { Start-Job { 1 } | Receive-Job -Wait -AutoRemoveJob }

    $job = Invoke-PSUScript -Name 'Many.ps1' -Count $Count
    $job | Wait-PSUJob -Silent | Select-Object -First 0
    $headers = @{ Authorization = "Bearer $($server.Token)"; Accept = 'application/clixml' }
    $fetch = @{
        Ours   = { , @(Get-PSUJobPipelineOutput -Job $job) }
        Theirs = {
            $text = Invoke-RestMethod -Uri "$($server.Url)/api/v1/job/$($job.Id)/pipelineOutput" -Headers $headers
            # application/clixml is not a text type to PowerShell's web cmdlets: decode the bytes.
            if ($text -is [byte[]]) { $text = [System.Text.Encoding]::UTF8.GetString($text) } elseif ($text -is [xml]) { $text = $text.OuterXml }
            , @([System.Management.Automation.PSSerializer]::DeserializeAsList($text))
        }
    }
    $objects = & $fetch.Ours
    $reference = & $fetch.Theirs
    if ($objects.Count -ne $Count -or $reference.Count -ne $Count) { throw "expected $Count objects, got $($objects.Count) and $($reference.Count)" }
    foreach ($i in 0, ($Count / 2), ($Count - 1)) {
        $a = $objects[$i]; $b = $reference[$i]
        if ($a.Id -ne $b.Id -or $a.Name -ne $b.Name -or $a.When -ne $b.When -or $a.Even -ne $b.Even -or $a.pstypenames[0] -ne $b.pstypenames[0]) {
            throw "object $i differs: $($a | Out-String) vs $($b | Out-String)"
        }
    }
    $objects = $reference = $null
    # Each returns its objects as one array (the leading comma), so neither pays for unrolling
    # them, and they are held (assigned), as a caller keeping the output holds them.
    $fetched = Measure-Alternating $PipelineRounds $fetch

    # A whole job that writes many objects, run and waited for, as a user would run it either
    # way: what the server spends storing the objects shows here.
    $manyScript = Join-Path $root 'tests/scripts/Many.ps1'
    $runMany = @{
        Ours   = { , @(Invoke-PSUScript -Name 'Many.ps1' -Count $JobCount -Wait) }
        Theirs = { , @(Start-Job -FilePath $manyScript -ArgumentList $JobCount | Receive-Job -Wait -AutoRemoveJob) }
    }
    foreach ($side in 'Ours', 'Theirs') {
        $got = (& $runMany[$side]).Count
        if ($got -ne $JobCount) { throw "$side returned $got objects, not $JobCount" }
    }
    $ran = Measure-Alternating $JobRounds $runMany

    [pscustomobject]@{ Benchmark = 'Invoke-PSUScript -Wait (trivial, warm process)'; 'PSUJobs ms' = [math]::Round($psu, 1); 'Baseline' = 'Start-Job | Receive-Job -Wait'; 'Baseline ms' = [math]::Round($startJob, 1); Ratio = [math]::Round($psu / $startJob, 3); Target = '<= 0.1'; 'min..max' = '' },
    [pscustomobject]@{ Benchmark = 'Invoke-PSUScript -Wait (trivial, back to back)'; 'PSUJobs ms' = [math]::Round($backToBack, 1); 'Baseline' = 'Start-Job | Receive-Job -Wait'; 'Baseline ms' = [math]::Round($startJob, 1); Ratio = [math]::Round($backToBack / $startJob, 3); Target = '(none)'; 'min..max' = '' },
    [pscustomobject]@{ Benchmark = "Get-PSUJobPipelineOutput ($Count objects)"; 'PSUJobs ms' = [math]::Round($fetched.Ours, 1); 'Baseline' = 'Invoke-RestMethod + PSSerializer'; 'Baseline ms' = [math]::Round($fetched.Theirs, 1); Ratio = [math]::Round($fetched.Ratio, 3); Target = '<= 0.333'; 'min..max' = $fetched.Spread },
    [pscustomobject]@{ Benchmark = "Invoke-PSUScript -Wait ($JobCount objects)"; 'PSUJobs ms' = [math]::Round($ran.Ours, 1); 'Baseline' = 'Start-Job | Receive-Job -Wait'; 'Baseline ms' = [math]::Round($ran.Theirs, 1); Ratio = [math]::Round($ran.Ratio, 3); Target = '(none)'; 'min..max' = $ran.Spread } |
        Format-Table -AutoSize | Out-String -Width 250 | Write-Host
} finally {
    Disconnect-PSUServer
    Stop-TestServer $server
}
