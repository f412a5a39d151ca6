# A child that needs an answer.
$name = Read-Host -Prompt 'Name'
"hello $name"
