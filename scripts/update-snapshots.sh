#!/usr/bin/env bash
# Regenerates the committed snapshots of generated code and the trybuild .stderr files.
# The contoso snapshot is compiled into the tests crate, so a stale one may not build: it is
# emptied first. Read the resulting `git diff` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
: > tests/snapshots/contoso.rs
EXPECTORATE=overwrite cargo test -p graph-api-tests snapshots
TRYBUILD=overwrite cargo test -p graph-api-tests ui::ui
cargo test -p graph-api-tests snapshots
