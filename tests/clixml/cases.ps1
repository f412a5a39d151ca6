<#
.SYNOPSIS
    Writes the CliXml round-trip corpus: one <name>.xml per case, produced by PowerShell
    itself (Export-Clixml or [PSSerializer]::Serialize at depths 1-5).
.DESCRIPTION
    Used by native/clixml/tests/pwsh_roundtrip.rs and the module's conformance tests. Every
    CliXml element appears in at least one case (see the comments naming them).
#>
param(
    [Parameter(Mandatory)][string] $OutDir
)
$ErrorActionPreference = 'Stop'
New-Item -ItemType Directory -Force -Path $OutDir | Out-Null

$cases = [System.Collections.Generic.List[object]]::new()
# Via: 'Export' = Export-Clixml -InputObject (one top-level value),
#      'Pipeline' = values piped to Export-Clixml (one top-level value each),
#      'Serializer' = [PSSerializer]::Serialize($value, $depth).
function Add-Case([string] $Name, [scriptblock] $Value, [int] $Depth = 2, [string] $Via = 'Export') {
    $cases.Add([pscustomobject]@{ Name = $Name; Value = $Value; Depth = $Depth; Via = $Via })
}

# --- primitives (S, C, B, DT, TS, By, SB, I16, U16, I32, U32, I64, U64, Sg, Db, D, BA, G, URI, Version, XD, SBK, SS, PR, Nil)
Add-Case 'string-plain' { 'hello world' }
Add-Case 'string-empty' { '' } -Via Serializer -Depth 1
Add-Case 'string-whitespace' { '   ' }
Add-Case 'string-control-chars' { "tab`there`r`nnull`0bell`a esc`e del$([char]0x7f) c1$([char]0x85)" }
Add-Case 'string-emoji-astral' { "music 🎵 clef 𝄞 こんにちは 𐐷" } -Via Serializer
Add-Case 'string-underscore-x' { 'a_x005F_b _x000A_ _X0041_ Order_Details __x' }
Add-Case 'string-xml-specials' { '<tag attr="v">&amp; ''q'' ]]> </tag>' }
Add-Case 'string-long' { 'x' * 300000 } -Via Serializer -Depth 1
Add-Case 'char' { [char]'a' }
Add-Case 'char-surrogate-half' { [char]0xD83C }
Add-Case 'bool' { $true, $false } -Via Pipeline
Add-Case 'datetime-utc' { [datetime]::new(2020, 1, 2, 3, 4, 5, 678, [DateTimeKind]::Utc).AddTicks(9) } -Via Serializer
Add-Case 'datetime-local' { [datetime]::new(2021, 7, 23, 20, 7, 53, [DateTimeKind]::Local) }
Add-Case 'datetime-unspecified' { [datetime]::new(1999, 12, 31, 23, 59, 59, [DateTimeKind]::Unspecified) }
Add-Case 'datetime-extremes' { [datetime]::MinValue, [datetime]::MaxValue } -Via Pipeline
Add-Case 'get-date-with-notes' { Get-Date } -Depth 1
Add-Case 'timespans' { [timespan]::Zero, [timespan]::FromSeconds(10), [timespan]::FromMilliseconds(15.625), [timespan]::new(1, 2, 3, 4, 5), [timespan]::FromTicks(-10000000), [timespan]::MaxValue, [timespan]::MinValue } -Via Pipeline
Add-Case 'integers' { [byte]255, [sbyte]-128, [int16]-32768, [uint16]65535, [int]::MinValue, [int]::MaxValue, [uint32]::MaxValue, [long]::MinValue, [ulong]::MaxValue } -Via Pipeline
Add-Case 'singles' { [float]1.5, [float]1e7, [float]1e9, [float]::MaxValue, [float]::PositiveInfinity, [float]::NaN, [BitConverter]::Int32BitsToSingle([int]::MinValue), [float]0.1 } -Via Pipeline
Add-Case 'doubles' { 0.1, 1e15, 1e17, 1e-5, -1e-7, [double]::MaxValue, [double]::Epsilon, [double]::PositiveInfinity, [double]::NegativeInfinity, [double]::NaN, [BitConverter]::Int64BitsToDouble([long]::MinValue), 0.0, 123456789012345680.0 } -Via Pipeline
Add-Case 'decimals' { [decimal]1.50, [decimal]::MaxValue, [decimal]::MinValue, [decimal]'0.0001000', [decimal]0 } -Via Pipeline
Add-Case 'byte-array' { , [byte[]](0, 1, 2, 250, 255) }
Add-Case 'byte-array-empty' { , [byte[]]@() } -Via Serializer -Depth 1
Add-Case 'guid' { [guid]'0f8fad5b-d9cb-469f-a165-70867728950e' }
Add-Case 'uri' { [uri]'https://example.com/a path/?q=1&r=<2>#frag' }
Add-Case 'version' { [version]'1.2', [version]'1.2.3', [version]'1.2.3.4' } -Via Pipeline
Add-Case 'xmldocument' { [xml]'<root a="1&amp;2"><child>text &lt; more</child><!-- c --></root>' }
Add-Case 'scriptblock' { { Get-Date -Format 'o' | Out-String } } -Via Serializer
Add-Case 'securestring' { ConvertTo-SecureString 'p@ss wörd 🎵' -AsPlainText -Force }
Add-Case 'pscredential' { [pscredential]::new('DOMAIN\user', (ConvertTo-SecureString 'secret' -AsPlainText -Force)) }
Add-Case 'progressrecord' {
    $p = [System.Management.Automation.ProgressRecord]::new(7, 'Copying files', 'File 3 of 9')
    $p.CurrentOperation = 'a.txt'; $p.PercentComplete = 33; $p.SecondsRemaining = 12; $p.ParentActivityId = 1
    $p
}
Add-Case 'progressrecord-completed' {
    $p = [System.Management.Automation.ProgressRecord]::new(1, 'Done', 'x')
    $p.RecordType = 'Completed'
    $p
} -Via Serializer
Add-Case 'null' { $null }
Add-Case 'null-among-values' { 1, $null, 'a' } -Via Pipeline

# --- containers (LST, IE, STK, QUE, DCT) and dictionaries
Add-Case 'array-mixed' { , @(1, 'a', $null, 2.5, $true) }
Add-Case 'array-empty' { , @() }
Add-Case 'array-nested-depth5' { , @(1, @(2, @(3, @(4, @(5, 'deep'))))) } -Depth 5
Add-Case 'arraylist' { , [System.Collections.ArrayList]@('x', 'y') } -Via Serializer
Add-Case 'generic-list-int' { , [System.Collections.Generic.List[int]]@(3, 1, 2) }
Add-Case 'stack' { $s = [System.Collections.Stack]::new(); 1..3 | ForEach-Object { $s.Push($_) }; , $s }
Add-Case 'queue' { $q = [System.Collections.Queue]::new(); 'a', 'b', 'c' | ForEach-Object { $q.Enqueue($_) }; , $q }
Add-Case 'hashset-ie' { , [System.Collections.Generic.HashSet[string]]@('one', 'two') }
Add-Case 'hashtable' { @{ Name = 'n'; Count = 3; Nested = @{ Inner = @(1, 2) } } }
Add-Case 'ordered-dictionary' { [ordered]@{ z = 1; a = 2; m = [ordered]@{ x = 'y' } } } -Via Serializer -Depth 3
Add-Case 'case-insensitive-dictionary' {
    $d = [System.Collections.Generic.Dictionary[string, object]]::new([System.StringComparer]::OrdinalIgnoreCase)
    $d['Key'] = 'v'; $d['Other'] = 42
    $d
}
Add-Case 'dictionary-nonstring-keys' { @{ 1 = 'int key'; ([guid]::Empty) = 'guid key'; 'k' = $null } }
Add-Case 'dictionary-empty' { @{} } -Via Serializer

# --- enums (Obj + TN + ToString + integral base)
Add-Case 'enum-int' { [System.ConsoleColor]::Blue }
Add-Case 'enum-flags' { [System.IO.FileAttributes]'ReadOnly, Hidden, Archive' }
Add-Case 'enum-byte-backed' { [System.Security.AccessControl.AceFlags]::ObjectInherit }
Add-Case 'enum-undefined-value' { [System.DayOfWeek].GetEnumValues()[0] + 42 } -Via Serializer
Add-Case 'enum-in-object-depth1' { [pscustomobject]@{ Color = [System.ConsoleColor]::Red } } -Via Serializer -Depth 1

# --- complex objects (Obj, TN, TNRef, ToString, Props, MS, nested member sets, Ref)
Add-Case 'pscustomobject' { [pscustomobject]@{ Name = 'n'; Id = 1; When = [datetime]::new(2000, 1, 1, 0, 0, 0, [DateTimeKind]::Utc); Tags = @('a', 'b') } }
Add-Case 'pscustomobject-typename' { [pscustomobject]@{ PSTypeName = 'My.Custom.Type'; Value = 1 } } -Via Serializer
Add-Case 'pscustomobject-nested-depth5' {
    [pscustomobject]@{ L1 = [pscustomobject]@{ L2 = [pscustomobject]@{ L3 = [pscustomobject]@{ L4 = [pscustomobject]@{ L5 = 'bottom' } } } } }
} -Depth 5
Add-Case 'select-object' { Get-Item -LiteralPath $PSHOME | Select-Object Name, FullName, Exists }
Add-Case 'extended-primitive-string' { 'base' | Add-Member -NotePropertyName Note -NotePropertyValue 42 -PassThru } -Via Serializer
Add-Case 'extended-primitive-int' { 5 | Add-Member -NotePropertyName Unit -NotePropertyValue 'ms' -PassThru }
Add-Case 'member-set' {
    $o = [pscustomobject]@{ A = 1 }
    $o | Add-Member -MemberType MemberSet -Name PSStandardMembers -Value ([System.Management.Automation.PSMemberInfo[]]@(
        [System.Management.Automation.PSPropertySet]::new('DefaultDisplayPropertySet', [string[]]@('A'))))
    $o
}
Add-Case 'same-object-twice-ref' { $o = [pscustomobject]@{ Shared = 1 }; , @($o, $o) }
Add-Case 'ref-across-top-level' { $o = [pscustomobject]@{ Shared = 2 }; $o, $o } -Via Pipeline
Add-Case 'hashtable-self-cycle' { $h = @{ Name = 'cycle' }; $h['Self'] = $h; $h } -Via Serializer -Depth 3
Add-Case 'typename-reuse-tnref' { , @([pscustomobject]@{ A = 1 }, [pscustomobject]@{ A = 2 }, [pscustomobject]@{ A = 3 }) }
Add-Case 'intptr-tostring-only' { [pscustomobject]@{ Handle = [System.IntPtr]::new(2532) } } -Via Serializer
Add-Case 'datetimeoffset' { [datetimeoffset]::new(2021, 1, 2, 3, 4, 5, [timespan]::FromHours(-5)) } -Depth 1
Add-Case 'bigint' { [bigint]::Parse('123456789012345678901234567890') } -Depth 1
Add-Case 'semantic-version' { $PSVersionTable.PSVersion } -Depth 1
Add-Case 'psversiontable' { $PSVersionTable }
Add-Case 'cultureinfo' { [cultureinfo]'de-DE' } -Depth 1
Add-Case 'ipaddress' { [ipaddress]'192.168.1.10' } -Via Serializer -Depth 2
Add-Case 'plain-object-depth1' { [object]::new() } -Via Serializer -Depth 1

# --- well-known shapes
Add-Case 'errorrecord-thrown' { try { throw [System.IO.FileNotFoundException]::new('nope', 'x.txt') } catch { $_ } }
Add-Case 'errorrecord-write-error' {
    Write-Error -Message 'bad thing' -Category InvalidData -TargetObject 'tgt' -ErrorId 'My.Id' -ErrorAction SilentlyContinue -ErrorVariable ev
    $ev[0]
} -Depth 3
Add-Case 'informationrecord' { Write-Information -MessageData @{ k = 'v' } -Tags 't1', 't2' 6>&1 }
Add-Case 'warningrecord' { Write-Warning 'careful' 3>&1 } -Via Serializer
Add-Case 'verbose-debug-records' { Write-Verbose 'v' -Verbose 4>&1; Write-Debug 'd' -Debug 5>&1 } -Via Pipeline
Add-Case 'get-process-self' { Get-Process -Id $PID } -Depth 1
Add-Case 'get-item-file' { Get-Item -LiteralPath (Join-Path $PSHOME 'pwsh.dll') } -Depth 1
Add-Case 'get-item-directory' { Get-Item -LiteralPath $PSHOME } -Via Serializer -Depth 1
Add-Case 'get-childitem' { Get-ChildItem -LiteralPath $PSHOME -Filter '*.json' } -Via Pipeline -Depth 1
Add-Case 'get-command' { Get-Command Get-Date } -Depth 1
Add-Case 'depth3-process-threads' { Get-Process -Id $PID | Select-Object Id, ProcessName, @{ n = 'Threads'; e = { @($_.Threads | Select-Object -First 2 Id) } } } -Depth 3

foreach ($case in $cases) {
    $path = Join-Path $OutDir "$($case.Name).xml"
    $value = & $case.Value
    switch ($case.Via) {
        'Export' { Export-Clixml -LiteralPath $path -InputObject $value -Depth $case.Depth }
        'Pipeline' { $value | Export-Clixml -LiteralPath $path -Depth $case.Depth }
        'Serializer' {
            $xml = [System.Management.Automation.PSSerializer]::Serialize($value, $case.Depth)
            [System.IO.File]::WriteAllText($path, $xml, [System.Text.UTF8Encoding]::new($false))
        }
    }
}
"$($cases.Count) cases written to $OutDir"
