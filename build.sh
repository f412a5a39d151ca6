#!/usr/bin/env bash
# The one command a new machine needs: installs what PSUJobs builds with (PowerShell 7.6.9 as a
# dotnet tool, cargo pointed at the vendored crates), then hands over to build.ps1, which does
# the real work (Build, Test, Bench, Demo). Everything it installs is idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"

# crates.io is unreachable here: use the vendored crate set when the workspace provides one.
vendored="$here/../shared/crates/use-vendored.sh"
if [ -f "$vendored" ]; then bash "$vendored" >/dev/null; fi

export PATH="$PATH:$HOME/.dotnet/tools:$HOME/.cargo/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if ! command -v pwsh >/dev/null 2>&1; then
  echo "build.sh: installing PowerShell 7.6.9 (dotnet global tool)"
  dotnet tool install --global PowerShell --version 7.6.9 >/dev/null
fi

exec pwsh -NoLogo -NoProfile -File "$here/build.ps1" "$@"
