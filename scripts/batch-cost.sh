#!/usr/bin/env bash
# 1,000 upgrades sent directly and in JSON batches (issue 17, BENCHMARKS.md section 7): wall time,
# HTTP round trips and client CPU per item, against graph-standin as a separate process on
# loopback with LATENCY_MS per answer. The pairs are found once on a stand-in with limits off;
# then every mode runs against a fresh stand-in of the same seed (same tenant, full buckets,
# nothing upgraded yet), first with limits off, then with Graph's limits.
#
#   scripts/batch-cost.sh
#   ITEMS=1000 LATENCY_MS=50 MODES_OFF="direct:4 ..." MODES_GRAPH="..." ATTEMPTS_GRAPH=100 scripts/batch-cost.sh
#
# Modes: direct:K (K calls in flight), batch:SIZE:CONC (SIZE items per $batch POST, CONC POSTs in
# flight), batch:SIZE:CONC:R (a batch of R items each second, the caller keeping to Graph's 30
# writes/s per tenant itself). With Graph's limits most requests are answered 429 at first, so each of those modes
# runs twice: with graph-api's default retry policy (4 attempts per request or item) and with
# ATTEMPTS_GRAPH attempts; the table says how many failed.
set -euo pipefail

ITEMS=${ITEMS:-1000}
LATENCY_MS=${LATENCY_MS:-50}
MODES_OFF=${MODES_OFF:-"direct:4 direct:20 direct:80 batch:20:1 batch:20:4"}
MODES_GRAPH=${MODES_GRAPH:-"direct:4 direct:80 batch:20:4 batch:20:4:30"}
ATTEMPTS_GRAPH=${ATTEMPTS_GRAPH:-100}
# A tenant with enough chats that hold one of the apps the example upgrades (about a third do).
TENANT=(--users 300 --chats 3500 --teams 5 --seed 1)

cd "$(dirname "$0")/.."
command_line="$0${*:+ $*} (ITEMS=$ITEMS LATENCY_MS=$LATENCY_MS MODES_OFF=\"$MODES_OFF\" MODES_GRAPH=\"$MODES_GRAPH\" ATTEMPTS_GRAPH=$ATTEMPTS_GRAPH)"

echo "building..." >&2
cargo build --release --quiet -p graph-standin --bins
cargo build --release --quiet -p graph-api-tests --example batch_cost
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
standin="$target_dir/release/graph-standin"
client="$target_dir/release/examples/batch_cost"

work=$(mktemp -d)
pid=""
stop() {
    if [[ -n "$pid" ]]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        pid=""
    fi
}
trap 'stop; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Starts a stand-in with these extra options; sets $url and $pid.
start() {
    : >"$work/standin.out"
    "$standin" "${TENANT[@]}" "$@" >"$work/standin.out" &
    pid=$!
    for _ in $(seq 200); do
        [[ -s "$work/standin.out" ]] && break
        kill -0 "$pid" 2>/dev/null || { echo "graph-standin exited" >&2; exit 1; }
        sleep 0.05
    done
    url=$(head -n 1 "$work/standin.out")
    [[ "$url" == http://* ]] || { echo "graph-standin printed no URL" >&2; exit 1; }
}

start --limits off
"$client" discover "$url" "$ITEMS" >"$work/pairs.txt"
stop
echo "found $(wc -l <"$work/pairs.txt") (chat, installation) pairs" >&2

load_before=$(cut -d' ' -f1 /proc/loadavg)
# One run: limits, mode, max attempts ("" for graph-api's default).
run() {
    start --limits "$1" --latency-ms "$LATENCY_MS"
    line=$("$client" run "$url" "$work/pairs.txt" "$2" ${3:+"$3"})
    stop
    echo "limits=$1 $line" >&2
    echo "limits=$1 $line" >>"$work/runs.txt"
}
for mode in $MODES_OFF; do
    run off "$mode" ""
done
for attempts in "" "$ATTEMPTS_GRAPH"; do
    for mode in $MODES_GRAPH; do
        run graph "$mode" "$attempts"
    done
done
load_after=$(cut -d' ' -f1 /proc/loadavg)

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "Command: \`$command_line\`"
echo "Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}; $(rustc --version); 1-minute load average $load_before at the start, $load_after at the end"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- graph-api tests/examples/batch_cost.rs 2>/dev/null || echo ' (uncommitted changes)')"
echo "One run per row; each against a fresh stand-in (--latency-ms $LATENCY_MS)."
echo
echo "| limits | mode | attempts allowed | ok / failed | wall | HTTP round trips | upgrade requests (429s) | least time the limits allow | client CPU per item |"
echo "|---|---|---|---|---|---|---|---|---|"
awk '
    {
        delete f
        for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
        printf "| %s | %s | %s | %s / %s | %.2f s | %s | %s (%s) | %.1f s | %.1f µs |\n",
            f["limits"], f["mode"], f["attempts"], f["ok"], f["failed"], f["wall_s"],
            f["round_trips"], f["upgrade_requests"], f["throttled"], f["least_s"], f["cpu_us_per_item"]
    }' "$work/runs.txt"
