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
A=${A:-$ROOT/.build/release/tollgate}
B=${B:-$ROOT/.build/release/tollgate}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10}
LOADGEN=$ROOT/.build/release/tollgate-loadgen
PASSTHROUGH=$ROOT/.build/release/tollgate-passthrough
MOCK_PORT=${MOCK_PORT:-19090} PASS_PORT=${PASS_PORT:-18181} PORT=${PORT:-18080}
BODY='{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Summarise the benefits of an LLM gateway in one sentence."}]}'

one() {  # side binary env -> "p99s stalls"
    local work pids=() admin="tgadmin-ab-$RANDOM$RANDOM"
    work=$(mktemp -d /tmp/tollgate-ab-XXXXXX)
    chmod 755 "$work"
    echo "$BODY" >"$work/body.json"
    LOG_LEVEL=warning "$2" mock-upstream --port "$MOCK_PORT" >"$work/mock.log" 2>&1 & pids+=($!)
    "$PASSTHROUGH" --port "$PASS_PORT" --upstream "http://127.0.0.1:$MOCK_PORT" >"$work/pass.log" 2>&1 & pids+=($!)
    (cd "$work" && exec env $3 LOG_LEVEL=warning TOLLGATE_ADMIN_KEY="$admin" OPENAI_API_KEY=sk-ab \
        OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1" "$2" serve --port "$PORT" --data-dir "$work/data" \
        --pricing-dir "$ROOT/Tests/TollgateTestSupport/Fixtures/pricing") >"$work/gateway.log" 2>&1 & pids+=($!)
    trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' RETURN
    for _ in $(seq 150); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
    local team key
    team=$(curl -sf -X POST "localhost:$PORT/admin/teams" -H "authorization: Bearer $admin" -d '{"name":"ab"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    key=$(curl -sf -X POST "localhost:$PORT/admin/keys" -H "authorization: Bearer $admin" -d "{\"team_id\":\"$team\",\"name\":\"ab\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    local urls=("http://127.0.0.1:$MOCK_PORT/v1/chat/completions" "http://127.0.0.1:$PASS_PORT/v1/chat/completions" "http://127.0.0.1:$PORT/v1/chat/completions")
    "$LOADGEN" "${urls[@]:1}" --rate 1000 --seconds 2 --body "$work/body.json" --header "authorization: Bearer $key" >/dev/null
    "$LOADGEN" "${urls[@]}" --rate 1000 --seconds "$DURATION" --body "$work/body.json" --header "authorization: Bearer $key" \
        --samples "$work/samples.txt" >"$work/load.txt"
    python3 - "$work/load.txt" "$work/samples.txt" "$1" <<'PY'
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
}

trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round of $ROUNDS"
    one A "$A" "${A_ENV:-}"
    one B "$B" "${B_ENV:-}"
done
