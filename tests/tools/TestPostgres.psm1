<#
    A throwaway PostgreSQL for the test run: a fresh cluster in a temporary folder, listening
    on a free loopback port, trusting local connections, offering TLS with a certificate of a
    CA made for the run, removed afterwards. The PostgreSQL store's tests (cargo and Pester)
    find it through PSUJOBS_TEST_POSTGRES, and the CA's certificate through
    PSUJOBS_TEST_POSTGRES_CA.
#>

Import-Module (Join-Path $PSScriptRoot '../TestServer.psm1')

function Invoke-PostgresTool {
    # Runs one of the cluster's programs as the user that owns the cluster.
    param($Cluster, [string] $Exe, [string[]] $Arguments)
    $command = $Cluster.RunAs + @((Join-Path $Cluster.Bin $Exe)) + $Arguments
    $output = & $command[0] $command[1..($command.Count - 1)] 2>&1
    if ($LASTEXITCODE -ne 0) { throw "$Exe failed with $LASTEXITCODE`: $output" }
}

function Find-PostgresBin {
    # The folder of PostgreSQL's programs (the newest version Debian's packages installed), or
    # nothing when there is none.
    $initdb = Get-Item '/usr/lib/postgresql/*/bin/initdb' -ErrorAction Ignore |
        Sort-Object { [int]$_.Directory.Parent.Name } | Select-Object -Last 1
    if ($initdb) { $initdb.DirectoryName }
}

function Start-TestPostgres {
    # Returns the cluster (its Url and folder), or a string saying why there is none.
    $bin = Find-PostgresBin
    if (-not $bin) { return "PostgreSQL is not installed (Debian: apt-get install postgresql)" }
    $folder = Join-Path ([IO.Path]::GetTempPath()) "psujobs-postgres-$PID"
    New-Item -ItemType Directory -Path $folder -Force | Out-Null
    # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user the
    # Debian package creates.
    $as = @()
    if ((& id -u) -eq '0') {
        & chown postgres $folder
        $as = @('runuser', '-u', 'postgres', '--')
    }
    $port = Get-FreeTcpPort
    $cluster = [pscustomobject]@{
        Url = "postgres://psujobs@127.0.0.1:$port/postgres"
        Folder = $folder
        Data = Join-Path $folder 'data'
        Bin = $bin
        RunAs = $as
        Options = "-c listen_addresses=127.0.0.1 -p $port -k $folder -c ssl=on -c ssl_cert_file=$folder/server.crt -c ssl_key_file=$folder/server.key -c ssl_ca_file=$folder/ca.crt"
        Ca = Join-Path $folder 'ca.crt'
    }
    New-TestCertificates $folder
    if ($as) { & chown postgres (Join-Path $folder 'server.crt') (Join-Path $folder 'server.key') }
    Invoke-PostgresTool $cluster 'initdb' @('-D', $cluster.Data, '-U', 'psujobs', '--auth=trust', '-E', 'UTF8', '--no-instructions')
    # Two roles that log in over TLS only: one with a password (SCRAM), for the channel-binding
    # test, one with a client certificate.
    $hba = Join-Path $cluster.Data 'pg_hba.conf'
    $rules = @(Get-Content -LiteralPath $hba)
    Set-Content -LiteralPath $hba -Value (@(
            'hostssl all psujobs_scram 127.0.0.1/32 scram-sha-256'
            'hostssl all psujobs_cert 127.0.0.1/32 cert') + $rules)
    Invoke-PostgresTool $cluster 'pg_ctl' (Get-ServerArguments $cluster 'start')
    Invoke-PostgresTool $cluster 'psql' @('-h', $folder, '-p', $port, '-U', 'psujobs', '-d', 'postgres', '-q',
        '-c', "CREATE ROLE psujobs_scram LOGIN PASSWORD 'scram-secret'", '-c', 'CREATE ROLE psujobs_cert LOGIN')
    $cluster
}

function New-TestCertificates([string] $Folder) {
    # ca.crt; server.crt/server.key issued by it for the name localhost only, so that checking
    # the name fails when connecting to 127.0.0.1 and passes for localhost; and
    # client.crt/client.key issued to the role psujobs_cert.
    $x509 = 'System.Security.Cryptography.X509Certificates'
    $caKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $caRequest = New-Object "$x509.CertificateRequest" 'CN=psujobs test CA', $caKey, 'SHA256'
    $caRequest.CertificateExtensions.Add((New-Object "$x509.X509BasicConstraintsExtension" $true, $false, 0, $true))
    $caRequest.CertificateExtensions.Add((New-Object "$x509.X509KeyUsageExtension" 'KeyCertSign, CrlSign', $true))
    $now = [DateTimeOffset]::UtcNow
    $ca = $caRequest.CreateSelfSigned($now.AddHours(-1), $now.AddDays(2))
    $key = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $request = New-Object "$x509.CertificateRequest" 'CN=localhost', $key, 'SHA256'
    $names = New-Object "$x509.SubjectAlternativeNameBuilder"
    $names.AddDnsName('localhost')
    $request.CertificateExtensions.Add($names.Build())
    $server = $request.Create($ca, $now.AddHours(-1), $now.AddDays(1), [byte[]](1..8))
    $clientKey = [System.Security.Cryptography.ECDsa]::Create([System.Security.Cryptography.ECCurve+NamedCurves]::nistP256)
    $clientRequest = New-Object "$x509.CertificateRequest" 'CN=psujobs_cert', $clientKey, 'SHA256'
    $client = $clientRequest.Create($ca, $now.AddHours(-1), $now.AddDays(1), [byte[]](9..16))
    Set-Content -LiteralPath (Join-Path $Folder 'ca.crt') -Value $ca.ExportCertificatePem()
    Set-Content -LiteralPath (Join-Path $Folder 'server.crt') -Value $server.ExportCertificatePem()
    Set-Content -LiteralPath (Join-Path $Folder 'client.crt') -Value $client.ExportCertificatePem()
    foreach ($file in @{ 'server.key' = $key; 'client.key' = $clientKey }.GetEnumerator()) {
        $keyFile = Join-Path $Folder $file.Key
        Set-Content -LiteralPath $keyFile -Value $file.Value.ExportPkcs8PrivateKeyPem()
        # PostgreSQL (and libpq) refuse a key others can read.
        & chmod 600 $keyFile
    }
}

function Get-ServerArguments([object] $Cluster, [string] $Action) {
    # With its log file: a server started without one would hold this pipe open for good.
    @('-D', $Cluster.Data, '-l', (Join-Path $Cluster.Folder 'postgres.log'), '-w', $Action, '-o', $Cluster.Options)
}

function Restart-TestPostgres {
    # As an operator's restart does: connections are ended, the server is down for a moment,
    # or, with -Down, for as long as that script block runs.
    param([Parameter(Mandatory)] $Cluster, [scriptblock] $Down)
    if (-not $Down) {
        Invoke-PostgresTool $Cluster 'pg_ctl' ((Get-ServerArguments $Cluster 'restart') + @('-m', 'fast'))
        return
    }
    Invoke-PostgresTool $Cluster 'pg_ctl' @('-D', $Cluster.Data, '-m', 'fast', '-w', 'stop')
    try { & $Down }
    finally { Invoke-PostgresTool $Cluster 'pg_ctl' (Get-ServerArguments $Cluster 'start') }
}

function Stop-TestPostgres {
    param([Parameter(Mandatory)] $Cluster)
    try { Invoke-PostgresTool $Cluster 'pg_ctl' @('-D', $Cluster.Data, '-m', 'immediate', 'stop') }
    finally { Remove-Item -LiteralPath $Cluster.Folder -Recurse -Force -ErrorAction Ignore }
}

Export-ModuleMember -Function Find-PostgresBin, Start-TestPostgres, Restart-TestPostgres, Stop-TestPostgres
