# Many pipeline objects (the pipeline-output benchmark and the large-output test).
param([int] $Count = 1000)
$when = [datetime]::new(2024, 1, 2, 3, 4, 5, [DateTimeKind]::Utc)
foreach ($i in 1..$Count) {
    [pscustomobject]@{ Id = $i; Name = "item $i"; When = $when; Even = ($i % 2 -eq 0) }
}
