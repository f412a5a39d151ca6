#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The module over HTTPS: the real psujobs server serving a self-signed certificate. The
    certificate is refused with the TlsFailure ErrorRecord (hinting at -TrustCertificate) until
    -TrustCertificate is given, on Connect-PSUServer or on the cmdlet itself.
#>

BeforeAll {
    Import-Module $env:PSUJOBS_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestServer -Tls
}

AfterAll {
    Disconnect-PSUServer
    if ($server) { Stop-TestServer $server }
}

Describe 'HTTPS with a self-signed certificate' {
    It 'serves https' {
        $server.Url | Should -BeLike 'https://127.0.0.1:*'
    }

    It 'refuses the certificate after Connect-PSUServer with a TlsFailure that hints at -TrustCertificate' {
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
        $err = { Get-PSUScript } | Should -Throw -ErrorId 'TlsFailure,PSUJobs.GetPSUScriptCommand' -PassThru
        $err.Exception.Message | Should -BeLike '*-TrustCertificate*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        # rustls's reason, not a generic network error: the issuer is nobody the system trusts.
        $err.Exception.Message | Should -BeLike '*certificate*'
    }

    It 'refuses it on a cmdlet given -ComputerName without -TrustCertificate' {
        Disconnect-PSUServer
        { Get-PSUJob -ComputerName $server.Url -AppToken $server.Token } | Should -Throw -ErrorId 'TlsFailure,PSUJobs.GetPSUJobCommand'
        # Invoke-PSUScript -Name asks for the script's parameters while PowerShell binds; that
        # failure keeps its own id too, even with script parameters on the command line.
        $err = { Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'x' -ComputerName $server.Url -AppToken $server.Token } |
            Should -Throw -ErrorId 'TlsFailure,PSUJobs.InvokePSUScriptCommand' -PassThru
        $err.Exception.Message | Should -BeLike '*-TrustCertificate*'
    }

    It 'works with Connect-PSUServer -TrustCertificate: a job runs and -Wait returns its output' {
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token -TrustCertificate
        (Get-PSUScript -Name 'Script1.ps1').FullPath | Should -Be 'Script1.ps1'
        Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'over TLS' -Wait | Should -Be 'Script1 got over TLS'
    }

    It 'works with -TrustCertificate on the cmdlet alone, without Connect-PSUServer' {
        Disconnect-PSUServer
        $job = Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'per cmdlet' -ComputerName $server.Url -AppToken $server.Token -TrustCertificate
        $job | Wait-PSUJob -ComputerName $server.Url -AppToken $server.Token -TrustCertificate | Should -Be 'Script1 got per cmdlet'
        (Get-PSUJob -Id $job.Id -ComputerName $server.Url -AppToken $server.Token -TrustCertificate).Status | Should -Be 'Completed'
    }

    It 'adds -TrustCertificate to a connection that lacks it, for one call' {
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
        (Get-PSUScript -Name 'Trivial.ps1' -TrustCertificate).Name | Should -Be 'Trivial.ps1'
        { Get-PSUScript -Name 'Trivial.ps1' } | Should -Throw -ErrorId 'TlsFailure,PSUJobs.GetPSUScriptCommand'
    }

    It 'completes script names over https only when the certificate is trusted' {
        Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
        $line = 'Invoke-PSUScript -Name Triv'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Not -Contain 'Trivial.ps1'
        $line = 'Invoke-PSUScript -TrustCertificate -Name Triv'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'Trivial.ps1'
    }
}
