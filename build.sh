#!/usr/bin/env bash
# Bootstrap: restore the pinned .NET tools, then run the Cake build with every argument passed through.
#   ./build.sh                      the default target
#   ./build.sh --target=Test        the unit tests
#   ./build.sh --target=Tasks       every task with its description
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
for arg in "$@"; do
  # Cake owns --version (a flag without a value) and would fail with "Flags cannot be assigned a value".
  if [[ "$arg" == --version=* ]]; then
    echo "build.sh: '$arg': --version is Cake's own flag; the model version is --model-version=${arg#--version=}" >&2
    exit 2
  fi
done
dotnet tool restore >/dev/null
exec dotnet cake build/build.cake "$@"
