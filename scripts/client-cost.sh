#!/usr/bin/env bash
# Client cost as users run it (issue 10, BENCHMARKS.md section 1): the seed upgrade call through
# graph-api and the same request through plain reqwest (the version graph-api uses), from one
# binary (cost_client) in one run, against a separate server process on loopback (cost_server:
# 204 with Graph's response headers), with a 1,500-byte JWT-shaped bearer token. For 1 and 64
# calls in flight, ROUNDS rounds alternate the two modes (the order flips every round); the table
# gives the medians of wall time and client CPU time (user + system) per call, and graph-api /
# reqwest.
#
#   scripts/client-cost.sh
#   ROUNDS=7 CALLS_64=20000 CALLS_1=3000 scripts/client-cost.sh
#   BIN_DIR=/tmp/before scripts/client-cost.sh   # binaries built earlier (no build)
#   BEFORE_DIR=/tmp/before scripts/client-cost.sh
#       # adds a third mode, graph-api as built in BEFORE_DIR (say, from an earlier commit),
#       # alternated with the other two in the same rounds against the same server
set -euo pipefail

ROUNDS=${ROUNDS:-7}
CALLS_64=${CALLS_64:-20000}
CALLS_1=${CALLS_1:-3000}

cd "$(dirname "$0")/.."
command_line="$0${*:+ $*} (ROUNDS=$ROUNDS CALLS_64=$CALLS_64 CALLS_1=$CALLS_1${BIN_DIR:+ BIN_DIR=$BIN_DIR}${BEFORE_DIR:+ BEFORE_DIR=$BEFORE_DIR})"

if [[ -n "${BIN_DIR:-}" ]]; then
    # cost_client and cost_server built earlier, kept aside (say, from another commit).
    bin=$BIN_DIR
else
    echo "building..." >&2
    cargo build --release -p graph-api-tests --example cost_client --example cost_server --quiet
    target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
    bin="$target_dir/release/examples"
fi

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$bin/cost_server" >"$work/server.out" &
server_pid=$!
for _ in $(seq 100); do
    [[ -s "$work/server.out" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { echo "cost_server exited" >&2; exit 1; }
    sleep 0.05
done
url=$(head -n 1 "$work/server.out")
[[ "$url" == http://* ]] || { echo "cost_server printed no URL" >&2; exit 1; }
echo "server at $url" >&2

# One line per run: mode=... in_flight=... calls=... wall_us_per_call=... cpu_us_per_call=...
for in_flight in 1 64; do
    calls=$CALLS_1
    [[ $in_flight -eq 64 ]] && calls=$CALLS_64
    for round in $(seq "$ROUNDS"); do
        if (( round % 2 )); then modes="graph-api reqwest"; else modes="reqwest graph-api"; fi
        if [[ -n "${BEFORE_DIR:-}" ]]; then
            if (( round % 2 )); then modes="before $modes"; else modes="$modes before"; fi
        fi
        for mode in $modes; do
            if [[ $mode == before ]]; then
                line=$("$BEFORE_DIR/cost_client" "$url" graph-api "$calls" "$in_flight")
                line=${line/mode=graph-api/mode=before}
            else
                line=$("$bin/cost_client" "$url" "$mode" "$calls" "$in_flight")
            fi
            echo "round $round: $line" >&2
            echo "$line" >>"$work/runs.txt"
        done
    done
done

# The median of the values of field $3 for mode $1 at in_flight $2.
median() {
    awk -v mode="$1" -v k="$2" -v field="$3" '
        {
            delete f
            for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
            if (f["mode"] == mode && f["in_flight"] == k) print f[field]
        }' "$work/runs.txt" | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) exit 1
            if (NR % 2) printf "%.2f", v[(NR + 1) / 2]
            else printf "%.2f", (v[NR / 2] + v[NR / 2 + 1]) / 2
        }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cpu_model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo
echo "Command: \`$command_line\`"
echo "Machine: $(nproc) CPUs, ${cpu_model:-unknown CPU}; $(rustc --version)"
[[ -n "${BIN_DIR:-}" ]] && echo "Binaries: $BIN_DIR (built beforehand; the commit below is the checkout's)"
echo "Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- graph-api 2>/dev/null || echo ' (graph-api has uncommitted changes)')"
echo "Medians of $ROUNDS rounds; wall and client CPU (user + system) time per call, in µs."
echo
echo "| in flight | calls | graph-api wall | reqwest wall | wall ratio | graph-api CPU | reqwest CPU | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|"
for in_flight in 1 64; do
    calls=$CALLS_1
    [[ $in_flight -eq 64 ]] && calls=$CALLS_64
    gw=$(median graph-api "$in_flight" wall_us_per_call)
    rw=$(median reqwest "$in_flight" wall_us_per_call)
    gc=$(median graph-api "$in_flight" cpu_us_per_call)
    rc=$(median reqwest "$in_flight" cpu_us_per_call)
    echo "| $in_flight | $calls | $gw | $rw | $(ratio "$gw" "$rw")x | $gc | $rc | $(ratio "$gc" "$rc")x |"
done
if [[ -n "${BEFORE_DIR:-}" ]]; then
    echo
    echo "graph-api as built in $BEFORE_DIR, same rounds (against the same reqwest medians):"
    echo
    echo "| in flight | before wall | wall ratio | before CPU | CPU ratio |"
    echo "|---|---|---|---|---|"
    for in_flight in 1 64; do
        bw=$(median before "$in_flight" wall_us_per_call)
        rw=$(median reqwest "$in_flight" wall_us_per_call)
        bc=$(median before "$in_flight" cpu_us_per_call)
        rc=$(median reqwest "$in_flight" cpu_us_per_call)
        echo "| $in_flight | $bw | $(ratio "$bw" "$rw")x | $bc | $(ratio "$bc" "$rc")x |"
    done
fi
