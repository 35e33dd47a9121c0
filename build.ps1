#!/usr/bin/env pwsh
# Bootstrap: restore the pinned .NET tools, then run the Cake build with every argument passed through.
#   ./build.ps1                      the default target
#   ./build.ps1 --target=Test        the unit tests
#   ./build.ps1 --target=Tasks       every task with its description
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
Set-Location -LiteralPath $PSScriptRoot

$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

foreach ($arg in $args) {
    # Cake owns --version (a flag without a value) and would fail with "Flags cannot be assigned a value".
    if ("$arg" -like '--version=*') {
        [Console]::Error.WriteLine("build.ps1: '$arg': --version is Cake's own flag; the model version is --model-version=$("$arg".Substring(10))")
        exit 2
    }
}

dotnet tool restore | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

dotnet cake build/build.cake @args
exit $LASTEXITCODE
