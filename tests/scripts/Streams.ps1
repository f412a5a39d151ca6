# Writes to every stream, so a waiting caller can check each one is replayed into its own.
Write-Warning 'careful now'
Write-Verbose 'verbose detail' -Verbose
Write-Information 'for your information'
Write-Host 'host text' -ForegroundColor Green
Write-Error 'a non-terminating problem' -ErrorId 'Streams.Problem'
Write-Progress -Activity 'Crunching' -Status 'halfway' -PercentComplete 50
Start-Sleep -Milliseconds 600
'done'
