# Asks for a line, a secret and a choice, then echoes what it got, so a test can see the
# answers given on the web page reached the script.
$name = Read-Host -Prompt 'Your name'
$secret = Read-Host -Prompt 'Your secret' -AsSecureString
$plain = [System.Net.NetworkCredential]::new('', $secret).Password
$choices = [System.Management.Automation.Host.ChoiceDescription[]]@(
    [System.Management.Automation.Host.ChoiceDescription]::new('&Apple', 'A fruit'),
    [System.Management.Automation.Host.ChoiceDescription]::new('&Banana', 'Another fruit')
)
$choice = $Host.UI.PromptForChoice('Fruit', 'Pick a fruit', $choices, 0)
Write-Host "name=$name secret=$plain choice=$choice"
"name=$name secret=$plain choice=$choice"
