# The seed example of PSU's docs: Invoke-PSUScript -Script 'Script1.ps1' -RequiredParameter 'Hello' -Wait
param(
    [Parameter(Mandatory)]
    [string] $RequiredParameter
)
"Script1 got $RequiredParameter"
