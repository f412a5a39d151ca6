#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The packaged module (out/PSUJobs): manifest, exports, help, native library layout, and the
    native resolver's behaviour when the library is missing.
#>

BeforeDiscovery {
    # Every cmdlet the module exports; help is checked for each one.
    $script:cmdlets = @(
        'ConvertFrom-PSUCliXml', 'Connect-PSUServer', 'Disconnect-PSUServer', 'Get-PSUScript',
        'Invoke-PSUScript', 'Get-PSUJob', 'Wait-PSUJob', 'Stop-PSUJob', 'Get-PSUJobOutput',
        'Get-PSUJobPipelineOutput', 'Remove-PSUJobPipelineOutput', 'Get-PSUJobFeedback',
        'Set-PSUJobFeedback', 'Get-PSUJobParameter'
    )
}

BeforeAll {
    $script:manifest = $env:PSUJOBS_MODULE
    $script:moduleDir = Split-Path $manifest
    Import-Module $manifest -Force
}

Describe 'PSUJobs module' {
    It 'has a valid manifest for PowerShell 7.4+ Core' {
        $info = Test-ModuleManifest -Path $manifest
        $info.PowerShellVersion | Should -Be ([version]'7.4')
        $info.CompatiblePSEditions | Should -Be @('Core')
    }

    It 'exports exactly the listed cmdlets' -TestCases @{ Expected = $cmdlets } {
        @((Get-Module PSUJobs).ExportedCmdlets.Keys | Sort-Object) | Should -Be @($Expected | Sort-Object)
    }

    It 'ships the native library for this platform under runtimes/RID/native' {
        $lib = if ($IsWindows) { 'psujobs_native.dll' } elseif ($IsMacOS) { 'libpsujobs_native.dylib' } else { 'libpsujobs_native.so' }
        @(Get-ChildItem -LiteralPath (Join-Path $moduleDir 'runtimes') -Recurse -Filter $lib |
            Where-Object { $_.Directory.Name -eq 'native' }).Count | Should -Be 1
    }

    It '<_> has MAML help with a synopsis and examples' -ForEach $cmdlets {
        $help = Get-Help $_ -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -BeLike "*$_ *[<CommonParameters>]*"
        @($help.Examples.Example).Count | Should -BeGreaterOrEqual 2
    }

    It '<_> documents every parameter it has, in each syntax line of its sets' -ForEach $cmdlets {
        $command = Get-Command $_
        $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
        $help = Get-Help $_ -Full
        foreach ($name in $command.Parameters.Keys | Where-Object { $_ -notin $common }) {
            $entry = @($help.parameters.parameter | Where-Object Name -EQ $name)
            $entry.Count | Should -Be 1 -Because "-$name needs a help entry"
            "$($entry[0].description.Text)" | Should -Not -BeNullOrEmpty -Because "-$name needs a description"
        }
        foreach ($set in $command.ParameterSets) {
            $shown = @($help.syntax.syntaxItem | Where-Object {
                    $names = @($_.parameter.name)
                    @($set.Parameters.Name | Where-Object { $_ -notin $common -and $_ -notin $names }).Count -eq 0
                })
            $shown.Count | Should -BeGreaterOrEqual 1 -Because "a syntax line should show every parameter of set $($set.Name)"
        }
    }

    It 'fails with a clear error naming the expected path when the native library is missing' {
        $copy = Join-Path $TestDrive 'PSUJobs'
        Copy-Item $moduleDir $copy -Recurse
        Remove-Item (Join-Path $copy 'runtimes') -Recurse -Force
        # A child process: the native library of this session is already loaded.
        $out = & pwsh -NoLogo -NoProfile -Command "Import-Module '$copy/PSUJobs.psd1'; try { '<Objs />' | ConvertFrom-PSUCliXml } catch { `$_.Exception.ToString() }" 2>&1
        "$out" | Should -Match 'runtimes.+native.+not found|not found at .+runtimes'
    }
}

Describe 'Cancellation' {
    It 'stops a long decode promptly (StopProcessing reaches Rust)' {
        $file = Join-Path $TestDrive 'big.xml'
        1..120000 | ForEach-Object { [pscustomobject]@{ I = $_; S = "item $_" } } | Export-Clixml -LiteralPath $file
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddCommand('Import-Module').AddArgument($manifest).AddStatement().
                AddCommand('ConvertFrom-PSUCliXml').AddParameter('LiteralPath', $file)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 300
            $sw = [System.Diagnostics.Stopwatch]::StartNew()
            $ps.Stop()
            $sw.Stop()
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            $sw.Elapsed.TotalSeconds | Should -BeLessThan 2
        } finally {
            $ps.Dispose()
        }
    }
}
