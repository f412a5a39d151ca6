# Waits on a child that prompts; the prompt is answered over REST on the child itself.
$child = Invoke-PSUScript -Name 'integrated/Asker.ps1' -Integrated
$child | Wait-PSUJob -Integrated -Silent
