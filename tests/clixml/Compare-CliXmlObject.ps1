<#
.SYNOPSIS
    Deep comparison of two deserialized object graphs, for CliXml conformance tests.
.DESCRIPTION
    Dot-source this file, then call Compare-CliXmlObject -Expected $a -Actual $b. It returns
    one string per difference ("<path>: <what differs>"); no output means the graphs are equal.

    Compared: .NET types; PSObject type names; ToString(); property names, member types and
    declared types; property values recursively; dictionary entries and collection items in
    order; exact primitive values (DateTime ticks and Kind, float bits so that -0 and NaN
    compare exactly, SecureString plaintext, XmlDocument outer XML).

    Deserialized objects and property bags are compared all the way down. Live objects that
    Import-Clixml rehydrates (PSCredential, CultureInfo, IPAddress, …) are compared by type,
    ToString() and the string form of their properties, without walking into their live
    object graphs (which are endless: SyncRoot, Parent, …).
#>

function Compare-CliXmlObject {
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [AllowNull()] $Expected,
        [AllowNull()] $Actual,
        [string] $Path = '$',
        [int] $MaxDepth = 64
    )
    $seen = [System.Collections.Generic.HashSet[string]]::new()
    Compare-CliXmlNode -Expected $Expected -Actual $Actual -Path $Path -Depth $MaxDepth -Seen $seen
}

function Compare-CliXmlNode {
    param(
        [AllowNull()] $Expected,
        [AllowNull()] $Actual,
        [string] $Path,
        [int] $Depth,
        [System.Collections.Generic.HashSet[string]] $Seen
    )
    $expectedNull = [object]::ReferenceEquals($null, $Expected)
    $actualNull = [object]::ReferenceEquals($null, $Actual)
    if ($expectedNull -or $actualNull) {
        if ($expectedNull -ne $actualNull) { "${Path}: expected $(Format-CliXmlValue $Expected), got $(Format-CliXmlValue $Actual)" }
        return
    }
    if ($Depth -le 0) { return }

    # Plain assignments: an `if` expression would enumerate (and so unwrap) collections.
    $expectedBase = $Expected.PSObject.BaseObject
    $actualBase = $Actual.PSObject.BaseObject
    $expectedType = $expectedBase.GetType().FullName
    $actualType = $actualBase.GetType().FullName
    if ($expectedType -ne $actualType) {
        "${Path}: .NET type $expectedType, got $actualType"
        return
    }
    $expectedNames = @($Expected.PSObject.TypeNames) -join ', '
    $actualNames = @($Actual.PSObject.TypeNames) -join ', '
    if ($expectedNames -cne $actualNames) { "${Path}: type names [$expectedNames], got [$actualNames]" }
    # Collections print their items, which are compared one by one below.
    if ($expectedBase -isnot [System.Collections.IEnumerable] -or $expectedBase -is [string]) {
        if ($Expected.ToString() -cne $Actual.ToString()) { "${Path}: ToString '$Expected', got '$Actual'" }
    }

    $primitive = Test-CliXmlPrimitiveEqual -Expected $expectedBase -Actual $actualBase
    if ($null -ne $primitive) {
        if (-not $primitive) { "${Path}: expected $(Format-CliXmlValue $expectedBase), got $(Format-CliXmlValue $actualBase)" }
        Compare-CliXmlProperty $Expected $Actual $Path $Depth $Seen -InstanceOnly
        return
    }

    # Reference cycles (a hashtable containing itself): compare each pair of nodes once.
    $pair = '{0}:{1}' -f [System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($expectedBase),
        [System.Runtime.CompilerServices.RuntimeHelpers]::GetHashCode($actualBase)
    if (-not $Seen.Add($pair)) { return }

    if ($expectedBase -is [System.Collections.IDictionary]) {
        $e = @($expectedBase.GetEnumerator())
        $a = @($actualBase.GetEnumerator())
        if ($e.Count -ne $a.Count) { "${Path}: $($e.Count) dictionary entries, got $($a.Count)" }
        for ($i = 0; $i -lt [Math]::Min($e.Count, $a.Count); $i++) {
            Compare-CliXmlNode $e[$i].Key $a[$i].Key "$Path.Keys[$i]" ($Depth - 1) $Seen
            Compare-CliXmlNode $e[$i].Value $a[$i].Value "$Path[$($e[$i].Key)]" ($Depth - 1) $Seen
        }
        Compare-CliXmlProperty $Expected $Actual $Path $Depth $Seen -InstanceOnly
    } elseif ($expectedBase -is [System.Collections.IEnumerable]) {
        $e = [System.Collections.Generic.List[object]]::new()
        $a = [System.Collections.Generic.List[object]]::new()
        foreach ($item in $expectedBase) { $e.Add($item) }
        foreach ($item in $actualBase) { $a.Add($item) }
        if ($e.Count -ne $a.Count) { "${Path}: $($e.Count) items, got $($a.Count)" }
        for ($i = 0; $i -lt [Math]::Min($e.Count, $a.Count); $i++) {
            Compare-CliXmlNode $e[$i] $a[$i] "$Path[$i]" ($Depth - 1) $Seen
        }
        Compare-CliXmlProperty $Expected $Actual $Path $Depth $Seen -InstanceOnly
    } else {
        $walk = $expectedBase -is [System.Management.Automation.PSCustomObject] -or
            @($Expected.PSObject.TypeNames)[0] -like 'Deserialized.*'
        Compare-CliXmlProperty $Expected $Actual $Path $Depth $Seen -Shallow:(-not $walk)
    }
}

# $true/$false for primitive values (exact comparison), $null when the value is not one.
function Test-CliXmlPrimitiveEqual($Expected, $Actual) {
    if ($Expected -is [double]) { return [BitConverter]::DoubleToInt64Bits($Expected) -eq [BitConverter]::DoubleToInt64Bits($Actual) }
    if ($Expected -is [float]) { return [BitConverter]::SingleToInt32Bits($Expected) -eq [BitConverter]::SingleToInt32Bits($Actual) }
    if ($Expected -is [datetime]) { return $Expected.Ticks -eq $Actual.Ticks -and $Expected.Kind -eq $Actual.Kind }
    if ($Expected -is [byte[]]) { return [Convert]::ToBase64String($Expected) -ceq [Convert]::ToBase64String($Actual) }
    if ($Expected -is [securestring]) {
        return [System.Net.NetworkCredential]::new('', $Expected).Password -ceq [System.Net.NetworkCredential]::new('', $Actual).Password
    }
    if ($Expected -is [System.Xml.XmlDocument]) { return $Expected.OuterXml -ceq $Actual.OuterXml }
    $simple = [string], [char], [bool], [guid], [uri], [version], [decimal], [timespan], [byte], [sbyte],
        [int16], [uint16], [int], [uint32], [long], [uint64]
    foreach ($type in $simple) {
        if ($Expected -is $type) { return $Expected.Equals($Actual) -and "$Expected" -ceq "$Actual" }
    }
    if ($Expected -is [enum]) { return $Expected.Equals($Actual) }
    return $null
}

function Compare-CliXmlProperty {
    param($Expected, $Actual, [string] $Path, [int] $Depth, $Seen, [switch] $InstanceOnly, [switch] $Shallow)
    # -InstanceOnly: for primitives and collections only notes added to the instance carry
    # data (their type's own properties are derived from the value compared already).
    $filter = if ($InstanceOnly) { { $_.IsInstance -and $_.MemberType -eq 'NoteProperty' } } else { { $_.IsGettable } }
    $expectedProps = @($Expected.PSObject.Properties | Where-Object $filter)
    $actualProps = @($Actual.PSObject.Properties | Where-Object $filter)
    $expectedList = ($expectedProps | ForEach-Object { "$($_.Name):$($_.MemberType)" }) -join ', '
    $actualList = ($actualProps | ForEach-Object { "$($_.Name):$($_.MemberType)" }) -join ', '
    if ($expectedList -cne $actualList) {
        "${Path}: properties [$expectedList], got [$actualList]"
        return
    }
    foreach ($prop in $expectedProps) {
        $other = $Actual.PSObject.Properties[$prop.Name]
        if ($prop.TypeNameOfValue -cne $other.TypeNameOfValue) {
            "$Path.$($prop.Name): declared type $($prop.TypeNameOfValue), got $($other.TypeNameOfValue)"
        }
        try { $e = $prop.Value } catch { $e = "<throws $($_.Exception.GetType().Name)>" }
        try { $a = $other.Value } catch { $a = "<throws $($_.Exception.GetType().Name)>" }
        if ($Shallow) {
            if ("$e" -cne "$a") { "$Path.$($prop.Name): expected '$e', got '$a'" }
        } else {
            Compare-CliXmlNode $e $a "$Path.$($prop.Name)" ($Depth - 1) $Seen
        }
    }
}

function Format-CliXmlValue($Value) {
    if ([object]::ReferenceEquals($null, $Value)) { return '$null' }
    "[$($Value.GetType().Name)] '$Value'"
}
