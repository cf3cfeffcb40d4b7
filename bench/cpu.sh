#!/usr/bin/env bash
# CPU per call of two gateway builds or settings, under the same load at the same time.
#
#   A=/path/to/old/tollgate B=.build/release/tollgate bench/cpu.sh
#   B_ENV="TOLLGATE_USAGE_FLUSH_MS=5000" RATE=800 ROUNDS=4 bench/cpu.sh
#
# Throughput and p99 on this shared 2-core machine drift by 10% and more between runs, so a change
# worth 1-5% of the gateway's CPU cannot be seen in them, nor in builds measured one after the
# other. This starts both gateways (each with its own PostgreSQL) and loads them at once, each at
# a fixed RATE requests/s for DURATION seconds, so whatever the machine does falls on both alike; each
# round it prints, per call, the CPU time (user + system, from /proc) of each gateway process and
# of its PostgreSQL cluster, in microseconds. An A/A run (the defaults) shows the noise floor:
# within about 2% here. At a fixed rate a call costs more than at saturation (every call wakes the
# loops), so compare A with B, not these figures with the closed-loop ones.
# Needs release builds of tollgate and tollgate-loadgen, and PostgreSQL's server binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RATE=${RATE:-1000}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
LOADGEN=$ROOT/.build/release/tollgate-loadgen
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
compared_builds
bench_work cpu
echo "$BODY" >"$WORK/body.json"

start_pair
# Each gateway's cluster: the postmaster started on its data directory, and its backends.
POSTMASTER_A=$(pgrep -f -- "-D $WORK/a" | head -1)
POSTMASTER_B=$(pgrep -f -- "-D $WORK/b" | head -1)

cpu_ticks() {  # gateway-pid postmaster-pid -> "gateway-ticks cluster-ticks"
    python3 - "$1" "$2" <<'PY'
import os, sys
gateway, postmaster = int(sys.argv[1]), int(sys.argv[2])
children, ticks = {}, {}
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        text = open(f"/proc/{entry}/stat").read()
    except OSError:
        continue
    fields = text[text.rindex(")") + 2:].split()
    children.setdefault(int(fields[1]), []).append(int(entry))
    ticks[int(entry)] = int(fields[11]) + int(fields[12])
cluster, stack = ticks.get(postmaster, 0), list(children.get(postmaster, []))
while stack:
    pid = stack.pop()
    cluster += ticks.get(pid, 0)
    stack += children.get(pid, [])
print(ticks[gateway], cluster)
PY
}

load() {  # port key out [seconds]
    "$LOADGEN" "http://127.0.0.1:$1/v1/chat/completions" --rate "$RATE" --seconds "${4:-$DURATION}" \
        --body "$WORK/body.json" --header "authorization: Bearer $2" >"$3"
}

echo "A: $A ${A_ENV:-}"
echo "B: $B ${B_ENV:-}"
echo "both at $RATE requests/s at once, ${DURATION}s a round; CPU per call in us (gateway, its PostgreSQL)"
load "$PORT_A" "$KEY_A" "$WORK/warm-a.txt" 3 & first=$!
load "$PORT_B" "$KEY_B" "$WORK/warm-b.txt" 3
wait "$first"
TICK_US=$((1000000 / $(getconf CLK_TCK)))
for round in $(seq 1 "$ROUNDS"); do
    read -r a0 pa0 < <(cpu_ticks "$GATEWAY_A" "${POSTMASTER_A:-0}")
    read -r b0 pb0 < <(cpu_ticks "$GATEWAY_B" "${POSTMASTER_B:-0}")
    load "$PORT_A" "$KEY_A" "$WORK/load-a.txt" & first=$!
    load "$PORT_B" "$KEY_B" "$WORK/load-b.txt"
    wait "$first"
    read -r a1 pa1 < <(cpu_ticks "$GATEWAY_A" "${POSTMASTER_A:-0}")
    read -r b1 pb1 < <(cpu_ticks "$GATEWAY_B" "${POSTMASTER_B:-0}")
    calls_a=$(awk '{print $2}' "$WORK/load-a.txt")
    calls_b=$(awk '{print $2}' "$WORK/load-b.txt")
    echo "round $round  A $(( (a1 - a0) * TICK_US / calls_a )) us + PostgreSQL $(( (pa1 - pa0) * TICK_US / calls_a ))" \
        " |  B $(( (b1 - b0) * TICK_US / calls_b )) us + PostgreSQL $(( (pb1 - pb0) * TICK_US / calls_b ))" \
        " |  failures A $(awk '{print $4}' "$WORK/load-a.txt") B $(awk '{print $4}' "$WORK/load-b.txt")"
done
