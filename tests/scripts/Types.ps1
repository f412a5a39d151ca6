# One parameter of each type Invoke-PSUScript turns into a dynamic parameter; the script
# reports what it received, with the .NET type PowerShell bound each value as.
param(
    [Parameter(Mandatory, Position = 0, HelpMessage = 'Any text')]
    [string] $Text,
    [Parameter(Position = 1)]
    [int] $Count,
    [string[]] $Names,
    [bool] $Flag,
    [switch] $Loud,
    [System.DayOfWeek] $Day,
    [datetime] $When,
    [pscredential] $Login,
    [ValidateSet('Red', 'Green', 'Blue')]
    [string] $Color
)
function Describe($value) {
    if ($null -eq $value) { return $null }
    [pscustomobject]@{ Type = $value.GetType().FullName; Value = $value }
}
[pscustomobject]@{
    Text = Describe $Text
    Count = Describe $Count
    Names = if ($Names) { [pscustomobject]@{ Type = $Names.GetType().FullName; Value = $Names -join ',' } }
    Flag = Describe $Flag
    Loud = [bool]$Loud
    # As text: an enum nested this deep is serialized by PSRP as its number.
    Day = if ($Day) { [pscustomobject]@{ Type = $Day.GetType().FullName; Value = "$Day" } }
    When = if ($PSBoundParameters.ContainsKey('When')) { $When.ToUniversalTime().ToString('o') }
    LoginUser = $Login.UserName
    LoginPassword = if ($Login) { $Login.GetNetworkCredential().Password }
    Color = $Color
}
