#!/usr/bin/env bash
# A/B of two gateway builds or settings at a fixed 1,000 requests/s: p99 is what the issue's
# latency target reads, and on this shared 2-core machine a change of less than ~0.3 ms in it can
# only be told from noise by taking turns, round after round, which this does.
#
#   bench/ab.sh                                       # the release build against itself (noise floor)
#   A=/path/to/old/tollgate B=.build/release/tollgate bench/ab.sh
#   B_ENV="TOLLGATE_USAGE_FLUSH_MS=5000" ROUNDS=4 bench/ab.sh
#
# Each round starts the mock upstream, the bare pass-through and a gateway (A, then B, taking
# turns), and runs tollgate-loadgen over the three paths in 1 s slices for DURATION seconds each. It prints,
# per round and side: the p99 of the mock directly, of the pass-through and of the gateway (ms),
# and the gateway's stalls: runs of three or more consecutive requests over 1.5 ms, the signature of
# a thread or process held up for milliseconds (most of a p99 on this machine is such runs).
# Needs release builds of tollgate, tollgate-loadgen and tollgate-passthrough, and PostgreSQL's
# server binaries (the gateway starts its own cluster in a scratch directory).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
LOADGEN=$ROOT/.build/release/tollgate-loadgen
PASSTHROUGH=$ROOT/.build/release/tollgate-passthrough
MOCK_PORT=${MOCK_PORT:-19090} PASS_PORT=${PASS_PORT:-18181} PORT=${PORT:-18080}
# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
compared_builds
PIDS=()
WORK=""
stop() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    PIDS=()
    [ -n "$WORK" ] && rm -rf "$WORK"
    WORK=""
}
trap stop EXIT

one() {  # side binary gateway-env -> one line of p99s and stalls
    BIN=$2
    WORK=$(mktemp -d /tmp/tollgate-ab-XXXXXX)
    chmod 755 "$WORK"
    ADMIN_KEY="tgadmin-ab-$RANDOM$RANDOM"
    echo "$BODY" >"$WORK/body.json"
    LOG_LEVEL=warning "$BIN" mock-upstream --port "$MOCK_PORT" >"$WORK/mock.log" 2>&1 & PIDS+=($!)
    "$PASSTHROUGH" --port "$PASS_PORT" --upstream "http://127.0.0.1:$MOCK_PORT" >"$WORK/pass.log" 2>&1 & PIDS+=($!)
    OPENAI_API_KEY=sk-ab OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1" GATEWAY_ENV=$3 \
        start_gateway "$PORT" "$WORK/data" "$WORK/gateway.log"
    local key
    read -r _ key < <(new_key "$PORT")
    local urls=("http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "http://127.0.0.1:$PASS_PORT/v1/chat/completions" "http://127.0.0.1:$PORT/v1/chat/completions")
    "$LOADGEN" "${urls[@]:1}" --rate 1000 --seconds 2 --body "$WORK/body.json" --header "authorization: Bearer $key" >/dev/null
    "$LOADGEN" "${urls[@]}" --rate 1000 --seconds "$DURATION" --body "$WORK/body.json" --header "authorization: Bearer $key" \
        --samples "$WORK/samples.txt" >"$WORK/load.txt"
    python3 - "$WORK/load.txt" "$WORK/samples.txt" "$1" <<'PY'
import sys
p99 = [line.split()[line.split().index("p99_ms") + 1] for line in open(sys.argv[1])]
samples = sorted((float(o), float(l)) for o, l, t in (line.split() for line in open(sys.argv[2])) if t == "2")
stalls, run = 0, 0
for _, latency in samples + [(0, 0)]:
    if latency > 1.5:
        run += 1
    else:
        stalls += run >= 3
        run = 0
print(f"{sys.argv[3]}  p99 mock {p99[0]}  pass-through {p99[1]}  gateway {p99[2]}  gateway stalls {stalls}")
PY
    stop
}

for round in $(seq 1 "$ROUNDS"); do
    echo "round $round of $ROUNDS"
    one A "$A" "${A_ENV:-}"
    one B "$B" "${B_ENV:-}"
done
