#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    Integrated mode end to end: jobs running in the real psujobs server call the server back over
    their own channel (docs/integrated.md) with the module the server puts on their
    PSModulePath. Job scripts live in tests/scripts/integrated.
#>

BeforeAll {
    Import-Module $env:PSUJOBS_MODULE -Force
    Import-Module (Join-Path $PSScriptRoot 'TestServer.psm1') -Force
    $script:server = Start-TestServer
    Connect-PSUServer -ComputerName $server.Url -AppToken $server.Token

    function Get-Children([long] $ParentId) {
        # Over REST: the children route has no cmdlet. The array is enumerated one job at a time.
        $children = Invoke-RestMethod "$($server.Url)/api/v1/job/$ParentId/children" -Headers @{ Authorization = "Bearer $($server.Token)" }
        $children | ForEach-Object { $_ }
    }
}

AfterAll {
    Disconnect-PSUServer
    if ($server) { Stop-TestServer $server }
}

Describe 'Inside a job' {
    It 'sees $UAJob, $UAJobId, $UAScript, $UAScriptId and the module without installing it' {
        $job = Invoke-PSUScript -Name 'integrated/Variables.ps1'
        $result = $job | Wait-PSUJob -Timeout 60
        $result.UAJobId | Should -Be $job.Id
        $result.JobId | Should -Be $job.Id
        $result.UAScriptId | Should -Be $job.ScriptId
        $result.ScriptPath | Should -Be 'integrated/Variables.ps1'
        $result.Module | Should -Be 'PSUJobs'
    }
}

Describe 'A script only other jobs may run (DisableManualInvocation)' {
    BeforeAll {
        $script:helperServer = Start-TestServer -Config @'
[scripts."integrated/Child.ps1"]
DisableManualInvocation = true
'@
        $script:conn = @{ ComputerName = $helperServer.Url; AppToken = $helperServer.Token }
    }
    AfterAll { Stop-TestServer $helperServer }

    It 'refuses a person and runs for a job that calls it with -Integrated' {
        (Get-PSUScript -Name 'Child.ps1' @conn).DisableManualInvocation | Should -BeTrue
        { Invoke-PSUScript -Name 'integrated/Child.ps1' -Value 1 @conn -ErrorAction Stop } |
            Should -Throw -ErrorId 'Forbidden,PSUJobs.InvokePSUScriptCommand' -ExpectedMessage '*DisableManualInvocation*'
        Invoke-PSUScript -Name 'integrated/CallHelper.ps1' -Wait -WaitTimeout 120 @conn | Should -Be 70
    }
}

Describe 'Calling scripts from scripts' {
    It 'starts three children, waits for them and returns their combined pipeline output' {
        $parent = Invoke-PSUScript -Name 'integrated/Parent.ps1'
        $result = $parent | Wait-PSUJob -Timeout 120
        $result.Sum | Should -Be 60
        $result.Waited | Should -Be 40
        $result.Me | Should -Be $parent.Id
        $result.Children | Should -HaveCount 3
        $result.Parents | ForEach-Object { $_ | Should -Be $parent.Id }

        # The children are recorded under their parent, which lists them.
        $children = @(Get-Children $parent.Id)
        $children | Should -HaveCount 4
        $children.id | Should -Contain $result.Children[0]
        foreach ($child in $children) { $child.parentJobId | Should -Be $parent.Id }

        # -Wait replayed the waited child's information record into the parent's own output.
        $log = Get-PSUJobOutput -JobId $parent.Id
        "$log" | Should -Match 'child 4 of job \d+'
    }

    It 'reads a child''s pipeline output larger than one frame of the channel (70 MiB)' {
        $parent = Invoke-PSUScript -Name 'integrated/BigParent.ps1'
        $result = $parent | Wait-PSUJob -Timeout 300
        $result.Count | Should -Be 70
        $result.Length | Should -Be (70 * 1MB)
        $result.First | Should -Be '00000001x'
        $result.Last | Should -Be '00000070x'
    }

    It "answers a child's Read-Host over REST while the parent waits" {
        $parent = Invoke-PSUScript -Name 'integrated/AskParent.ps1'
        Wait-Until { @(Get-Children $parent.Id).Count -eq 1 }
        $child = @(Get-Children $parent.Id)[0]
        Wait-Until { (Get-PSUJob -Id $child.id).Status -eq 'WaitingOnFeedback' }
        (Get-PSUJob -Id $parent.Id).Status | Should -Be 'Running'
        Get-PSUJobFeedback -JobId $child.id | Set-PSUJobFeedback -Response 'integrated'
        $parent | Wait-PSUJob -Timeout 60 | Should -Be 'hello integrated'
    }

    It 'cancels the running children with their parent' {
        $parent = Invoke-PSUScript -Name 'integrated/CancelParent.ps1'
        Wait-Until { $c = @(Get-Children $parent.Id); $c.Count -eq 2 -and -not ($c | Where-Object status -ne 1) }
        Stop-PSUJob -JobId $parent.Id
        Wait-Until { (Get-PSUJob -Id $parent.Id).Status -eq 'Canceled' }
        Wait-Until { -not (@(Get-Children $parent.Id) | Where-Object { $_.status -ne 5 }) }
        @(Get-Children $parent.Id).status | Should -Be @(5, 5)
    }
}

Describe 'Every -Integrated cmdlet from inside a job' {
    It "answers a child's Read-Host with Get-PSUJobFeedback and Set-PSUJobFeedback" {
        $parent = Invoke-PSUScript -Name 'integrated/AnswerParent.ps1'
        $result = $parent | Wait-PSUJob -Timeout 120
        $result.FeedbackJobId | Should -Be $result.Child
        $result.Prompt | Should -Be 'Name'
        $result.Answer | Should -Be 'hello from my parent'
        Get-PSUJobPipelineOutput -JobId $result.Child | Should -Be 'hello from my parent'
    }

    Context 'reading a finished child' {
        BeforeAll {
            $script:reader = Invoke-PSUScript -Name 'integrated/ReadParent.ps1'
            $script:read = $reader | Wait-PSUJob -Timeout 120
        }

        It 'finds the script with Get-PSUScript and starts it by id with a dynamic parameter' {
            $read.ScriptId | Should -Be (Get-PSUScript -Name 'integrated/Child.ps1').Id
            (Get-PSUJob -Id $read.Child).ScriptId | Should -Be $read.ScriptId
            (Get-PSUJob -Id $read.Child).ParentJobId | Should -Be $reader.Id
        }

        It 'reads the parameters with Get-PSUJobParameter' {
            $read.Parameters | Should -Be @('Value=7')
        }

        It 'reads the stream output with Get-PSUJobOutput, as text and as records' {
            $read.Log | Should -Match "child 7 of job $($read.Child)"
            $read.Records | Should -Contain "child 7 of job $($read.Child)"
        }

        It 'reads, then removes, the pipeline output' {
            $read.Pipeline | Should -Be 70
            $read.Left | Should -Be 0
            Get-PSUJobPipelineOutput -JobId $read.Child | Should -BeNullOrEmpty
        }
    }

    It 'stops a running child with Stop-PSUJob, which Wait-PSUJob then reports' {
        $parent = Invoke-PSUScript -Name 'integrated/StopParent.ps1'
        $result = $parent | Wait-PSUJob -Timeout 120
        $result.PassThru | Should -BeIn 'Canceling', 'Canceled'
        $result.WaitError | Should -Be 'JobCanceled,PSUJobs.WaitPSUJobCommand'
        (Get-PSUJob -Id $result.Child).Status | Should -Be 'Canceled'
        (Get-PSUJob -Id $parent.Id).Status | Should -Be 'Completed' -Because 'stopping a child leaves its parent running'
    }
}

Describe 'The channel refuses' {
    It 'a forged secret and the stale secret of a finished job' {
        $job = Invoke-PSUScript -Name 'integrated/Forged.ps1'
        $errors = @($job | Wait-PSUJob -Timeout 60)
        $errors[0] | Should -Be 'IntegratedRefused,PSUJobs.GetPSUJobCommand'
        $errors[1] | Should -Be 'IntegratedRefused,PSUJobs.GetPSUJobCommand'
        # With its own secret back, the same job reaches the channel again.
        $errors[2] | Should -Be $job.Id
    }
}

Describe 'Outside a job' {
    It 'fails -Integrated with IntegratedNotInJob on <Command>' -ForEach @(
        @{ Command = 'Get-PSUScript'; Call = { Get-PSUScript -Integrated } }
        @{ Command = 'Get-PSUJob'; Call = { Get-PSUJob -Integrated } }
        @{ Command = 'Invoke-PSUScript'; Call = { Invoke-PSUScript -Name 'Trivial.ps1' -Integrated } }
        @{ Command = 'Wait-PSUJob'; Call = { Wait-PSUJob -JobId 1 -Integrated } }
        @{ Command = 'Stop-PSUJob'; Call = { Stop-PSUJob -JobId 1 -Integrated } }
        @{ Command = 'Get-PSUJobOutput'; Call = { Get-PSUJobOutput -JobId 1 -Integrated } }
        @{ Command = 'Get-PSUJobPipelineOutput'; Call = { Get-PSUJobPipelineOutput -JobId 1 -Integrated } }
        @{ Command = 'Remove-PSUJobPipelineOutput'; Call = { Remove-PSUJobPipelineOutput -JobId 1 -Integrated -Confirm:$false } }
        @{ Command = 'Get-PSUJobFeedback'; Call = { Get-PSUJobFeedback -JobId 1 -Integrated } }
        @{ Command = 'Set-PSUJobFeedback'; Call = { Set-PSUJobFeedback -JobFeedback ([PSUJobs.Models.JobFeedback]@{ JobId = 1 }) -Response 'x' -Integrated } }
        @{ Command = 'Get-PSUJobParameter'; Call = { Get-PSUJobParameter -JobId 1 -Integrated } }
    ) {
        $typeName = 'PSUJobs.' + ($Command -replace '-', '') + 'Command'
        $Call | Should -Throw -ErrorId "IntegratedNotInJob,$typeName" -ExpectedMessage '*only inside a job*'
    }
}

Describe 'Help' {
    BeforeDiscovery {
        # The cmdlets that take -Integrated: the ones issue #6 names, and Remove-PSUJobPipelineOutput.
        $integrated = @('Get-PSUScript', 'Invoke-PSUScript', 'Get-PSUJob', 'Get-PSUJobOutput', 'Get-PSUJobPipelineOutput',
            'Remove-PSUJobPipelineOutput', 'Get-PSUJobFeedback', 'Set-PSUJobFeedback', 'Wait-PSUJob', 'Stop-PSUJob', 'Get-PSUJobParameter')
    }

    It 'lists every cmdlet that takes -Integrated' -TestCases @{ Expected = $integrated } {
        $taking = Get-Command -Module PSUJobs -CommandType Cmdlet | Where-Object { $_.Parameters -and $_.Parameters.ContainsKey('Integrated') }
        @($taking.Name | Sort-Object) | Should -Be @($Expected | Sort-Object)
    }

    It 'describes -Integrated on <_>' -ForEach $integrated {
        $help = Get-Help $_ -Parameter Integrated
        $help.name | Should -Be 'Integrated'
        "$($help.description.Text)" | Should -Match 'inside a job'
    }
}
