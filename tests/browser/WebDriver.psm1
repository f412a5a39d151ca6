<#
    A small W3C WebDriver client over chromedriver's HTTP JSON API, for the browser tests:
    start chromedriver and headless Chromium, navigate, find and click elements, type, run
    script in the page, wait for a condition, take screenshots.
#>
Set-StrictMode -Version Latest

$ElementKey = 'element-6066-11e4-a52e-4f735466cecf'

function Find-Browser {
    # The Chromium and chromedriver executables, or the reason they cannot be used.
    $chromium = @('chromium', 'chromium-browser') | ForEach-Object { Get-Command $_ -CommandType Application -ErrorAction Ignore } | Select-Object -First 1
    $driver = Get-Command chromedriver -CommandType Application -ErrorAction Ignore | Select-Object -First 1
    $missing = @()
    if (-not $chromium) { $missing += 'chromium' }
    if (-not $driver) { $missing += 'chromedriver' }
    [pscustomobject]@{
        Chromium     = if ($chromium) { $chromium.Source } else { $null }
        ChromeDriver = if ($driver) { $driver.Source } else { $null }
        Missing      = if ($missing) { "$($missing -join ' and ') not found on PATH (apt-get install -y chromium chromium-driver)" } else { $null }
    }
}

function Get-FreePort {
    $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
    $listener.Start()
    try { $listener.LocalEndpoint.Port } finally { $listener.Stop() }
}

function Start-WebDriver {
    # Starts chromedriver and one headless Chromium session with a fresh profile.
    param(
        [Parameter(Mandatory)] $Browser,
        [int] $Width = 1400,
        [int] $Height = 900
    )
    $port = Get-FreePort
    $profile = Join-Path ([System.IO.Path]::GetTempPath()) "psujobs-chromium-$([guid]::NewGuid().ToString('N'))"
    New-Item -ItemType Directory -Path $profile | Out-Null
    $log = Join-Path $profile 'chromedriver.log'
    $psi = [System.Diagnostics.ProcessStartInfo]::new($Browser.ChromeDriver)
    $psi.ArgumentList.Add("--port=$port")
    $psi.ArgumentList.Add('--allowed-ips=127.0.0.1')
    $psi.ArgumentList.Add("--log-path=$log")
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $url = "http://127.0.0.1:$port"
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while ($true) {
        try {
            if ((Invoke-RestMethod "$url/status" -TimeoutSec 2).value.ready) { break }
        } catch {
            if ([DateTime]::UtcNow -gt $deadline -or $process.HasExited) {
                Stop-Process -Id $process.Id -ErrorAction Ignore
                throw "chromedriver did not start on port $port (see $log)"
            }
        }
        Start-Sleep -Milliseconds 100
    }
    $capabilities = @{
        capabilities = @{
            alwaysMatch = @{
                browserName          = 'chrome'
                'goog:chromeOptions' = @{
                    binary = $Browser.Chromium
                    args   = @(
                        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
                        '--no-first-run', '--disable-component-update', '--disable-sync',
                        '--disable-dev-shm-usage', "--user-data-dir=$profile/user-data",
                        "--window-size=$Width,$Height"
                    )
                }
            }
        }
    }
    try {
        $session = Invoke-RestMethod "$url/session" -Method Post -ContentType 'application/json' `
            -Body ($capabilities | ConvertTo-Json -Depth 6) -TimeoutSec 60
    } catch {
        Stop-Process -Id $process.Id -ErrorAction Ignore
        throw "chromedriver could not start Chromium: $_"
    }
    [pscustomobject]@{
        Process = $process
        Url     = $url
        Session = "$url/session/$($session.value.sessionId)"
        Profile = $profile
    }
}

function Stop-WebDriver {
    param($Driver)
    if (-not $Driver) { return }
    try { Invoke-RestMethod $Driver.Session -Method Delete -TimeoutSec 20 | Out-Null } catch { Write-Verbose "session delete: $_" }
    if (-not $Driver.Process.HasExited) {
        Stop-Process -Id $Driver.Process.Id -ErrorAction Ignore
        $Driver.Process.WaitForExit(5000) | Out-Null
    }
    Remove-Item $Driver.Profile -Recurse -Force -ErrorAction Ignore
}

function Invoke-WebDriver {
    # One WebDriver command; returns its `value`, throws with the driver's message on error.
    param(
        [Parameter(Mandatory)] $Driver,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'Post',
        $Body = @{}
    )
    $params = @{ Uri = "$($Driver.Session)$Path"; Method = $Method; TimeoutSec = 60 }
    if ($Method -eq 'Post') {
        $params.ContentType = 'application/json'
        $params.Body = $Body | ConvertTo-Json -Depth 8 -Compress
    }
    try {
        (Invoke-RestMethod @params).value
    } catch {
        $detail = $_.ErrorDetails.Message
        if ($detail) {
            try { $detail = ($detail | ConvertFrom-Json).value.message } catch { Write-Verbose 'non-JSON error body' }
        }
        throw "WebDriver $Method $Path failed: $(if ($detail) { $detail } else { $_ })"
    }
}

function Open-Page {
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Url)
    Invoke-WebDriver $Driver '/url' -Body @{ url = $Url } | Out-Null
}

function Invoke-PageScript {
    # Runs `Script` (a function body; `arguments` holds Arguments) in the page, returns its result.
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Script, [object[]] $Arguments = @())
    Invoke-WebDriver $Driver '/execute/sync' -Body @{ script = $Script; args = @($Arguments) }
}

function Find-PageElement {
    # The first element matching a CSS selector, or $null.
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Css)
    $found = Invoke-WebDriver $Driver '/elements' -Body @{ using = 'css selector'; value = $Css }
    if (@($found).Count -eq 0) { return $null }
    @($found)[0].$ElementKey
}

function Invoke-ElementClick {
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Css)
    # A live page may redraw the element between finding and clicking it: find it again.
    for ($try = 1; ; $try++) {
        $id = Wait-PageElement $Driver $Css
        try {
            Invoke-WebDriver $Driver "/element/$id/click" | Out-Null
            return
        } catch {
            if ($try -ge 3 -or "$_" -notmatch 'stale element') { throw }
        }
    }
}

function Set-ElementText {
    # Clears the input and types Text into it, as a user would.
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Css, [Parameter(Mandatory)] [string] $Text)
    $id = Wait-PageElement $Driver $Css
    Invoke-WebDriver $Driver "/element/$id/clear" | Out-Null
    Invoke-WebDriver $Driver "/element/$id/value" -Body @{ text = $Text } | Out-Null
}

function Wait-PageElement {
    # The id of the first element matching Css, waiting for it to appear.
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Css, [int] $TimeoutSec = 20)
    Wait-Condition -TimeoutSec $TimeoutSec -Because "an element matching '$Css'" { Find-PageElement $Driver $Css }
}

function Wait-Condition {
    # Polls Condition until it returns a truthy value, which it returns; throws after TimeoutSec.
    param(
        [Parameter(Mandatory, Position = 0)] [scriptblock] $Condition,
        [int] $TimeoutSec = 20,
        [string] $Because = 'the condition'
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSec)
    while ($true) {
        $result = & $Condition
        if ($result) { return $result }
        if ([DateTime]::UtcNow -gt $deadline) { throw "timed out after $TimeoutSec s waiting for $Because" }
        Start-Sleep -Milliseconds 150
    }
}

function Save-Screenshot {
    param([Parameter(Mandatory)] $Driver, [Parameter(Mandatory)] [string] $Path)
    New-Item -ItemType Directory -Force -Path (Split-Path $Path) | Out-Null
    $png = Invoke-WebDriver $Driver '/screenshot' -Method Get
    [System.IO.File]::WriteAllBytes($Path, [Convert]::FromBase64String($png))
}

Export-ModuleMember -Function Find-Browser, Get-FreePort, Start-WebDriver, Stop-WebDriver, Invoke-WebDriver,
    Open-Page, Invoke-PageScript, Find-PageElement, Invoke-ElementClick, Set-ElementText, Wait-PageElement,
    Wait-Condition, Save-Screenshot
