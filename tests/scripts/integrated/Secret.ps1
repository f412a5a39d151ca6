# Hands out this job's channel secret, so a test can try it after the job ended.
[pscustomobject]@{ JobId = $UAJobId; Secret = $env:PSUJOBS_IPC_SECRET }
