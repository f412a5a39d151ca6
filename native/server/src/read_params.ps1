# Reads the param block of each script named (one per line) in $env:PSUJOBS_PARSE_PATHS with
# PowerShell's own parser and writes one JSON document: [{path, error, parameters[]}].
$ErrorActionPreference = 'Stop'
$results = foreach ($path in ($env:PSUJOBS_PARSE_PATHS -split "`n" | Where-Object { $_ })) {
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($path, [ref]$tokens, [ref]$errors)
    if ($errors.Count -gt 0) {
        [ordered]@{ path = $path; error = ($errors | ForEach-Object { "$($_.Extent.StartLineNumber): $($_.Message)" }) -join '; '; parameters = @() }
        continue
    }
    $params = foreach ($p in @($ast.ParamBlock.Parameters | Where-Object { $_ })) {
        $type = $p.StaticType
        $info = [ordered]@{
            name = $p.Name.VariablePath.UserPath
            type = $type.FullName
            mandatory = $false; position = $null; parameterSet = $null; helpMessage = $null
            validateSet = @(); defaultValue = $null; enumValues = @()
        }
        if ($type.IsEnum) { $info.enumValues = [string[]][Enum]::GetNames($type) }
        if ($null -ne $p.DefaultValue) { $info.defaultValue = $p.DefaultValue.Extent.Text }
        foreach ($attr in @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.Language.AttributeAst] })) {
            $attrType = $attr.TypeName.GetReflectionType()
            if ($attrType -eq [System.Management.Automation.ParameterAttribute]) {
                foreach ($arg in $attr.NamedArguments) {
                    $value = if ($arg.ExpressionOmitted) { $true } else { $arg.Argument.SafeGetValue() }
                    switch ($arg.ArgumentName) {
                        'Mandatory' { $info.mandatory = [bool]$value }
                        'Position' { $info.position = [int]$value }
                        'ParameterSetName' { $info.parameterSet = [string]$value }
                        'HelpMessage' { $info.helpMessage = [string]$value }
                    }
                }
            } elseif ($attrType -eq [System.Management.Automation.ValidateSetAttribute]) {
                $info.validateSet = [string[]]@($attr.PositionalArguments | ForEach-Object { $_.SafeGetValue() })
            }
        }
        $info
    }
    [ordered]@{ path = $path; error = $null; parameters = @($params) }
}
ConvertTo-Json -InputObject @($results) -Depth 6 -Compress
