# A child job: tells the parent who it is and returns its number times ten.
param([int] $N)
Write-Information "child $N of job $UAJobId"
$N * 10
