#!/usr/bin/env bash
# The generator on real Graph shapes: drafts every action under /chats, /teams,
# /users/{user-id}/teamwork and /appCatalogs from Microsoft's v1.0 metadata, fills the drafts'
# placeholders mechanically, generates them into a crate of their own (not a workspace member)
# and builds it in debug and release. Prints the numbers BENCHMARKS.md records.
#
#   scripts/scale.sh <cleanMetadata.xml> <permissions.json> <clouds-dir> [depth, default 2]
#
# Needs the full files (see ../shared/msgraph/README.md); not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
csdl=$1 perms=$2 clouds=$3 depth=${4:-2}
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
crate=$CARGO_TARGET_DIR/scale/graph-scale
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

load0=$(cut -d' ' -f1 /proc/loadavg)
cargo build -q --release -p graph-spec
tool=$CARGO_TARGET_DIR/release/graph-spec
rm -rf "$crate"
mkdir -p "$crate/src" "$crate/spec"
cat > "$crate/Cargo.toml" <<TOML
[package]
name = "graph-scale"
version = "0.0.0"
edition = "2024"
publish = false

# graph-api without its own spec files' features: the drafted actions get navigation of their own.
[dependencies]
graph-api = { path = "$root/graph-api", default-features = false }

[workspace]

# The lines README.md recommends to a crate with a large spec: the spec! expansion optimized.
[profile.dev.build-override]
opt-level = 3
[profile.release.build-override]
opt-level = 3
TOML
printf '//! Actions drafted from the v1.0 metadata (scripts/scale.sh).\n#![allow(missing_docs)]\ngraph_api::spec!("spec", trait = Scale);\n' > "$crate/src/lib.rs"
# spec! asks for a build script that tracks the spec folder (new files rebuild the crate).
"$tool" build-script spec > "$crate/build.rs"

draft=(draft --csdl "$csdl" --permissions "$perms" --clouds "$clouds"
  --under /chats --depth "$depth" --under /teams --depth "$depth"
  --under '/users/{user-id}/teamwork' --depth "$depth" --under /appCatalogs --depth "$depth")
"$tool" "${draft[@]}" > "$crate/drafted.toml" 2> "$crate/skipped.txt"
runs=()
for _ in 1 2 3 4 5; do t0=$(now); "$tool" "${draft[@]}" >/dev/null 2>&1; runs+=("$(since "$t0")"); done
# Placeholders filled mechanically: a docs link of the right shape, the marker dropped elsewhere.
sed -e 's|docs = "TODO(draft): [^"]*"|docs = "https://learn.microsoft.com/en-us/graph/overview"|' \
    -e 's|TODO(draft): ||' "$crate/drafted.toml" > "$crate/spec/drafted.toml"
"$tool" check "$crate/spec" >/dev/null
t0=$(now); "$tool" expand "$crate/spec" > "$crate/expanded.rs"; gen=$(since "$t0")

CARGO_INCREMENTAL=0 cargo build -q --manifest-path "$crate/Cargo.toml" 2>/dev/null || true  # dependencies
# The debug build is timed without incremental compilation: with it (cargo's default for dev),
# a touch of an unchanged spec reuses nearly everything and the number says little (runs 3 and
# 5 of BENCHMARKS.md section 5 were such rebuilds). The edit row below is the incremental case
# a spec author meets: one action's summary changed.
touch "$crate/spec/drafted.toml"; t0=$(now)
CARGO_INCREMENTAL=0 cargo build -q --manifest-path "$crate/Cargo.toml"; debug=$(since "$t0")
CARGO_INCREMENTAL=1 cargo build -q --manifest-path "$crate/Cargo.toml"  # the cache, for the edit row
sed -i '0,/^summary = "/s//summary = "(edited) /' "$crate/spec/drafted.toml"; t0=$(now)
CARGO_INCREMENTAL=1 cargo build -q --manifest-path "$crate/Cargo.toml"; edit=$(since "$t0")
sed -i '0,/^summary = "(edited) /s//summary = "/' "$crate/spec/drafted.toml"
cargo build -q --release --manifest-path "$crate/Cargo.toml" 2>/dev/null || true
touch "$crate/spec/drafted.toml"; t0=$(now)
cargo build -q --release --manifest-path "$crate/Cargo.toml"; release=$(since "$t0")

echo "summary (stderr of draft): $(tail -1 "$crate/skipped.txt")"
echo "skipped, by reason:"
{ grep '^skipped: ' "$crate/skipped.txt" || true; } | sed -E 's/`[^`]*`/`…`/g; s/^skipped: [A-Z]+ [^:]*:/skipped: action:/; s/^skipped: (body field|field|member) `…` of [^:]*:/skipped: \1:/' \
  | sort | uniq -c | sort -rn
echo "| what | value |"
echo "|---|---|"
echo "| actions drafted | $(grep -c '^\[actions\.[^].]*\]$' "$crate/drafted.toml") |"
echo "| types / enums drafted | $(grep -c '^\[types\.[^].]*\]$' "$crate/drafted.toml") / $(grep -c '^\[enums\.' "$crate/drafted.toml") |"
echo "| drafted spec lines | $(wc -l < "$crate/drafted.toml") |"
echo "| graph-spec draft (release, 5 runs) | ${runs[*]} s |"
echo "| graph-spec expand (parse, check, generate, format) | $gen s |"
echo "| generated lines (formatted) | $(wc -l < "$crate/expanded.rs") |"
echo "| crate build, debug (crate alone, not incremental) | $debug s |"
echo "| debug rebuild after one summary is edited (incremental) | $edit s |"
echo "| crate build, release (crate alone) | $release s |"
echo "| machine load (1-min average) at start / end | $load0 / $(cut -d' ' -f1 /proc/loadavg) |"
echo "| other rustc/cargo processes at the end | $(pgrep -c -x rustc || true) rustc, $(pgrep -c -x cargo || true) cargo |"
