# A child that runs until it is stopped.
Start-Sleep -Seconds 300
