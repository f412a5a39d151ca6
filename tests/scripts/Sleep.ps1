# A script that runs for a while, to time out a wait or be stopped.
param([int] $Seconds = 60)
Start-Sleep -Seconds $Seconds
'woke up'
