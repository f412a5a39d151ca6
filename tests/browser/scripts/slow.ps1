# Runs until canceled, writing a line a second so the page has something to tail.
$i = 0
while ($true) {
    $i++
    Write-Host "tick $i"
    Start-Sleep -Milliseconds 500
}
