#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The module where a real PSU answers differently from psujobs: a stand-in HTTP server gives
    PSU's documented answers (psu-api.md), so each test runs the whole module (C#, FFI, Rust
    client) against them. No PSU server is reachable from the test machine.
#>

BeforeAll {
    Import-Module $env:PSUJOBS_MODULE -Force

    # Serves $Routes (path -> JSON text; anything else 404) on a free loopback port from a
    # thread job until Stop-StandIn; returns the base URL and what was asked.
    function Start-StandIn([hashtable] $Routes) {
        $probe = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $probe.Start()
        $port = $probe.LocalEndpoint.Port
        $probe.Stop()
        $listener = [System.Net.HttpListener]::new()
        $listener.Prefixes.Add("http://127.0.0.1:$port/")
        $listener.Start()
        $asked = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        $job = Start-ThreadJob -ArgumentList $listener, $Routes, $asked {
            param($listener, $routes, $asked)
            while ($listener.IsListening) {
                try { $context = $listener.GetContext() } catch { break }
                $request = $context.Request
                $asked.Enqueue("$($request.HttpMethod) $($request.Url.AbsolutePath) Accept: $($request.Headers['Accept'])")
                $body = $routes[$request.Url.AbsolutePath]
                if ($null -eq $body) { $context.Response.StatusCode = 404; $body = '{}' }
                $context.Response.ContentType = 'application/json; charset=utf-8'
                $bytes = [System.Text.Encoding]::UTF8.GetBytes($body)
                $context.Response.OutputStream.Write($bytes, 0, $bytes.Length)
                $context.Response.Close()
            }
        }
        [pscustomobject]@{ Url = "http://127.0.0.1:$port"; Listener = $listener; Job = $job; Asked = $asked }
    }

    function Stop-StandIn($StandIn) {
        $StandIn.Listener.Stop()
        $StandIn.Job | Wait-Job -Timeout 10 | Remove-Job -Force
    }
}

Describe 'Against the answers of a real PSU' {
    It 'reads pipeline output PSU sends as JSON records although CliXml was asked for' {
        # PSU ignores Accept: application/clixml and answers with its records; its own hold
        # jsonData (CIEM), and a record holding a CliXml fragment is read as well.
        $standIn = Start-StandIn @{
            '/api/v1/job/7/pipelineOutput' = '[{"id":1,"jsonData":"[{\"value\":\"from psu\"},{\"value\":{\"Name\":\"disk\",\"Size\":5}}]"},{"id":2,"data":"<I32>5</I32>"}]'
        }
        try {
            $out = @(Get-PSUJobPipelineOutput -JobId 7 -ComputerName $standIn.Url -AppToken 'token' -ErrorAction Stop)
        } finally { Stop-StandIn $standIn }
        $out.Count | Should -Be 3
        $out[0] | Should -BeExactly 'from psu'
        $out[1].Name | Should -BeExactly 'disk'
        $out[1].Size | Should -Be 5
        $out[2] | Should -BeOfType [int]
        $out[2] | Should -Be 5
        @($standIn.Asked) | Should -Be @('GET /api/v1/job/7/pipelineOutput Accept: application/clixml')
    }
}
