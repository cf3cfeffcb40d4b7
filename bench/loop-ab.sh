#!/usr/bin/env bash
# Closed-loop throughput of two gateway builds or settings at 64 connections, taking turns.
#
#   B_ENV="TOLLGATE_GLOBAL_EXECUTOR=loops" bench/loop-ab.sh
#   A=/path/to/old/tollgate B=.build/release/tollgate ROUNDS=6 bench/loop-ab.sh
#
# bench/cpu.sh compares CPU per call at a fixed rate, below saturation; a change can win there and
# lose at saturation, where what one process does costs the others (the generic-jobs executor did:
# 5-8% less CPU per call at 1,000 requests/s, 10-30% fewer requests/s closed-loop). This starts
# both gateways (each with its own PostgreSQL) and runs wrk against one, then the other, each round,
# the first of the two alternating between rounds so that neither side always runs after the other.
# Each round prints both sides' requests/s and CPU per call (the gateway process's user + system
# time over the run, from /proc), and B/A; the closing line gives the median of B/A. Rounds swing
# by about 10% here: an A/A run (the defaults) gave 0.929, 0.978, 1.048, 0.932 (median 0.955), so
# take six rounds or more and read only differences well beyond that.
# Needs release builds of tollgate, PostgreSQL's server binaries and wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-6}
DURATION=${DURATION:-8}
CONNECTIONS=${CONNECTIONS:-64}
command -v wrk >/dev/null || { echo "install wrk (apt-get install wrk)"; exit 1; }
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
compared_builds
bench_work loop-ab
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["content-type"] = "application/json"
LUA

start_pair
TICK_US=$((1000000 / $(getconf CLK_TCK)))

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
run() {  # side seconds -> "requests/s us-per-call"
    local port key pid
    if [ "$1" = A ]; then port=$PORT_A key=$KEY_A pid=$GATEWAY_A; else port=$PORT_B key=$KEY_B pid=$GATEWAY_B; fi
    local before after rate
    before=$(ticks "$pid")
    rate=$(wrk -t2 -c"$CONNECTIONS" -d"$2"s -s "$WORK/post.lua" -H "authorization: Bearer $key" \
        "http://127.0.0.1:$port/v1/chat/completions" | awk '/Requests\/sec/ {print $2}')
    after=$(ticks "$pid")
    echo "$rate $(python3 -c "print(round(($after - $before) * $TICK_US / ($rate * $2)))")"
}

echo "A: $A ${A_ENV:-}"
echo "B: $B ${B_ENV:-}"
echo "wrk, $CONNECTIONS connections, ${DURATION}s a side, $ROUNDS rounds; requests/s and the gateway's CPU per call"
run A 3 >/dev/null
run B 3 >/dev/null
ratios=()
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then
        read -r rate_a cpu_a < <(run A "$DURATION")
        read -r rate_b cpu_b < <(run B "$DURATION")
        order="A then B"
    else
        read -r rate_b cpu_b < <(run B "$DURATION")
        read -r rate_a cpu_a < <(run A "$DURATION")
        order="B then A"
    fi
    ratio=$(python3 -c "print(round($rate_b / $rate_a, 3))")
    ratios+=("$ratio")
    echo "round $round ($order)  A $rate_a req/s, $cpu_a us/call  |  B $rate_b req/s, $cpu_b us/call  |  B/A $ratio"
done
echo "median B/A: $(python3 -c "import statistics, sys; print(round(statistics.median(map(float, sys.argv[1:])), 3))" "${ratios[@]}")"
