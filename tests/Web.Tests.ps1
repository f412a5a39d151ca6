#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0' }
<#
    The jobs web page in real headless Chromium, driven over WebDriver (chromedriver), against
    the real psujobs server running real pwsh jobs. Every check reads the page's DOM.
    Screenshots land in tests/out/screenshots/.
#>

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'browser/WebDriver.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'browser/JobServer.psm1') -Force
    $script:skipReason = $null
    $browser = Find-Browser
    if ($browser.Missing) { $script:skipReason = $browser.Missing }
    elseif (-not (Find-JobServer)) { $script:skipReason = 'the psujobs binary is not built (cargo build --release -p psujobs-server)' }
    if ($skipReason) { Write-Host "Web tests skipped: $skipReason" -ForegroundColor Yellow }
}

Describe 'Jobs web page' -Skip:($null -ne $skipReason) {
    BeforeAll {
        Import-Module (Join-Path $PSScriptRoot 'browser/WebDriver.psm1') -Force
        Import-Module (Join-Path $PSScriptRoot 'browser/JobServer.psm1') -Force
        $script:shots = Join-Path $PSScriptRoot 'out/screenshots'
        $script:server = Start-JobServer -Binary (Find-JobServer) -Scripts (Join-Path $PSScriptRoot 'browser/scripts') -WorkDir $TestDrive
        $script:driver = Start-WebDriver -Browser (Find-Browser)
        $script:base = $server.Base

        function script:Get-Dom([string] $Js, [object[]] $Arguments = @()) { Invoke-PageScript $driver $Js $Arguments }
        function script:Wait-Dom([string] $Js, [string] $Because, [int] $TimeoutSec = 30) {
            Wait-Condition -TimeoutSec $TimeoutSec -Because $Because { Invoke-PageScript $driver $Js }
        }
        function script:Open-Job($Id) {
            Open-Page $driver "$base/admin/automation/jobs/$Id"
            Wait-Dom "return document.querySelector('#job-status .badge') !== null" "job $Id's page" | Out-Null
        }
        function script:Sign-In([string] $Token) {
            Open-Page $driver "$base/login"
            Set-ElementText $driver '#token' $Token
            Invoke-ElementClick $driver 'form.login button[type=submit]'
            Wait-Dom "return location.pathname === '/admin/automation/jobs' && document.querySelector('#jobs-table tbody tr') !== null" 'the job list after sign-in' | Out-Null
        }

        $script:streamsJob = Start-ScriptJob $server 'streams.ps1'
        Wait-JobStatus $server $streamsJob -Status Completed, Failed, Error, Warning | Out-Null
    }

    AfterAll {
        Stop-WebDriver $driver
        Stop-JobServer $server
    }

    It 'sends a visitor without a token to sign in, and refuses a bad token' {
        Open-Page $driver "$base/admin/automation/jobs"
        Wait-Dom "return location.pathname === '/login'" 'the redirect to /login' | Out-Null
        Get-Dom "return new URLSearchParams(location.search).get('next')" | Should -Be '/admin/automation/jobs'
        Set-ElementText $driver '#token' 'psuj_not-a-real-token'
        Invoke-ElementClick $driver 'form.login button[type=submit]'
        Wait-Dom "return document.getElementById('login-error').textContent" 'the sign-in error' |
            Should -Be 'That token is unknown or revoked.'
        Get-Dom "return sessionStorage.getItem('psujobs.token')" | Should -BeNullOrEmpty
    }

    It 'signs in with the app token and lists the job with script, status, times and duration' {
        Sign-In $server.Token
        $row = Wait-Dom "const r = document.querySelector('tr[data-job-id=""$streamsJob""]'); return r && [...r.cells].map(c => c.textContent.trim())" 'the streams job row'
        $row[0] | Should -Be "$streamsJob"
        $row[1] | Should -Be 'streams.ps1'
        $row[2] | Should -BeIn 'Completed', 'Failed', 'Error', 'Warning'
        $row[3] | Should -Not -Be '—'
        $row[4] | Should -Not -Be '—'
        $row[5] | Should -Match '^\d+(\.\d)? (ms|s)$|^\d+m \d+s$'
        $row[6] | Should -Be 'View'
        Get-Dom "return sessionStorage.getItem('psujobs.token')" | Should -Be $server.Token
        Save-Screenshot $driver (Join-Path $shots 'job-list.png')
    }

    It 'pages, filters by status and sorts through the API' {
        $ids = 1..3 | ForEach-Object { Start-ScriptJob $server 'streams.ps1' }
        $ids | ForEach-Object { Wait-JobStatus $server $_ -Status Completed, Failed, Error, Warning | Out-Null }
        Open-Page $driver "$base/admin/automation/jobs?take=25"
        Wait-Dom "return document.querySelectorAll('#jobs-table tbody tr[data-job-id]').length === 4" 'four jobs' | Out-Null
        # Newest first by default; the ID header flips the order.
        $first = Get-Dom "return document.querySelector('#jobs-table tbody tr').dataset.jobId"
        $first | Should -Be "$($ids[-1])"
        Invoke-ElementClick $driver 'th[aria-sort] button.sort'
        Wait-Dom "return document.querySelector('th[aria-sort=ascending]') && document.querySelector('#jobs-table tbody tr').dataset.jobId === '$streamsJob'" 'ascending order' | Out-Null
        # A status nothing has: the empty state, and the filter is in the URL.
        Open-Page $driver "$base/admin/automation/jobs?status=5"
        Wait-Dom "return document.querySelector('#jobs-table td.empty')?.textContent" 'the empty filtered list' | Should -Be 'No jobs match.'
        Get-Dom "return document.getElementById('status-filter').value" | Should -Be '5'
        Get-Dom "return document.getElementById('job-summary').textContent" | Should -Be '0–0 of 0 jobs'
    }

    It 'shows every stream in the Output pane, with stream name and timestamp toggles' {
        Open-Job $streamsJob
        $streams = Wait-Dom @'
const rows = [...document.querySelectorAll('#output-view .output-row')];
const names = new Set(rows.map(r => [...r.classList].find(c => c.startsWith('stream-'))));
return names.size >= 6 && [...names].sort();
'@ 'rows of every stream'
        # Progress is shown when the runner records it; every other stream must be there.
        @($streams | Where-Object { $_ -ne 'stream-progress' }) |
            Should -Be @('stream-debug', 'stream-error', 'stream-host', 'stream-information', 'stream-verbose', 'stream-warning')
        $text = Get-Dom "return document.getElementById('output-view').innerText"
        $text | Should -Match 'host: hello from Write-Host'
        # Write-Host -ForegroundColor Green, in the console palette's green.
        Get-Dom "return getComputedStyle([...document.querySelectorAll('.output-row .msg')].find(m => m.textContent === 'host: in green')).color" |
            Should -Be 'rgb(22, 198, 12)'
        $text | Should -Match 'warning: something to look at'
        $text | Should -Match 'verbose: details you asked for'
        # A two-line message is two display lines.
        Get-Dom "return [...document.querySelectorAll('.output-row .msg')].filter(m => m.textContent === 'second line').length" | Should -Be 1
        # Stream names show by default; timestamps on request.
        Get-Dom "return getComputedStyle(document.querySelector('.output-row .stream')).display" | Should -Not -Be 'none'
        Get-Dom "return getComputedStyle(document.querySelector('.output-row .ts')).display" | Should -Be 'none'
        Invoke-ElementClick $driver '#show-timestamps'
        Wait-Dom "return getComputedStyle(document.querySelector('.output-row .ts')).display !== 'none'" 'timestamps shown' | Out-Null
        Get-Dom "return document.querySelector('.output-row .ts').textContent" | Should -Match '^\d\d:\d\d:\d\d\.\d{3}$'
        Invoke-ElementClick $driver '#show-stream-names'
        Wait-Dom "return getComputedStyle(document.querySelector('.output-row .stream')).display === 'none'" 'stream names hidden' | Out-Null
        Save-Screenshot $driver (Join-Path $shots 'job-output.png')
    }

    It 'opens the same job by its run id' {
        $runId = (Invoke-JobApi $server "/job/$streamsJob").runId
        Open-Job $runId
        Get-Dom "return document.querySelector('#job-facts').innerText" | Should -Match ([regex]::Escape($runId))
        Get-Dom "return document.querySelector('.breadcrumb').textContent" | Should -Match "Job $streamsJob$"
    }

    It 'shows the pipeline output as a tree of types, properties, nested objects, lists and dictionaries' {
        Open-Job $streamsJob
        Invoke-ElementClick $driver '#tab-pipeline'
        Wait-Dom "return document.getElementById('pipeline-count')?.textContent" 'the pipeline objects' | Should -Be '3 objects'
        $roots = Get-Dom "return [...document.querySelectorAll('#pipeline-pane .tree > li')].map(li => li.querySelector('.tree-row').innerText.replace(/\s+/g, ' ').trim())"
        $roots[1] | Should -Match 'a plain string.*System\.String'
        $roots[2] | Should -Match '17.*System\.Int32'
        $roots[0] | Should -Match 'System\.Management\.Automation\.PSCustomObject'
        # Children are decoded only on expand.
        Get-Dom "return document.querySelectorAll('#pipeline-pane [role=group]').length" | Should -Be 0
        Invoke-ElementClick $driver '#pipeline-pane .tree > li:first-child > .tree-toggle'
        $props = Wait-Dom "const g = document.querySelector('#pipeline-pane .tree > li:first-child > [role=group]'); return g && [...g.children].map(li => li.querySelector('.tree-row').innerText.replace(/\s+/g, ' ').trim())" 'the first object expanded'
        ($props -join "`n") | Should -Match 'Name widget System\.String'
        ($props -join "`n") | Should -Match 'Count 42 System\.Int32'
        ($props -join "`n") | Should -Match 'Enabled True System\.Boolean'
        foreach ($name in 'Owner', 'Tags', 'Limits') {
            Invoke-PageScript $driver "[...document.querySelectorAll('#pipeline-pane .tree-toggle')].find(b => b.querySelector('.tree-name').textContent === arguments[0]).click()" @($name) | Out-Null
        }
        $tree = Wait-Dom "const t = document.getElementById('pipeline-pane').innerText; return t.includes('platform') && t.includes('memory') && t" 'nested values'
        $tree | Should -Match 'User\s+ada'
        $tree | Should -Match '\[2\]\s+blue'
        $tree | Should -Match '\[memory\]\s+4Gi'
        Save-Screenshot $driver (Join-Path $shots 'job-pipeline.png')
    }

    It 'lists each error record on the Errors tab' {
        Invoke-ElementClick $driver '#tab-errors'
        $card = Wait-Dom "return document.querySelector('#error-list .error-card')?.innerText" 'an error card'
        $card | Should -Match 'error: the widget failed'
        $card | Should -Match 'Widget\.Failed'
        $card | Should -Match 'InvalidOperation'
        Get-Dom "return document.getElementById('tab-errors').textContent" | Should -Be 'Errors (1)'
        Save-Screenshot $driver (Join-Path $shots 'job-errors.png')
    }

    It 'answers Read-Host, a secure prompt and PromptForChoice from the page, and the script gets the answers' {
        $id = Start-ScriptJob $server 'feedback.ps1'
        Open-Job $id
        $answers = @(
            @{ Css = 'input[type=text]'; Text = 'Ada Lovelace' },
            @{ Css = 'input[type=password]'; Text = 's3cret!' },
            @{ Css = 'input[type=radio][value="1"]' }
        )
        foreach ($answer in $answers) {
            $asked = Wait-Condition -Because 'the job to ask' { try { Invoke-JobApi $server "/job/$id/feedback" } catch { $null } }
            Invoke-ElementClick $driver '#respond-feedback'
            Wait-PageElement $driver '#feedback-dialog[open]' | Out-Null
            if ($answer.Text) {
                # The secure prompt offers only a password field.
                if ($answer.Css -like '*password*') {
                    Get-Dom "return document.querySelectorAll('#feedback-dialog input[type=text]').length" | Should -Be 0
                    Save-Screenshot $driver (Join-Path $shots 'job-feedback.png')
                }
                Set-ElementText $driver "#feedback-dialog $($answer.Css)" $answer.Text
            } else {
                Get-Dom "return [...document.querySelectorAll('#feedback-dialog .choice label')].map(l => l.textContent)" | Should -Be @('Apple', 'Banana')
                Invoke-ElementClick $driver "#feedback-dialog $($answer.Css)"
            }
            Invoke-ElementClick $driver '#feedback-submit'
            Wait-Dom "return document.getElementById('feedback-dialog') === null" 'the dialog to close' | Out-Null
            # Taken: the prompt is gone, or the next one has a new id.
            Wait-Condition -Because 'the job to take the answer' {
                try { (Invoke-JobApi $server "/job/$id/feedback").id -ne $asked.id } catch { $true }
            } | Out-Null
        }
        Wait-JobStatus $server $id -Status Completed | Out-Null
        $pipeline = Invoke-JobApi $server "/job/$id/pipelineOutput"
        $pipeline.data | Should -Match 'name=Ada Lovelace secret=s3cret! choice=1'
        Wait-Dom "return document.getElementById('output-view').innerText.includes('name=Ada Lovelace secret=s3cret! choice=1')" 'the echo in the output' | Out-Null
        Wait-Dom "return document.querySelector('#job-status .badge').dataset.status === 'Completed'" 'the Completed badge' | Out-Null
    }

    It 'tails a running job live and cancels it from the job page' {
        $id = Start-ScriptJob $server 'slow.ps1'
        Open-Job $id
        $seen = Wait-Dom "const n = document.querySelectorAll('#output-view .output-row').length; return n >= 2 && n" 'ticks to arrive'
        Wait-Dom "return document.querySelectorAll('#output-view .output-row').length > $seen" 'more ticks while the page is open' | Out-Null
        Invoke-ElementClick $driver '#cancel-job'
        Wait-JobStatus $server $id -Status Canceled | Out-Null
        Wait-Dom "return document.querySelector('#job-status .badge').dataset.status === 'Canceled'" 'the Canceled badge' | Out-Null
        Get-Dom "return document.getElementById('cancel-job')" | Should -BeNullOrEmpty
    }

    It 'cancels a running job from the list, and links parent and child jobs' {
        $parent = Start-ScriptJob $server 'slow.ps1'
        $child = Start-ScriptJob $server 'slow.ps1' -Context @{ parentJobId = $parent }
        Wait-JobStatus $server $child -Status Running | Out-Null
        Open-Page $driver "$base/admin/automation/jobs"
        Wait-Dom "return document.querySelector('tr[data-job-id=""$parent""] button.btn-danger') !== null" 'the Cancel button on the running job' | Out-Null
        Save-Screenshot $driver (Join-Path $shots 'job-list-running.png')
        Open-Job $child
        Wait-Dom "return document.querySelector('#parent-job a')?.getAttribute('href')" 'the parent link' | Should -Be "/admin/automation/jobs/$parent"
        Open-Job $parent
        Wait-Dom "return document.querySelector('#child-jobs a')?.getAttribute('href')" 'the child link' | Should -Be "/admin/automation/jobs/$child"
        Open-Page $driver "$base/admin/automation/jobs"
        Invoke-ElementClick $driver "tr[data-job-id=""$parent""] button.btn-danger"
        Wait-JobStatus $server $parent -Status Canceled | Out-Null
        Wait-JobStatus $server $child -Status Canceled | Out-Null
        Wait-Dom "return document.querySelector('tr[data-job-id=""$parent""] .badge')?.dataset.status === 'Canceled'" 'the list to show Canceled' | Out-Null
    }

    It 'shows a Reader token the jobs but reports its refused Cancel cleanly' {
        $reader = New-AppToken $server 'Reader'
        $id = Start-ScriptJob $server 'slow.ps1'
        try {
            Sign-In $reader
            Wait-Dom "return document.querySelector('tr[data-job-id=""$id""] button.btn-danger') !== null" 'the running job' | Out-Null
            Invoke-ElementClick $driver "tr[data-job-id=""$id""] button.btn-danger"
            $notice = Wait-Dom "const n = document.getElementById('notice'); return !n.hidden && n.textContent" 'the refusal notice'
            $notice | Should -Match "^Not allowed to cancel job $id"
            (Invoke-JobApi $server "/job/$id").status | Should -BeIn 0, 1
        } finally {
            Invoke-JobApi $server "/job/$id/cancel" -Method Post | Out-Null
            Sign-In $server.Token
        }
    }

    It 'keeps 100,000 output lines responsive with only the visible rows in the DOM' {
        # 20,000 records of 5 lines: two pages of the output route, 100,000 lines on screen.
        $id = Start-ScriptJob $server 'many-lines.ps1'
        Wait-JobStatus $server $id -Status Completed -TimeoutSec 240 | Out-Null
        $sw = [System.Diagnostics.Stopwatch]::StartNew()
        Open-Job $id
        Wait-Dom "return document.getElementById('output-count')?.textContent === '20,000 records, 100,000 lines shown'" 'every line loaded' -TimeoutSec 120 | Out-Null
        $sw.Stop()
        Write-Host "100,000 output lines loaded and shown in $([int]$sw.Elapsed.TotalMilliseconds) ms"
        $rows = Get-Dom "return document.querySelectorAll('#output-view .output-row').length"
        $rows | Should -BeLessThan 200
        $rows | Should -BeGreaterThan 10
        Get-Dom "return document.querySelector('#output-view .virtual-spacer').offsetHeight" | Should -Be (100000 * 20)
        # Following the tail: the last line is on screen.
        Wait-Dom "return [...document.querySelectorAll('#output-view .msg')].some(m => m.textContent === 'line 100000 of 100000')" 'the last line' | Out-Null
        # Jump to the middle: the rows there are drawn, still only a window of them.
        Get-Dom "document.getElementById('output-view').scrollTop = 50000 * 20" | Out-Null
        Wait-Dom "return [...document.querySelectorAll('#output-view .msg')].some(m => m.textContent === 'line 50001 of 100000')" 'the middle lines' | Out-Null
        Get-Dom "return document.querySelectorAll('#output-view .output-row').length" | Should -BeLessThan 200
        Save-Screenshot $driver (Join-Path $shots 'job-100k-lines.png')
    }
}
