# Asks twice (plain and secure), the way a script asks its operator.
$name = Read-Host -Prompt 'Your name'
$secret = Read-Host -Prompt 'Your secret' -AsSecureString
$plain = [System.Net.NetworkCredential]::new('', $secret).Password
"Hello $name, your secret has $($plain.Length) characters and starts with $($plain.Substring(0, 1))"
