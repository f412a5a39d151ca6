# A numbered object every interval for a while: output that keeps arriving across an event
# (a database restart).
param([int] $Count = 40, [int] $IntervalMs = 150)
foreach ($i in 1..$Count) {
    $i
    Start-Sleep -Milliseconds $IntervalMs
}
