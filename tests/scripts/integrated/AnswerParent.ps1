# Answers its child's Read-Host itself, over the channel: waits for the child's prompt, answers
# it and returns the prompt with what the child made of the answer.
$child = Invoke-PSUScript -Name 'integrated/Asker.ps1' -Integrated
$deadline = [DateTime]::UtcNow.AddSeconds(60)
while (-not ($feedback = Get-PSUJobFeedback -Job $child -Integrated)) {
    if ([DateTime]::UtcNow -gt $deadline) { throw "job $($child.Id) never prompted" }
    Start-Sleep -Milliseconds 200
}
$feedback | Set-PSUJobFeedback -Response 'from my parent' -Integrated
[pscustomobject]@{
    Child         = $child.Id
    FeedbackJobId = $feedback.JobId
    Prompt        = $feedback.Fields.Name
    Answer        = $child | Wait-PSUJob -Integrated -Silent
}
