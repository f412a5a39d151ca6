# A child job: tells the parent who it is and returns its number times ten.
param([int] $Value)
Write-Information "child $Value of job $UAJobId"
$Value * 10
