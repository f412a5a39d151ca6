#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The job cmdlets end to end: the module (C# over the Rust client) against the real psujobs
    server, which runs every job in a real pwsh. Scripts live in tests/scripts.
#>

BeforeAll {
    Import-Module $env:PSUJOBS_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    # A second environment that no script names and no job ran in, so completing -Environment
    # can only have it from the server's environment list. Minimal: no warm process is kept.
    $script:server = Start-TestServer -Config "[environments.'shell env']`nkind = 'minimal'`nexecutable = '/bin/sh'`n[scripts.'Flaky.ps1']`nRetryLimit = 1"
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token
}

AfterAll {
    Disconnect-PSUServer
    if ($server) { Stop-TestServer $server }
}

Describe 'Connect-PSUServer and connection parameters' {
    AfterEach { Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token }

    It 'asks for a computer name when there is no connection' {
        Disconnect-PSUServer
        { Get-PSUScript } | Should -Throw -ErrorId 'NoConnection,PSUJobs.GetPSUScriptCommand' -ExpectedMessage 'Specify a computer name or use the Connect-PSUServer command.'
    }

    It 'takes -ComputerName (alias Uri) and -AppToken on every cmdlet' {
        Disconnect-PSUServer
        (Get-PSUScript -ComputerName $server.Url -AppToken $server.Token).FullPath | Should -Contain 'Script1.ps1'
        (Get-PSUScript -Uri $server.Url -AppToken $server.Token -Name 'Script1.ps1').Name | Should -Be 'Script1.ps1'
    }

    It 'reports an unreachable server as ServerUnreachable' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
        { Get-PSUScript -ComputerName "http://127.0.0.1:$port" -AppToken x } | Should -Throw -ErrorId 'ServerUnreachable,PSUJobs.GetPSUScriptCommand'
        # Invoke-PSUScript meets the failure while PowerShell asks for its dynamic parameters,
        # with a script parameter already on the command line: the id is still the client's.
        { Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'x' -ComputerName "http://127.0.0.1:$port" -AppToken x } |
            Should -Throw -ErrorId 'ServerUnreachable,PSUJobs.InvokePSUScriptCommand'
    }

    It 'never ignores -UseDefaultCredentials: a warning beside an app token, an error without one' {
        Disconnect-PSUServer
        { Connect-PSUServer -ComputerName $server.Url -UseDefaultCredentials } | Should -Throw -ErrorId 'DefaultCredentialsNotSupported,PSUJobs.ConnectPSUServerCommand'
        { Get-PSUScript -ComputerName $server.Url -UseDefaultCredentials } | Should -Throw -ErrorId 'DefaultCredentialsNotSupported,PSUJobs.GetPSUScriptCommand'
        $scripts = Get-PSUScript -ComputerName $server.Url -AppToken $server.Token -UseDefaultCredentials -WarningVariable warnings -WarningAction SilentlyContinue
        $scripts.FullPath | Should -Contain 'Script1.ps1'
        "$warnings" | Should -BeLike '*-UseDefaultCredentials*not supported*'
    }

    It 'reports a bad app token as Unauthorized' {
        { Get-PSUJob -AppToken 'not-a-token' -First 1 } | Should -Throw -ErrorId 'Unauthorized,PSUJobs.GetPSUJobCommand'
    }

    It 'reports a role that may not run scripts as Forbidden' {
        $reader = New-TestToken -Server $server -Role reader
        (Get-PSUScript -AppToken $reader -Name 'Trivial.ps1').Name | Should -Be 'Trivial.ps1'
        { Invoke-PSUScript -Name 'Trivial.ps1' -AppToken $reader } | Should -Throw -ErrorId 'Forbidden,PSUJobs.InvokePSUScriptCommand'
    }

    It 'reports a TLS failure with a hint about -TrustCertificate' {
        $https = $server.Url -replace '^http:', 'https:'
        $err = { Get-PSUScript -ComputerName $https -AppToken $server.Token } | Should -Throw -ErrorId 'TlsFailure,PSUJobs.GetPSUScriptCommand' -PassThru
        $err.Exception.Message | Should -BeLike '*-TrustCertificate*'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
    }

    It 'reports unknown jobs and scripts as not found' {
        { Get-PSUJob -Id 987654 -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound,PSUJobs.GetPSUJobCommand'
        { Get-PSUScript -Name 'NoSuchScript.ps1' -ErrorAction Stop } | Should -Throw -ErrorId 'ScriptNotFound,PSUJobs.GetPSUScriptCommand'
        { Get-PSUScript -Id 987654 -ErrorAction Stop } | Should -Throw -ErrorId 'ScriptNotFound,PSUJobs.GetPSUScriptCommand'
        { Invoke-PSUScript -Name 'NoSuchScript.ps1' -Anything 1 } | Should -Throw -ErrorId 'ScriptNotFound,PSUJobs.InvokePSUScriptCommand'
    }
}

Describe 'Get-PSUScript' {
    It 'lists every script of the repository as typed objects' {
        $scripts = Get-PSUScript
        $scripts.FullPath | Should -Contain 'Types.ps1'
        $scripts[0] | Should -BeOfType 'PSUJobs.Models.Script'
    }

    It 'gets one by -Id and by -Name, positionally, and by wildcard' {
        $one = Get-PSUScript 'Script1.ps1'
        (Get-PSUScript -Id $one.Id).FullPath | Should -Be 'Script1.ps1'
        (Get-PSUScript $one.Id).Name | Should -Be 'Script1.ps1'
        (Get-PSUScript -Name 'Script1').Id | Should -Be $one.Id
        @(Get-PSUScript -Name 'Scr*').FullPath | Should -Be @('Script.ps1', 'Script1.ps1')
    }

    It 'completes script names from the server: <_>' -ForEach @(
        # -Script takes a Script object or a name, so a name is completed there too.
        'Invoke-PSUScript -Name Scri', 'Invoke-PSUScript -Script Scri', 'Get-PSUJob -Script Scri'
    ) {
        $completion = TabExpansion2 -inputScript $_ -cursorColumn $_.Length
        $completion.CompletionMatches.CompletionText | Should -Contain 'Script1.ps1'
    }

    It 'completes -Environment from the server''s environment list' {
        $line = 'Invoke-PSUScript -Name Trivial.ps1 -Environment '
        $offered = (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches
        $offered.CompletionText | Should -Be @('pwsh', "'shell env'")
        $offered[1].ToolTip | Should -Be '/bin/sh'
        $line = 'Invoke-PSUScript -Name Trivial.ps1 -Environment sh'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.ListItemText | Should -Be @('shell env')
    }
}

Describe 'Invoke-PSUScript' {
    It 'runs the documented seed example with -Wait and returns the pipeline output' {
        Invoke-PSUScript -Script 'Script1.ps1' -RequiredParameter 'Hello' -Wait | Should -Be 'Script1 got Hello'
    }

    It 'returns the Job without -Wait, and Wait-PSUJob takes it from the pipeline' {
        $job = Invoke-PSUScript -Script 'Script1.ps1' -RequiredParameter 'Hello'
        $job | Should -BeOfType 'PSUJobs.Models.Job'
        $job.ScriptFullPath | Should -Be 'Script1.ps1'
        $job.Status | Should -BeOfType 'PSUJobs.Models.JobStatus'
        Invoke-PSUScript -Script 'Script1.ps1' -RequiredParameter 'Hello' | Wait-PSUJob | Should -Be 'Script1 got Hello'
    }

    It 'takes the script by -Id, by -Name and from Get-PSUScript in the pipeline' {
        $script = Get-PSUScript -Name 'Script.ps1'
        (Invoke-PSUScript -Id $script.Id -Label 'by-id' -Wait).Label | Should -Be 'by-id'
        (Invoke-PSUScript -Name 'Script.ps1' -Label 'by-name' -Wait).Label | Should -Be 'by-name'
        $job = Get-PSUScript -Name 'Script.ps1' | Invoke-PSUScript -Parameters @{ Label = 'piped' }
        ($job | Wait-PSUJob).Label | Should -Be 'piped'
    }

    It 'sends -Parameters as script parameters' {
        Invoke-PSUScript -Name 'Script1.ps1' -Parameters @{ RequiredParameter = 'from a hashtable' } -Wait | Should -Be 'Script1 got from a hashtable'
    }

    It 'binds a dynamic parameter of every supported type' {
        $when = [datetime]::new(2024, 5, 6, 7, 8, 9, [DateTimeKind]::Utc)
        $r = Invoke-PSUScript -Name 'Types.ps1' -Text 'hi' -Count 3 -Names 'a', 'b' -Flag $true -Loud -Day Tuesday `
            -When $when -Color Green -Wait -WaitTimeout 120
        $r.Text.Type | Should -Be 'System.String'
        $r.Text.Value | Should -Be 'hi'
        $r.Count.Type | Should -Be 'System.Int32'
        $r.Count.Value | Should -Be 3
        $r.Names.Type | Should -Be 'System.String[]'
        $r.Names.Value | Should -Be 'a,b'
        $r.Flag.Type | Should -Be 'System.Boolean'
        $r.Flag.Value | Should -BeTrue
        $r.Loud | Should -BeTrue
        $r.Day.Type | Should -Be 'System.DayOfWeek'
        "$($r.Day.Value)" | Should -Be 'Tuesday'
        $r.When | Should -Be '2024-05-06T07:08:09.0000000Z'
        $r.Color | Should -Be 'Green'
    }

    It 'binds a PSCredential dynamic parameter' {
        # Bounded: a server that cannot hand the secret to the job must fail this, not hang it.
        $login = [pscredential]::new('svc-user', (ConvertTo-SecureString 'p@ss w0rd' -AsPlainText -Force))
        $r = Invoke-PSUScript -Name 'Types.ps1' -Text 'cred' -Login $login -Wait -WaitTimeout 120
        $r.LoginUser | Should -Be 'svc-user'
        $r.LoginPassword | Should -Be 'p@ss w0rd'
    }

    It 'binds script parameters by position after the script' {
        $r = Invoke-PSUScript 'Types.ps1' 'positional text' 7 -Wait
        $r.Text.Value | Should -Be 'positional text'
        $r.Count.Value | Should -Be 7
    }

    It 'exposes the script parameters with their types, mandatory flags, positions, sets and help' {
        $parameters = (Get-Command Invoke-PSUScript -ArgumentList 'Types.ps1').Parameters
        $parameters['Count'].ParameterType | Should -Be ([int])
        $parameters['Names'].ParameterType | Should -Be ([string[]])
        $parameters['Loud'].ParameterType | Should -Be ([switch])
        $parameters['When'].ParameterType | Should -Be ([datetime])
        $parameters['Login'].ParameterType | Should -Be ([pscredential])
        $text = $parameters['Text'].Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] }
        $text.Mandatory | Should -BeTrue
        $text.Position | Should -Be 1
        $text.HelpMessage | Should -Be 'Any text'
        ($parameters['Color'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues |
            Should -Be @('Red', 'Green', 'Blue')
        ($parameters['Day'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }).ValidValues |
            Should -Contain 'Tuesday'
    }

    It 'validates a validate-set parameter before anything runs' {
        { Invoke-PSUScript -Name 'Types.ps1' -Text 'x' -Color Purple } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSUJobs.InvokePSUScriptCommand'
    }

    It 'passes -Environment, -Notes and -Tags to the job' {
        $job = Invoke-PSUScript -Name 'Trivial.ps1' -PowerShellVersion 'pwsh' -Notes 'a note' -Tags 'alpha', 'beta'
        $job.Environment | Should -Be 'pwsh'
        $job.Notes | Should -Be 'a note'
        $job.Tags | Should -Be @('alpha', 'beta')
        { Invoke-PSUScript -Name 'Trivial.ps1' -Environment 'no-such-env' } | Should -Throw -ErrorId 'BadRequest,PSUJobs.InvokePSUScriptCommand'
    }

    It 'gives up after -WaitTimeout, leaving the job running' {
        $elapsed = Measure-Command {
            { Invoke-PSUScript -Name 'Sleep.ps1' -Seconds 30 -Wait -WaitTimeout 1 } | Should -Throw -ErrorId 'WaitTimeout,PSUJobs.InvokePSUScriptCommand'
        }
        $elapsed.TotalSeconds | Should -BeLessThan 10
        $running = Get-PSUScript -Name 'Sleep.ps1' | Get-PSUJob -OrderDirection Descending -First 1
        $running.Status | Should -BeIn 'Queued', 'Running'
        Stop-PSUJob -Job $running -Confirm:$false
    }
}

Describe 'Wait-PSUJob' {
    It 'replays the job''s streams into the caller''s own streams' {
        $all = Invoke-PSUScript -Name 'Streams.ps1' -Wait -Verbose -InformationAction Continue -ErrorAction Continue *>&1
        $warning = $all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }
        $warning.Message | Should -Be 'careful now'
        ($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message | Should -Contain 'verbose detail'
        $information = $all | Where-Object { $_ -is [System.Management.Automation.InformationRecord] }
        "$($information | Where-Object { $_.Tags -notcontains 'PSHOST' } | Select-Object -First 1)" | Should -Be 'for your information'
        $hostRecord = $information | Where-Object { $_.Tags -contains 'PSHOST' }
        "$hostRecord" | Should -Be 'host text'
        $hostRecord.MessageData.ForegroundColor | Should -Be 'Green' -Because 'Write-Host colours are replayed'
        $err = $all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }
        $err.Exception.Message | Should -Be 'a non-terminating problem'
        $err.FullyQualifiedErrorId | Should -BeLike 'Streams.Problem*'
        $all | Where-Object { $_ -is [string] } | Should -Be 'done'
    }

    It 'relays nothing with -Silent' {
        $job = Invoke-PSUScript -Name 'Streams.ps1'
        $all = Wait-PSUJob -Job $job -Silent -Verbose -InformationAction Continue *>&1
        $all | Should -Be 'done'
    }

    It 'waits by -JobId and by -JobRunId' {
        $job = Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'ids'
        Wait-PSUJob -JobId $job.Id | Should -Be 'Script1 got ids'
        Wait-PSUJob -JobRunId $job.RunId | Should -Be 'Script1 got ids'
    }

    It 'turns a failed job into a terminating error carrying the job''s error' {
        $err = { Invoke-PSUScript -Name 'Fail.ps1' -Wait -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'JobFailed,PSUJobs.InvokePSUScriptCommand' -PassThru
        $err.Exception.Message | Should -BeLike '*it broke on purpose*'
        $job = Get-PSUScript -Name 'Fail.ps1' | Get-PSUJob -First 1
        { $job | Wait-PSUJob -ErrorAction SilentlyContinue } | Should -Throw -ErrorId 'JobFailed,PSUJobs.WaitPSUJobCommand'
    }

    It 'waits through the runs RetryLimit gives a failed job, for the last run''s output' {
        (Get-PSUScript -Name 'Flaky.ps1').RetryLimit | Should -Be 1
        $job = Invoke-PSUScript -Name 'Flaky.ps1' -Marker (Join-Path $TestDrive 'flaky.marker')
        $job | Wait-PSUJob | Should -Be 'run', 'done'
        $done = Get-PSUJob -Id $job.Id
        $done.Status | Should -Be 'Completed'
        $done.RetryCount | Should -Be 1
        (Get-PSUJobOutput -Job $job -AsObject | Where-Object Type -eq 'Information').Message |
            Should -BeLike 'run 1 of 2 failed: *transient failure*; running the script again'
    }

    It 'starts every job piped in from Invoke-PSUScript before waiting for the first' {
        # Waiting for each job as it arrived would start the next only once the one before
        # had ended: 3 jobs of 2 s would take 6 s, with every job created after another ended.
        $jobs = [System.Collections.Generic.List[object]]::new()
        $out = 1..3 | ForEach-Object { Invoke-PSUScript -Name 'Sleep.ps1' -Seconds 2 } |
            ForEach-Object { $jobs.Add($_); $_ } | Wait-PSUJob
        $out | Should -Be 'woke up', 'woke up', 'woke up'
        $done = $jobs | Get-PSUJob
        $done.Status | Sort-Object -Unique | Should -Be 'Completed'
        ($done.CreatedTime | Measure-Object -Maximum).Maximum |
            Should -BeLessThan ($done.EndTime | Measure-Object -Minimum).Minimum
    }

    It 'gives up after -Timeout' {
        $job = Invoke-PSUScript -Name 'Sleep.ps1' -Seconds 30
        try {
            { Wait-PSUJob -Job $job -Timeout 1 } | Should -Throw -ErrorId 'WaitTimeout,PSUJobs.WaitPSUJobCommand'
        } finally {
            Stop-PSUJob -Job $job -Confirm:$false
        }
    }

    It 'stops waiting at once on Ctrl+C (StopProcessing), leaving the job running' {
        $job = Invoke-PSUScript -Name 'Sleep.ps1' -Seconds 30
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript('param($m, $u, $t, $id) Import-Module $m; Wait-PSUJob -JobId $id -ComputerName $u -AppToken $t').
                AddArgument($env:PSUJOBS_MODULE).AddArgument($server.Url).AddArgument($server.Token).AddArgument($job.Id)
            $async = $ps.BeginInvoke()
            Wait-Until { (Get-PSUJob -Id $job.Id).Status -eq 'Running' }
            Start-Sleep -Milliseconds 500
            $ps.InvocationStateInfo.State | Should -Be 'Running'
            $stopped = Measure-Command { $ps.Stop() }
            $stopped.TotalSeconds | Should -BeLessThan 3
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
            (Get-PSUJob -Id $job.Id).Status | Should -Be 'Running'
        } finally {
            $ps.Dispose()
            Stop-PSUJob -Job $job -Confirm:$false
        }
    }

    Context 'relaying prompts to the caller''s host' {
        BeforeAll {
            # A host of our own stands in for the operator's console: ConsoleHost cannot read a
            # secure prompt from redirected input, and this drives the very host calls the relay
            # makes (Prompt for Read-Host -Prompt, a secure field for -AsSecureString). Once out
            # of answers it throws, as a console in NonInteractive mode does.
            if (-not ('PSUJobsTests.ScriptedHost' -as [type])) {
                Add-Type -TypeDefinition (Get-Content -Raw (Join-Path $PSScriptRoot 'ScriptedHost.cs'))
            }

            function Start-PromptJob([string[]] $Answers) {
                # Prompt.ps1 started and waited for in a runspace on a scripted host; the job
                # lands in .Job as soon as it is started.
                $run = @{ Host = [PSUJobsTests.ScriptedHost]::new($Answers); Job = [hashtable]::Synchronized(@{}) }
                $run.Runspace = [runspacefactory]::CreateRunspace($run.Host)
                $run.Runspace.Open()
                $run.PowerShell = [powershell]::Create()
                $run.PowerShell.Runspace = $run.Runspace
                $null = $run.PowerShell.AddScript({
                    param($Module, $Url, $Token, $Started)
                    Import-Module $Module
                    Connect-PSUServer -ComputerName $Url -AppToken $Token
                    $Started.Job = Invoke-PSUScript -Name 'Prompt.ps1'
                    $Started.Job | Wait-PSUJob
                }).AddArgument($env:PSUJOBS_MODULE).AddArgument($server.Url).AddArgument($server.Token).AddArgument($run.Job)
                $run.Pending = $run.PowerShell.BeginInvoke()
                $run
            }

            function Complete-PromptJob($Run) {
                try {
                    $Run.Pending.AsyncWaitHandle.WaitOne(90000) | Should -BeTrue
                    $Run.PowerShell.EndInvoke($Run.Pending)
                } finally {
                    $Run.PowerShell.Dispose()
                    $Run.Runspace.Dispose()
                }
            }
        }

        It 'asks the job''s prompts on the caller''s host and answers from its input' {
            $run = Start-PromptJob 'Grace', 'sesame!'
            $out = Complete-PromptJob $run
            $run.PowerShell.Streams.Error | Should -BeNullOrEmpty
            $run.Host.UI.Asked | Should -Be @('Your name', 'Your secret')
            $run.Host.UI.Unanswered | Should -Be 0
            $out | Should -Be 'Hello Grace, your secret has 7 characters and starts with s'
        }

        It 'says so and goes on waiting when the caller''s host cannot answer' {
            $run = Start-PromptJob 'Grace'
            Wait-Until { $run.Job.Job -and (Get-PSUJobFeedback -Job $run.Job.Job).Fields.Name -eq 'Your secret' }
            Wait-Until { $run.PowerShell.Streams.Warning.Count -eq 1 }
            $run.PowerShell.InvocationStateInfo.State | Should -Be 'Running' -Because 'the wait goes on'
            $run.PowerShell.Streams.Warning[0].Message | Should -BeLike "Job $($run.Job.Job.Id) waits for an answer to ""Your secret"", which this console cannot give (the script has no answer for: Your secret). Answer it with Set-PSUJobFeedback*"
            Get-PSUJobFeedback -Job $run.Job.Job | Set-PSUJobFeedback -Response 'hunter2'
            Complete-PromptJob $run | Should -Be 'Hello Grace, your secret has 7 characters and starts with h'
            $run.PowerShell.Streams.Error | Should -BeNullOrEmpty
        }
    }
}

Describe 'Get-PSUJob' {
    BeforeAll {
        $script:s1Job = Invoke-PSUScript -Name 'Script.ps1' -Label 'one'
        $s1Job | Wait-PSUJob | Out-Null
        $script:latest = Invoke-PSUScript -Name 'Script.ps1' -Label 'latest'
        $latest | Wait-PSUJob | Out-Null
    }

    It 'runs the documented seed example: the script''s latest job''s pipeline output' {
        $out = Get-PSUScript -Name 'Script.ps1' | Get-PSUJob -OrderDirection Descending -First 1 | Get-PSUJobPipelineOutput
        $out.Label | Should -Be 'latest'
        $out.Source | Should -Be 'Script.ps1'
        $out.pstypenames | Should -Contain 'Deserialized.System.Management.Automation.PSCustomObject'
    }

    It 'serves the same output over REST as PSU does, for scripts written against PSU''s API' {
        # As a REST client written for PSU reads a job's last pipeline object (jsonData).
        $records = Invoke-RestMethod "$($server.Url)/api/v1/job/$($latest.Id)/pipelineOutput" -Headers @{ Authorization = "Bearer $($server.Token)" }
        $value = ($records[-1].jsonData | ConvertFrom-Json).value
        $value.Source | Should -Be 'Script.ps1'
        $value.Label | Should -Be 'latest'
        $value.Number | Should -Be 42
    }

    It 'gets each script''s latest job from Get-PSUScript in the pipeline' {
        $jobs = Get-PSUScript | Get-PSUJob -OrderDirection Descending -First 1
        ($jobs | Where-Object ScriptFullPath -eq 'Script.ps1').Id | Should -Be $latest.Id
        ($jobs.ScriptFullPath | Group-Object | Where-Object Count -gt 1) | Should -BeNullOrEmpty
    }

    It 'gets one job by -Id (positionally) and by -RunId' {
        (Get-PSUJob -Id $latest.Id).RunId | Should -Be $latest.RunId
        (Get-PSUJob $latest.Id).Id | Should -Be $latest.Id
        (Get-PSUJob -RunId $latest.RunId).Id | Should -Be $latest.Id
    }

    It 'reads a job piped in afresh' {
        # $latest was returned by Invoke-PSUScript, Queued or Running then; the job has ended.
        $latest.Status | Should -BeIn 'Queued', 'Running'
        $fresh = $latest | Get-PSUJob
        $fresh.Id | Should -Be $latest.Id
        $fresh.Status | Should -Be 'Completed'
        (Get-PSUJob -Job $s1Job).Id | Should -Be $s1Job.Id
    }

    It 'filters by -Status and pages with -First, -Skip and -IncludeTotalCount' {
        @(Get-PSUJob -Status Completed -First 5).Status | Sort-Object -Unique | Should -Be 'Completed'
        $ascending = @(Get-PSUJob -OrderBy Id -OrderDirection Ascending -First 3)
        $ascending.Count | Should -Be 3
        $ascending.Id | Should -Be ($ascending.Id | Sort-Object)
        $skipped = Get-PSUJob -OrderBy Id -OrderDirection Ascending -Skip 1 -First 1
        $skipped.Id | Should -Be $ascending[1].Id
        $withTotal = @(Get-PSUJob -First 1 -IncludeTotalCount)
        $withTotal[0].GetType().Name | Should -Not -Be 'Job'
        [int64]$withTotal[0] | Should -BeGreaterThan 3
        @(Get-PSUJob).Count | Should -Be ([int64]$withTotal[0])
    }
}

Describe 'Job output, parameters and pipeline output' {
    BeforeAll {
        $script:streams = Invoke-PSUScript -Name 'Streams.ps1'
        $streams | Wait-PSUJob -Silent | Out-Null
    }

    It 'returns the stream output as text by default' {
        $text = Get-PSUJobOutput -Job $streams
        $text | Should -BeOfType [string]
        $text | Should -Match '\[warning\] careful now'
        $text | Should -Match 'a non-terminating problem'
    }

    It 'returns records with stream type and timestamp with -AsObject, capped by -Limit' {
        $records = Get-PSUJobOutput -JobId $streams.Id -AsObject
        ($records | Where-Object Type -eq 'Warning').Message | Should -Be 'careful now'
        ($records | Where-Object Type -eq 'Error').Message | Should -Be 'a non-terminating problem'
        $records[0].Timestamp | Should -BeOfType [datetime]
        @(Get-PSUJobOutput -RunId $streams.RunId -AsObject -Limit 1).Count | Should -Be 1
        @((Get-PSUJobOutput -Job $streams -Limit 1) -split "`n").Count | Should -Be 1
    }

    It 'returns the parameters a job was started with' {
        $job = Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'remember me'
        $parameter = Get-PSUJobParameter -Job $job
        $parameter.Name | Should -Be 'RequiredParameter'
        $parameter.Value | Should -Be 'remember me'
        (Get-PSUJobParameter -JobId $job.Id).Name | Should -Be 'RequiredParameter'
    }

    It 'returns the same objects PowerShell''s own deserializer gives for the stored CliXml' {
        $job = Invoke-PSUScript -Name 'Many.ps1' -Count 3
        $out = @($job | Wait-PSUJob)
        $out.Count | Should -Be 3
        $again = @(Get-PSUJobPipelineOutput -JobId $job.Id)
        $headers = @{ Authorization = "Bearer $($server.Token)"; Accept = 'application/clixml' }
        # application/clixml is not a text type to Invoke-WebRequest: Content is the raw bytes.
        $text = [System.Text.Encoding]::UTF8.GetString((Invoke-WebRequest -Uri "$($server.Url)/api/v1/job/$($job.Id)/pipelineOutput" -Headers $headers).RawContentStream.ToArray())
        $reference = @([System.Management.Automation.PSSerializer]::DeserializeAsList($text))
        foreach ($i in 0..2) {
            $again[$i].pstypenames | Should -Be $reference[$i].pstypenames
            $again[$i].Id | Should -Be $reference[$i].Id
            $again[$i].Name | Should -Be $reference[$i].Name
            $again[$i].When | Should -Be $reference[$i].When
            $again[$i].When.Kind | Should -Be $reference[$i].When.Kind
            $again[$i].Even | Should -Be $reference[$i].Even
            $out[$i].Name | Should -Be $reference[$i].Name
        }
    }

    It 'removes the pipeline output, honouring -WhatIf' {
        $job = Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'x'
        $job | Wait-PSUJob | Out-Null
        Remove-PSUJobPipelineOutput -Job $job -WhatIf
        Get-PSUJobPipelineOutput -Job $job | Should -Be 'Script1 got x'
        Remove-PSUJobPipelineOutput -JobId $job.Id -Confirm:$false
        Get-PSUJobPipelineOutput -Job $job | Should -BeNullOrEmpty
    }

    It 'takes jobs and job ids from the pipeline' {
        $jobs = 'a', 'b', 'c' | ForEach-Object { Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter $_ }
        $jobs | Wait-PSUJob | Out-Null
        $jobs[0].Id | Remove-PSUJobPipelineOutput -WhatIf
        Get-PSUJobPipelineOutput -Job $jobs[0] | Should -Be 'Script1 got a'
        Get-PSUJob -Id $jobs[0].Id | Remove-PSUJobPipelineOutput -Confirm:$false
        # Ids as PSU's Remove-PSUJobPipelineOutput takes them: Int64 and plain [int] alike.
        $jobs[1].Id | Remove-PSUJobPipelineOutput -Confirm:$false
        [int] $jobs[2].Id | Remove-PSUJobPipelineOutput -Confirm:$false
        foreach ($job in $jobs) { Get-PSUJobPipelineOutput -Job $job | Should -BeNullOrEmpty }
    }
}

Describe 'Stop-PSUJob' {
    It 'does nothing with -WhatIf, then stops the job' {
        $job = Invoke-PSUScript -Name 'Sleep.ps1' -Seconds 60
        Wait-Until { (Get-PSUJob -Id $job.Id).Status -eq 'Running' }
        Stop-PSUJob -Job $job -WhatIf
        Start-Sleep -Milliseconds 300
        (Get-PSUJob -Id $job.Id).Status | Should -Be 'Running'
        $job | Stop-PSUJob -Confirm:$false
        Wait-Until { (Get-PSUJob -Id $job.Id).Status -eq 'Canceled' } -Seconds 30
        $err = $null
        $job | Wait-PSUJob -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -Be 'JobCanceled,PSUJobs.WaitPSUJobCommand'
    }

    It 'says only in verbose output that a job had already ended, as Stop-Job does' {
        $job = Invoke-PSUScript -Name 'Trivial.ps1'
        $job | Wait-PSUJob | Out-Null
        $err = $null
        $verbose = $job | Stop-PSUJob -Confirm:$false -Verbose -ErrorVariable err 4>&1
        $err | Should -BeNullOrEmpty
        "$($verbose | Select-Object -Last 1)" | Should -BeLike "Nothing to stop: *job $($job.Id) has already finished*"
        ($job | Stop-PSUJob -Confirm:$false -PassThru).Status | Should -Be 'Completed'
    }
}

Describe 'Job feedback' {
    It 'gets a pending prompt and answers it with Set-PSUJobFeedback' {
        $job = Invoke-PSUScript -Name 'Prompt.ps1'
        Get-PSUJobFeedback -Job $job | Should -BeNullOrEmpty -Because 'the job has not prompted yet, or is about to'
        Wait-Until { Get-PSUJobFeedback -Job $job }
        $first = Get-PSUJobFeedback -JobId $job.Id
        $first | Should -BeOfType 'PSUJobs.Models.JobFeedback'
        $first.Fields.Name | Should -Be 'Your name'
        (Get-PSUJob -Id $job.Id).Status | Should -Be 'WaitingOnFeedback'
        Set-PSUJobFeedback -JobFeedback $first -Response 'Ada'
        Wait-Until { ($f = Get-PSUJobFeedback -RunId $job.RunId) -and $f.Id -ne $first.Id }
        $second = Get-PSUJobFeedback -Job $job
        $second.Fields[0].IsSecure | Should -BeTrue
        $second | Set-PSUJobFeedback -Response 'hunter2'
        $job | Wait-PSUJob | Should -Be 'Hello Ada, your secret has 7 characters and starts with h'
    }

    It 'answers a prompt of several fields by name with -Responses' {
        $job = Invoke-PSUScript -Name 'PromptFields.ps1'
        Wait-Until { Get-PSUJobFeedback -Job $job }
        $prompt = Get-PSUJobFeedback -Job $job
        $prompt.Fields.Name | Should -Be 'Name', 'Team'
        { $prompt | Set-PSUJobFeedback -Responses @{ Name = 'Ada' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'BadRequest,PSUJobs.SetPSUJobFeedbackCommand' -ExpectedMessage '*Team*'
        (Get-PSUJobFeedback -Job $job).Id | Should -Be $prompt.Id -Because 'a refused answer leaves the prompt waiting'
        $prompt | Set-PSUJobFeedback -Responses @{ Name = 'Ada'; Team = (ConvertTo-SecureString 'Engines' -AsPlainText) }
        $job | Wait-PSUJob | Should -Be 'Ada joins Engines'
    }
}

Describe 'Job Run ID mode' {
    BeforeAll {
        $script:runIdServer = Start-TestServer -JobRunId
        $script:conn = @{ ComputerName = $runIdServer.Url; AppToken = $runIdServer.Token }
    }
    AfterAll { Stop-TestServer $runIdServer }

    It 'addresses jobs by run id end to end' {
        $job = Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'run id' @conn
        $job.RunId | Should -Not -BeNullOrEmpty
        $job | Wait-PSUJob @conn | Should -Be 'Script1 got run id'
        Invoke-PSUScript -Name 'Script1.ps1' -RequiredParameter 'waited' -Wait @conn | Should -Be 'Script1 got waited'
        (Get-PSUJob -RunId $job.RunId @conn).Status | Should -Be 'Completed'
        ($job | Get-PSUJob @conn).Status | Should -Be 'Completed' -Because 'a piped job is read by its run id'
        Get-PSUJobPipelineOutput -Job $job @conn | Should -Be 'Script1 got run id'
        { Get-PSUJob -Id $job.Id @conn -ErrorAction Stop } | Should -Throw -ErrorId 'JobNotFound,PSUJobs.GetPSUJobCommand'
    }
}
