# Starts two long children and waits on them: canceling this job must cancel them.
$children = 1..2 | ForEach-Object { Invoke-PSUScript -Name 'integrated/Sleeper.ps1' -Integrated }
$children | Wait-PSUJob -Integrated
