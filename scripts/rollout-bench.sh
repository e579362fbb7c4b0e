#!/usr/bin/env bash
# graph-rollout against graph-standin: wall time against the least time the limits allow for the
# requests that were admitted (efficiency), 429s as a share of requests (batch items counted one
# by one, by the stand-in), round trips (HTTP requests the client sent; a $batch POST is one),
# and the rollout's peak memory. One fresh stand-in per run, the "Meeting Notes" app (1.0.0 ->
# 1.1.0, resource-specific consent required).
# Usage: scripts/rollout-bench.sh USERS CHATS TEAMS [LIMITS [extra graph-rollout options]]
#   LIMITS: graph (Microsoft's limits, the default) or a factor for both sides (10 = ten times).
# PROFILE=release builds optimized binaries (the numbers in BENCHMARKS.md are from the default
# debug build: the run waits on the limits, not on the CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:?users} chats=${2:?chats} teams=${3:?teams} limits=${4:-graph}
shift $(( $# < 4 ? $# : 4 ))
profile=${PROFILE:-debug}
if [ "$profile" = release ]; then cargo build --release -q -p graph-standin -p graph-rollout
else cargo build -q -p graph-standin -p graph-rollout; fi
bin=target/$profile
out=$(mktemp) journal=$(mktemp -u) summary=$(mktemp) timing=$(mktemp) stats=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out" "$journal" "$summary" "$timing" "$stats"' EXIT
"$bin"/graph-standin --users "$users" --chats "$chats" --teams "$teams" --seed 1 \
    --limits "$limits" >"$out" &
pid=$!
until [ -s "$out" ]; do sleep 0.1; done
url=$(head -1 "$out")
auth='Authorization: Bearer bench'
app=$(curl -sf -H "$auth" "$url/v1.0/appCatalogs/teamsApps?\$filter=displayName%20eq%20'Meeting%20Notes'" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["value"][0]["id"])')
factor=$([ "$limits" = graph ] && echo 1 || echo "$limits")
GRAPH_TOKEN=bench /usr/bin/time -f '%e %M' -o "$timing" "$bin"/graph-rollout upgrade \
    --app "$app" --base-url "$url" --journal "$journal" --limits "$factor" --json "$@" \
    >"$summary" 2>/dev/null || true
curl -sf -H "$auth" "$url/__standin/stats" >"$stats"
python3 - "$summary" "$timing" "$users" "$chats" "$teams" "$limits" "$stats" <<'PY'
import json, sys
summary = json.load(open(sys.argv[1]))
wall, rss_kb = open(sys.argv[2]).read().split()
users, chats, teams, limits, stats = sys.argv[3:8]
stats = json.load(open(stats))
requests = sum(stats["requests"].values())
least = stats["least_seconds"]
wall = float(wall)
print(f"{users} users, {chats} chats, {teams} teams, limits {limits}: "
      f"{sum(summary['found'].values())} installations, {summary['upgraded']} upgraded, "
      f"{len(summary['failed'])} failed")
print(f"  wall {wall:.1f} s, least {least:.1f} s, efficiency {least / wall:.2f}")
print(f"  {requests} requests (items one by one), {stats['throttled']} answered 429 "
      f"({100 * stats['throttled'] / max(requests, 1):.2f}%), {summary['requests']} round trips")
print(f"  peak memory {int(rss_kb) / 1024:.0f} MiB")
PY
