# Asks for several values at once, as a host prompt for missing parameters does.
$fields = [System.Collections.ObjectModel.Collection[System.Management.Automation.Host.FieldDescription]]::new()
$fields.Add([System.Management.Automation.Host.FieldDescription]::new('Name'))
$fields.Add([System.Management.Automation.Host.FieldDescription]::new('Team'))
$answers = $Host.UI.Prompt('Sign-up', 'Who is joining?', $fields)
"$($answers['Name']) joins $($answers['Team'])"
