# A script that fails with a terminating error.
Write-Output 'before the failure'
throw 'it broke on purpose'
