# The seed example of PSU's docs: Get-PSUScript -Name 'Script.ps1' | Get-PSUJob ... | Get-PSUJobPipelineOutput
param([string] $Label = 'none')
[pscustomobject]@{ Source = 'Script.ps1'; Label = $Label; Number = 42 }
