#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    ConvertFrom-PSUCliXml must return exactly what Import-Clixml returns. The corpus is written
    by PowerShell itself (tests/clixml/cases.ps1); both cmdlets read the same files, and
    tests/clixml/Compare-CliXmlObject.ps1 compares the graphs (types, type names, ToString,
    member types, values, DateTime kinds, float bits, references).
#>

BeforeDiscovery {
    $script:caseDir = Join-Path $PSScriptRoot "out/clixml-cases-$PID"
    & (Join-Path $PSScriptRoot 'clixml/cases.ps1') -OutDir $caseDir | Out-Null
    $script:cases = @(Get-ChildItem -LiteralPath $caseDir -Filter '*.xml' | Sort-Object Name |
        ForEach-Object { @{ Name = $_.BaseName; File = $_.FullName } })
    # Line-by-line piping is exercised on a spread of shapes, not all 60+ cases.
    $script:lineCases = @($cases | Where-Object { $_.Name -in 'hashtable-nested', 'pscustomobject', 'string-control-chars', 'get-process-self', 'ref-across-top-level', 'doubles' -or $_.Name -like 'datetime-*' })
}

BeforeAll {
    Import-Module $env:PSUJOBS_MODULE -Force
    . (Join-Path $PSScriptRoot 'clixml/Compare-CliXmlObject.ps1')
    $script:ns = 'xmlns="http://schemas.microsoft.com/powershell/2004/04"'

    function Assert-SameAsImport([string] $File, [object[]] $Actual) {
        $expected = @(Import-Clixml -LiteralPath $File)
        # A lone value is compared as itself: putting it in a list would let PowerShell unwrap
        # and re-wrap it, which loses the type names of a self-referencing dictionary on
        # either side (Import-Clixml's own output included).
        $differences = if ($expected.Count -eq 1 -and $Actual.Count -eq 1) {
            @(Compare-CliXmlObject -Expected $expected[0] -Actual $Actual[0])
        } else {
            @(Compare-CliXmlObject -Expected $expected -Actual $Actual)
        }
        $differences | Select-Object -First 10 | Should -BeNullOrEmpty
    }
}

AfterAll {
    Remove-Item -LiteralPath (Join-Path $PSScriptRoot "out/clixml-cases-$PID") -Recurse -Force -ErrorAction Ignore
}

Describe 'ConvertFrom-PSUCliXml matches Import-Clixml' {
    It 'has the corpus (at least 60 cases)' {
        $cases.Count | Should -BeGreaterOrEqual 60
    }

    It '<Name> via -LiteralPath' -ForEach $cases {
        Assert-SameAsImport $File @(ConvertFrom-PSUCliXml -LiteralPath $File -ErrorAction Stop)
    }

    It '<Name> via -Path' -ForEach @($cases | Select-Object -First 5) {
        Assert-SameAsImport $File @(ConvertFrom-PSUCliXml -Path $File -ErrorAction Stop)
    }

    It '<Name> piped as one string (Get-Content -Raw)' -ForEach $cases {
        Assert-SameAsImport $File @(Get-Content -LiteralPath $File -Raw | ConvertFrom-PSUCliXml -ErrorAction Stop)
    }

    It '<Name> piped line by line (Get-Content)' -ForEach $lineCases {
        Assert-SameAsImport $File @(Get-Content -LiteralPath $File | ConvertFrom-PSUCliXml -ErrorAction Stop)
    }
}

Describe 'Pipeline input' {
    It 'decodes each whole document in a pipeline of documents' {
        $docs = [System.Management.Automation.PSSerializer]::Serialize(1), [System.Management.Automation.PSSerializer]::Serialize('two')
        $out = @($docs | ConvertFrom-PSUCliXml)
        $out.Count | Should -Be 2
        $out[0] | Should -BeOfType [int]
        $out[1] | Should -BeExactly 'two'
    }

    It 'decodes an empty document to nothing' {
        @("<Objs Version=`"1.1.0.1`" $ns />" | ConvertFrom-PSUCliXml -ErrorAction Stop).Count | Should -Be 0
    }

    It 'accepts -InputObject by position' {
        ConvertFrom-PSUCliXml ([System.Management.Automation.PSSerializer]::Serialize(@{ k = 'v' })) |
            ForEach-Object { $_['k'] } | Should -BeExactly 'v'
    }

    It 'keeps reference identity across top-level objects' {
        $o = [pscustomobject]@{ A = 1 }
        $xml = [System.Management.Automation.PSSerializer]::Serialize(@($o, $o))
        $list = ConvertFrom-PSUCliXml $xml
        [object]::ReferenceEquals($list[0], $list[1]) | Should -BeTrue
    }

    It 'lets go of each object no Ref names once it has gone down the pipeline' {
        # PowerShell's deserializer keeps every object to the end of the document, so a long
        # document streamed through a pipeline is held whole. The control shows this test sees it.
        $path = Join-Path $TestDrive 'many.xml'
        1..3000 | ForEach-Object { [pscustomobject]@{ I = $_ } } | Export-Clixml -LiteralPath $path
        function Test-FirstKept([scriptblock] $Convert) {
            $first = $null
            $kept = $null
            & $Convert | ForEach-Object {
                if ($null -eq $first) { $first = [WeakReference]::new($_) }
                elseif ($_.I -eq 3000) { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); $kept = $first.IsAlive }
            }
            $kept
        }
        Test-FirstKept { ConvertFrom-PSUCliXml -LiteralPath $path } | Should -BeFalse
        Test-FirstKept { Get-Content -LiteralPath $path -Raw | ConvertFrom-PSUCliXml } | Should -BeFalse
        Test-FirstKept { Import-Clixml -LiteralPath $path } | Should -BeTrue
    }

    It 'lets go of an object whose RefId a later object redefines, as in joined job output' {
        # A job's pipeline output joined into one document repeats each object's own fragment,
        # so every object is RefId 0; here each also names itself, so RefId 0 is referenced.
        $objects = foreach ($i in 1..3000) {
            "<Obj RefId=`"0`"><TN RefId=`"0`"><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><I32 N=`"I`">$i</I32><Ref N=`"Self`" RefId=`"0`" /></MS></Obj>"
        }
        $path = Join-Path $TestDrive 'joined.xml'
        Set-Content -LiteralPath $path -Value "<Objs Version=`"1.1.0.1`" $ns>$(-join $objects)</Objs>" -NoNewline
        $first = $null
        $kept = $null
        ConvertFrom-PSUCliXml -LiteralPath $path | ForEach-Object {
            [object]::ReferenceEquals($_.Self, $_) | Should -BeTrue
            if ($null -eq $first) { $first = [WeakReference]::new($_) }
            elseif ($_.I -eq 3000) { [GC]::Collect(); [GC]::WaitForPendingFinalizers(); $kept = $first.IsAlive }
        }
        $kept | Should -BeFalse
    }

    It 'builds a dictionary that contains itself' {
        $h = @{ Name = 'c' }; $h['Self'] = $h
        $back = ConvertFrom-PSUCliXml ([System.Management.Automation.PSSerializer]::Serialize($h, 3))
        [object]::ReferenceEquals($back['Self'].PSObject.BaseObject, $back) | Should -BeTrue
    }
}

Describe 'Errors' {
    It 'reports invalid XML as ClixmlInvalid with the byte position' {
        $bad = "<Objs Version=`"1.1.0.1`" $ns><I32>1</I32><I32>oops</I32></Objs>"
        $out = @($bad | ConvertFrom-PSUCliXml -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out | Should -Be @(1)   # values before the error are still written
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ClixmlInvalid,PSUJobs.ConvertFromPSUCliXmlCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'InvalidData'
        $errs[0].Exception.Position | Should -Be $bad.IndexOf('<I32>oops')
        $errs[0].Exception.Message | Should -Match "at byte $($bad.IndexOf('<I32>oops'))"
    }

    It 'reports a truncated document' {
        $xml = [System.Management.Automation.PSSerializer]::Serialize(@{ a = 1 })
        $xml.Substring(0, $xml.Length - 20) | ConvertFrom-PSUCliXml -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ClixmlInvalid,PSUJobs.ConvertFromPSUCliXmlCommand'
    }

    It 'reports a dangling reference' {
        "<Objs Version=`"1.1.0.1`" $ns><Ref RefId=`"9`" /></Objs>" |
            ConvertFrom-PSUCliXml -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'ClixmlInvalid,PSUJobs.ConvertFromPSUCliXmlCommand'
    }

    It 'reports a missing file per path and goes on with the next' {
        $good = Join-Path $TestDrive 'good.xml'
        Export-Clixml -LiteralPath $good -InputObject 5
        $missing = Join-Path $TestDrive 'missing.xml'
        $out = @(ConvertFrom-PSUCliXml -LiteralPath $missing, $good -ErrorVariable errs -ErrorAction SilentlyContinue)
        $out | Should -Be @(5)
        $errs[0].FullyQualifiedErrorId | Should -BeExactly 'IoError,PSUJobs.ConvertFromPSUCliXmlCommand'
        $errs[0].CategoryInfo.Category | Should -Be 'ReadError'
    }

    It 'reports a -Path wildcard that matches nothing' {
        ConvertFrom-PSUCliXml -Path (Join-Path $TestDrive 'nothing*.xml') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs.Count | Should -Be 0   # a wildcard that matches nothing is not an error, as for Import-Clixml
        ConvertFrom-PSUCliXml -Path (Join-Path $TestDrive 'nothing.xml') -ErrorVariable errs -ErrorAction SilentlyContinue
        $errs[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
    }

    It 'is a terminating error with -ErrorAction Stop' {
        { "<Objs $ns><Bogus/></Objs>" | ConvertFrom-PSUCliXml -ErrorAction Stop } | Should -Throw -ErrorId 'ClixmlInvalid,PSUJobs.ConvertFromPSUCliXmlCommand'
    }
}
