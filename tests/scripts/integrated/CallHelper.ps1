# Runs Child.ps1 as a job of its own, the way a script calls a helper that people may not run.
Invoke-PSUScript -Name 'integrated/Child.ps1' -Value 7 -Integrated -Wait
