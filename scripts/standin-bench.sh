#!/usr/bin/env bash
# graph-standin's throughput on loopback with limits off, and its memory for a large tenant.
# Needs wrk (apt-get install wrk). Usage: scripts/standin-bench.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
cargo build --release -q -p graph-standin
bin=target/release/graph-standin
out=$(mktemp)
trap 'kill "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

# Throughput: one chat's installed apps with their app and definition expanded (the request a
# rollout sends most), 32 connections from one wrk thread, limits off.
"$bin" --users 1000 --chats 10000 --teams 100 --seed 1 --limits off >"$out" &
pid=$!
until [ -s "$out" ]; do sleep 0.1; done
url=$(head -1 "$out")
auth='Authorization: Bearer bench'
user=$(curl -sf -H "$auth" "$url/v1.0/users?\$top=1" | sed -E 's/.*"id":"([^"]+)".*/\1/')
chat=$(curl -sf -H "$auth" "$url/v1.0/users/$user/chats?\$top=1&\$select=id" | sed -E 's/.*"id":"([^"]+)".*/\1/')
chat=$(printf %s "$chat" | sed -e 's/:/%3A/g' -e 's/@/%40/g')
echo "== GET /v1.0/chats/{id}/installedApps?\$expand=teamsApp,teamsAppDefinition, ${secs}s"
wrk -t1 -c32 -d"${secs}s" -H "$auth" "$url/v1.0/chats/$chat/installedApps?\$expand=teamsApp,teamsAppDefinition"
echo "== GET /v1.0/users?\$top=100, ${secs}s"
wrk -t1 -c32 -d"${secs}s" -H "$auth" "$url/v1.0/users?\$top=100"
kill "$pid"; wait "$pid" 2>/dev/null || true

# Memory: resident set size once a 100,000-chat tenant is generated and serving.
: >"$out"
"$bin" --users 20000 --chats 100000 --teams 2000 --seed 1 >"$out" &
pid=$!
until [ -s "$out" ]; do sleep 0.1; done
echo "== 100,000 chats, 20,000 users, 2,000 teams"
grep VmRSS "/proc/$pid/status"
