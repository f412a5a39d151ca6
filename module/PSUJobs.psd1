@{
    RootModule           = 'PSUJobs.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = '5a0b8f3e-6c1d-4f4e-9b7a-2f1c3d4e5a6b'
    Author               = 'PSUJobs contributors'
    Description          = 'Run PowerShell scripts as jobs against PowerShell Universal or the PSUJobs server; Rust core behind C# cmdlets.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('PSUJobs.Format.ps1xml')
    CmdletsToExport      = @(
        'ConvertFrom-PSUCliXml',
        'Connect-PSUServer', 'Disconnect-PSUServer',
        'Get-PSUScript', 'Invoke-PSUScript',
        'Get-PSUJob', 'Wait-PSUJob', 'Stop-PSUJob',
        'Get-PSUJobOutput', 'Get-PSUJobPipelineOutput', 'Remove-PSUJobPipelineOutput',
        'Get-PSUJobFeedback', 'Set-PSUJobFeedback', 'Get-PSUJobParameter'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @('Receive-PSUJob')
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags = @('PSEdition_Core', 'Linux', 'Windows', 'macOS', 'CliXml', 'Jobs')
        }
    }
}
