# Fails its first run and succeeds on the next (the tests give it RetryLimit = 1): the marker
# file says whether it ran before.
param([Parameter(Mandatory)] [string] $Marker)
'run'
if (-not (Test-Path -LiteralPath $Marker)) {
    Set-Content -LiteralPath $Marker -Value 'ran'
    throw 'transient failure'
}
'done'
