<#
.SYNOPSIS
    CliXml decode throughput, side by side on the same generated documents:
      Rust codec alone (decode_bench example)  vs  [PSSerializer]::Deserialize   (target >= 30x)
      ConvertFrom-PSUCliXml -LiteralPath       vs  Import-Clixml                 (target >= 3x)
    Documents: ~1 MB and ~20 MB of mixed objects, and 100,000 small objects. Timings are
    printed only; nothing here gates a test.

    Fairness: both cmdlets read the same file with -LiteralPath and their output is consumed
    the same way, collected ($null = …) in one comparison and streamed (| Out-Null) in another;
    each is run once untimed first (JIT, file cache); timed rounds of the same number of runs
    for both (at least 3, and a quarter second of the faster one, so a small document is run
    several times) alternate which goes first, and medians are reported. Process CPU time is shown beside wall
    time: on a shared, loaded machine it is the steadier of the two, and it charges the native
    decode thread to ConvertFrom-PSUCliXml. The Rust bench and PSSerializer alternate in the
    same way, a round of each at a time (a Rust round is at least half a second of passes).
#>
param(
    [string] $ModulePath = $env:PSUJOBS_MODULE,
    [int] $Repeat = 5
)
$ErrorActionPreference = 'Stop'
$root = Resolve-Path (Join-Path $PSScriptRoot '../..')
if (-not $ModulePath) { $ModulePath = Join-Path $root 'out/PSUJobs/PSUJobs.psd1' }
Import-Module $ModulePath -Force
Import-Module (Join-Path $root 'bench/BenchTools.psm1') -Force
$work = Join-Path $root "bench/out/clixml-$PID"
New-Item -ItemType Directory -Force -Path $work | Out-Null

function New-Doc([string] $Name, [scriptblock] $Make, [long] $TargetBytes) {
    # Distinct objects (identical ones would be written as <Ref>s) until the target size. The
    # size of a copy is measured in a document of many: there a type's names are written once
    # and then named by <TNRef>, so a lone copy is larger than its share.
    $path = Join-Path $work "$Name.xml"
    $sample = 100
    $(for ($i = 0; $i -lt $sample; $i++) { & $Make }) | Export-Clixml -LiteralPath $path -Depth 2
    $copies = [Math]::Max(1, [Math]::Ceiling($TargetBytes * $sample / (Get-Item -LiteralPath $path).Length))
    $(for ($i = 0; $i -lt $copies; $i++) { & $Make }) | Export-Clixml -LiteralPath $path -Depth 2
    $path
}

$mixed = {
    [pscustomobject]@{ Name = 'svc'; Id = 42; Started = [datetime]::UtcNow; Tags = @('a', 'b'); Ok = $true; Ratio = 0.5 }
    @{ Key = 'value'; Number = 7; Nested = @{ Deep = 'x' * 40 } }
    [pscustomobject]@{ Path = $PSHOME; Length = 123456789; Modified = [datetime]::Now; Version = [version]'7.6.9'; Id = [guid]::NewGuid() }
    'a string with some text in it ' * 4
}
$docs = [ordered]@{
    '1 MB mixed'          = New-Doc 'mixed-1mb' $mixed 1MB
    '20 MB mixed'         = New-Doc 'mixed-20mb' $mixed 20MB
    '100,000 small objects' = (& {
            $path = Join-Path $work 'small-100k.xml'
            1..100000 | ForEach-Object { [pscustomobject]@{ I = $_; S = "item $_" } } | Export-Clixml -LiteralPath $path
            $path })
}

function Measure-Runs([scriptblock] $Action, [int] $Runs) {
    # Wall and process CPU seconds per run, over $Runs runs back to back after a full
    # collection, so earlier garbage is not charged to them. Within the block each run's output
    # becomes the next runs' garbage: a steady state, where each side pays for collecting what
    # it allocated.
    [GC]::Collect()
    [GC]::WaitForPendingFinalizers()
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $cpu = $process.TotalProcessorTime
    $pause = [GC]::GetTotalPauseDuration()
    $sw = [System.Diagnostics.Stopwatch]::StartNew()
    for ($i = 0; $i -lt $Runs; $i++) { & $Action }
    $wall = $sw.Elapsed.TotalSeconds
    $process.Refresh()
    [pscustomobject]@{
        Wall  = $wall / $Runs
        Cpu   = ($process.TotalProcessorTime - $cpu).TotalSeconds / $Runs
        # Time the runtime stopped the threads to collect garbage: the cost of keeping
        # (collected) or dropping (streamed) the objects, which both sides build alike.
        Pause = ([GC]::GetTotalPauseDuration() - $pause).TotalSeconds / $Runs
    }
}

function Compare-Alternating([scriptblock] $First, [scriptblock] $Second) {
    # Each action takes a run count and returns its own timing (Measure-Runs, or the Rust
    # bench's report, which ignores the count). A single untimed warm-up of each sets the count,
    # the same for both: enough that the faster side's block lasts a quarter second (a lone 5 ms
    # run is decided by whether a collection falls inside it) and at least 3. The same count
    # matters: with more runs, a side would pay for collecting more of its own earlier output,
    # and a side fast enough to be repeated would be charged for being fast. Then $Repeat rounds
    # alternate which action runs first, so neither always gets the warmer cache or the quieter
    # moment.
    $fastest = [Math]::Min((& $First 1).Wall, (& $Second 1).Wall)
    $runs = [int][Math]::Max(3, [Math]::Ceiling(0.25 / [Math]::Max($fastest, 1e-4)))
    $a = [System.Collections.Generic.List[object]]::new()
    $b = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $Repeat; $i++) {
        if ($i % 2) { $b.Add((& $Second $runs)); $a.Add((& $First $runs)) }
        else { $a.Add((& $First $runs)); $b.Add((& $Second $runs)) }
    }
    [pscustomobject]@{ First = $a; Second = $b }
}

$decodeBench = Build-CargoExample -Package psujobs-clixml -Name decode_bench

$codec = [System.Collections.Generic.List[object]]::new()
$cmdlets = [System.Collections.Generic.List[object]]::new()
foreach ($entry in $docs.GetEnumerator()) {
    $file = $entry.Value
    $mb = (Get-Item $file).Length / 1MB
    $text = [IO.File]::ReadAllText($file)
    # Rust and PSSerializer in alternating rounds: this machine's speed drifts by tens of
    # percent over minutes, and timing one after the other would put the drift in the ratio.
    $timings = Compare-Alternating {
        $rust = & $decodeBench 1 $file | ConvertFrom-Json
        [pscustomobject]@{ Wall = $rust.seconds / $rust.passes }
    } { Measure-Runs { $null = [System.Management.Automation.PSSerializer]::Deserialize($text) } $args[0] }
    $rustSeconds = Get-Median $timings.First.Wall
    $serializer = Get-Median $timings.Second.Wall
    $codec.Add([pscustomobject]@{
            Document            = $entry.Key
            MB                  = [Math]::Round($mb, 1)
            'Rust MB/s'         = [Math]::Round($mb / $rustSeconds, 1)
            'PSSerializer MB/s' = [Math]::Round($mb / $serializer, 1)
            'Rust/PSSer x'      = [Math]::Round($serializer / $rustSeconds, 1)
        })
    # Collected (`$x = …`; `$null = …` collects too) and streamed (`| Out-Null`): streamed,
    # ConvertFrom-PSUCliXml lets go of each object no Ref names once it is written, where
    # Import-Clixml keeps every object to the end of the document.
    $ways = [ordered]@{
        collected = { $null = ConvertFrom-PSUCliXml -LiteralPath $file }, { $null = Import-Clixml -LiteralPath $file }
        streamed  = { ConvertFrom-PSUCliXml -LiteralPath $file | Out-Null }, { Import-Clixml -LiteralPath $file | Out-Null }
    }
    foreach ($way in $ways.GetEnumerator()) {
        $runs = Compare-Alternating { Measure-Runs $way.Value[0] $args[0] } { Measure-Runs $way.Value[1] $args[0] }
        $psu = Get-Median $runs.First.Wall
        $import = Get-Median $runs.Second.Wall
        $spread = '{0:N2}..{1:N2}' -f (($runs.Second.Wall | Measure-Object -Minimum).Minimum / ($runs.First.Wall | Measure-Object -Maximum).Maximum),
            (($runs.Second.Wall | Measure-Object -Maximum).Maximum / ($runs.First.Wall | Measure-Object -Minimum).Minimum)
        $cmdlets.Add([pscustomobject]@{
                Document       = $entry.Key
                Output         = $way.Key
                'PSU MB/s'     = [Math]::Round($mb / $psu, 1)
                'Import MB/s'  = [Math]::Round($mb / $import, 1)
                'PSU/Import x' = [Math]::Round($import / $psu, 2)
                'min..max x'   = $spread
                'CPU x'        = [Math]::Round((Get-Median $runs.Second.Cpu) / (Get-Median $runs.First.Cpu), 2)
                'PSU GC ms'    = [Math]::Round((Get-Median $runs.First.Pause) * 1000)
                'Import GC ms' = [Math]::Round((Get-Median $runs.Second.Pause) * 1000)
            })
    }
}
$codec | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
$cmdlets | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
Write-Host "Medians of $Repeat alternating runs after a warm-up; 'min..max x' is the spread of the wall-clock ratio;"
Write-Host "'GC ms' is the time per run the runtime paused for garbage collection."
Write-Host 'Targets: Rust/PSSerializer >= 30x, ConvertFrom-PSUCliXml/Import-Clixml >= 3x'
Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction Ignore
