#!/usr/bin/env bash
# Shows that editing a spec file, adding one, and removing it each rebuild graph-api on the next
# `cargo build`, with no `cargo clean`. Exits non-zero if any step is not rebuilt.
# Usage: scripts/rebuild-tracking.sh
set -euo pipefail
cd "$(dirname "$0")/.."
spec=spec/teams-app-installation.toml
extra=spec/zz-rebuild-tracking-probe.toml
trap 'rm -f "$extra"' EXIT

rebuilt() { cargo build -p graph-api 2>&1 | grep -q "Compiling graph-api "; }

cargo build -p graph-api >/dev/null 2>&1
if rebuilt; then echo "FAIL: graph-api rebuilt with no change"; exit 1; fi
echo "no change: graph-api is fresh"

touch "$spec"
rebuilt || { echo "FAIL: editing $spec did not rebuild graph-api"; exit 1; }
echo "edited $spec: graph-api rebuilt"

printf '# an empty spec file\n' > "$extra"
rebuilt || { echo "FAIL: adding $extra did not rebuild graph-api"; exit 1; }
echo "added $extra: graph-api rebuilt"

rm -f "$extra"
rebuilt || { echo "FAIL: removing $extra did not rebuild graph-api"; exit 1; }
echo "removed $extra: graph-api rebuilt"
