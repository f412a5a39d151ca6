# Starts three children over the integrated channel, waits for them and returns the sum of
# their pipeline output, with the ids involved.
$children = 1..3 | ForEach-Object { Invoke-PSUScript -Name 'integrated/Child.ps1' -Value $_ -Integrated }
$values = $children | Wait-PSUJob -Integrated
$waited = Invoke-PSUScript -Name 'integrated/Child.ps1' -Value 4 -Integrated -Wait
[pscustomobject]@{
    Sum      = ($values | Measure-Object -Sum).Sum
    Waited   = $waited
    Children = @($children.Id)
    Parents  = @($children | ForEach-Object { (Get-PSUJob -Id $_.Id -Integrated).ParentJobId })
    Me       = $UAJobId
}
