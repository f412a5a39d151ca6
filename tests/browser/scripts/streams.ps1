# Writes to every stream and emits objects of several shapes, for the job page's Output,
# Pipeline Output and Errors views.
$VerbosePreference = 'Continue'
$DebugPreference = 'Continue'
$InformationPreference = 'Continue'

Write-Host 'host: hello from Write-Host'
Write-Host 'host: in green' -ForegroundColor Green
Write-Information 'information: a record from Write-Information'
Write-Verbose 'verbose: details you asked for'
Write-Debug 'debug: internals'
Write-Warning 'warning: something to look at'
Write-Error -Message 'error: the widget failed' -ErrorId 'Widget.Failed' -Category InvalidOperation -TargetObject 'widget-7'
Write-Progress -Activity 'Counting' -Status 'Halfway' -PercentComplete 50
Write-Host "first line`nsecond line"

[pscustomobject]@{
    Name    = 'widget'
    Count   = 42
    Enabled = $true
    Owner   = [pscustomobject]@{ User = 'ada'; Team = 'platform' }
    Tags    = @('red', 'green', 'blue')
    Limits  = [ordered]@{ cpu = 2; memory = '4Gi' }
}
'a plain string'
17
