#!/usr/bin/env bash
# Build cost of graph-api and of generated code.
#
# Measures, in debug and release:
#   1. graph-api from clean (its own crates; dependencies already built) and after a spec edit;
#   2. a crate whose spec has N synthetic actions (default 1,000; `scripts/build-cost.sh 1000`):
#      the time to compile that crate alone, and that time per action.
# Prints a Markdown table. Dependencies are built first and not counted. `SYNTH_ONLY=1` measures
# the synthetic crate alone.
set -euo pipefail
cd "$(dirname "$0")/.."
actions=${1:-1000}
root=$PWD
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target}
# Timed builds compile the crate in full: with incremental compilation (cargo's default for
# dev), rebuilding after a touch of an unchanged spec reuses nearly everything (BENCHMARKS.md
# section 5, run 7).
export CARGO_INCREMENTAL=0
synth=$CARGO_TARGET_DIR/build-cost/synth-$actions

# Wall seconds, and CPU seconds (user + system, the compiler's children included): on a shared
# machine the CPU time is the steadier of the two.
timed() {
  local out
  out=$(mktemp)
  /usr/bin/time -o "$out" -f "%e %U %S" "$@" >/dev/null 2>&1
  awk '{ printf "%.2f wall, %.2f CPU", $1, $2 + $3 }' "$out"
  rm -f "$out"
}
per_action() { awk -v t="$1" -v n="$actions" 'BEGIN { split(t, x, " "); printf "%.1f / %.1f ms/action", x[1] * 1000 / n, x[3] * 1000 / n }'; }

mkdir -p "$synth/src" "$synth/spec"
cat > "$synth/Cargo.toml" <<TOML
[package]
name = "graph-synth"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
graph-api = { path = "$root/graph-api" }

[workspace]

# As README.md recommends for a large spec: the spec! expansion optimized.
[profile.dev.build-override]
opt-level = 3
[profile.release.build-override]
opt-level = 3
TOML
cargo run -q --release -p graph-spec -- synth "$actions" > "$synth/spec/synthetic.toml"
printf '//! %s synthetic actions.\ngraph_api::spec!("spec", trait = Synth);\n' "$actions" > "$synth/src/lib.rs"
# spec! asks for a build script that tracks the spec folder (new files rebuild the crate).
cargo run -q --release -p graph-spec -- build-script spec > "$synth/build.rs"

# The same actions as ten spec files, each behind its own cargo feature (all on by default), to
# measure a build that turns one on: a downstream crate using one spec file.
gated=$CARGO_TARGET_DIR/build-cost/gated-$actions
mkdir -p "$gated/src" "$gated/spec"
sed -e 's/name = "graph-synth"/name = "graph-synth-gated"/' "$synth/Cargo.toml" > "$gated/Cargo.toml"
features=""
for k in $(seq 0 9); do
  first=$(( actions / 100 * 10 * k ))
  { echo "feature = \"f$k\""; cargo run -q --release -p graph-spec -- synth $(( actions / 10 )) "$first"; } > "$gated/spec/part$k.toml"
  features="$features\"f$k\", "
done
printf '\n[features]\ndefault = [%s]\n' "${features%, }" >> "$gated/Cargo.toml"
for k in $(seq 0 9); do echo "f$k = []" >> "$gated/Cargo.toml"; done
cp "$synth/src/lib.rs" "$gated/src/lib.rs"
cp "$synth/build.rs" "$gated/build.rs"

echo "| what | profile | seconds |"
echo "|---|---|---|"
for profile in dev release; do
  flag=$([ "$profile" = release ] && echo --release || true)
  if [ -z "${SYNTH_ONLY:-}" ]; then
    cargo build -q $flag -p graph-api                                  # dependencies
    cargo clean -q $flag -p graph-api -p graph-macros -p graph-codegen
    echo "| graph-api, its crates from clean | $profile | $(timed cargo build $flag -p graph-api) |"
    touch spec/teams-app-installation.toml
    echo "| graph-api after a spec edit | $profile | $(timed cargo build $flag -p graph-api) |"
  fi
  cargo build -q $flag --manifest-path "$synth/Cargo.toml"           # dependencies of the synthetic crate
  touch "$synth/spec/synthetic.toml"
  t=$(timed cargo build $flag --manifest-path "$synth/Cargo.toml")
  echo "| crate with $actions synthetic actions | $profile | $t ($(per_action "$t") wall / CPU) |"
  if [ "$profile" = dev ]; then
    cargo build -q --manifest-path "$gated/Cargo.toml"
    touch "$gated/spec/part0.toml"
    echo "| the same in ten gated files, all features | $profile | $(timed cargo build --manifest-path "$gated/Cargo.toml") |"
    cargo build -q --no-default-features --features f0 --manifest-path "$gated/Cargo.toml"
    touch "$gated/spec/part0.toml"
    echo "| the same, one file's feature (\`--no-default-features --features f0\`) | $profile | $(timed cargo build --no-default-features --features f0 --manifest-path "$gated/Cargo.toml") |"
  fi
done
