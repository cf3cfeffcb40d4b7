#!/usr/bin/env bash
# Measures what Tollgate adds on top of an upstream, in one run on this machine:
#   1. latency at a fixed 1,000 requests/s, evenly spaced (tollgate-loadgen: latency counted from
#      each request's scheduled start), straight to the mock upstream and through Tollgate;
#   2. closed-loop throughput at 64 connections, the same two ways.
#   3. when nginx is installed, the fixed-rate latency again with nginx as the upstream: it answers
#      a canned completion for almost no CPU, which isolates what Tollgate itself adds.
# Metering is on (every request is priced and written to PostgreSQL); the script checks at the end
# that the spend report counts every request it sent. Writes bench/RESULTS.md.
#
# Needs: release builds of tollgate and tollgate-loadgen (built here), PostgreSQL server binaries,
# wrk (apt-get install wrk) and hey (warm-up only). Not a test: it reports numbers and asserts
# nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RATE=${RATE:-1000}
DURATION=${DURATION:-15}
CONNECTIONS=${CONNECTIONS:-64}

for tool in wrk hey; do command -v $tool >/dev/null || { echo "install $tool (apt-get install wrk hey)"; exit 1; }; done
swift build -c release --product tollgate
swift build -c release --product tollgate-loadgen
BIN=$ROOT/.build/release/tollgate
LOADGEN=$ROOT/.build/release/tollgate-loadgen

WORK=$(mktemp -d /tmp/tollgate-bench-XXXXXX)
chmod 755 "$WORK"
MOCK_PORT=${MOCK_PORT:-19090}
PORT=${PORT:-18080}
ADMIN_KEY="tgadmin-bench-$RANDOM$RANDOM"
NGINX_PORT=${NGINX_PORT:-19292}
PORT2=${PORT2:-18282}
cleanup() {
    kill "${GATEWAY_PID:-}" "${GATEWAY2_PID:-}" "${MOCK_PID:-}" 2>/dev/null || true
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    wait "${GATEWAY_PID:-}" "${GATEWAY2_PID:-}" "${MOCK_PID:-}" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

LOG_LEVEL=warning "$BIN" mock-upstream --port "$MOCK_PORT" >"$WORK/mock.log" 2>&1 &
MOCK_PID=$!
(cd "$WORK" && LOG_LEVEL=warning OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1" TOLLGATE_ADMIN_KEY=$ADMIN_KEY \
    exec "$BIN" serve --port "$PORT" --data-dir "$WORK/data" --pricing-dir "$ROOT/pricing" --migrations-dir "$ROOT/migrations") \
    >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
curl -sf "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/gateway.log"; exit 1; }

admin() { curl -sf -X "$1" "http://127.0.0.1:$PORT$2" -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' ${3:+-d "$3"}; }
TEAM=$(admin POST /admin/teams '{"name": "bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
KEY=$(admin POST /admin/keys "{\"team_id\": \"$TEAM\", \"name\": \"bench\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')

BODY='{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Summarise the benefits of an LLM gateway in one sentence."}]}'
echo "$BODY" >"$WORK/body.json"
cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $KEY"
LUA

fixed_rate() {  # url -> "p50_ms p99_ms achieved_rps failures"
    "$LOADGEN" "$1" --rate "$RATE" --seconds "$DURATION" --body "$WORK/body.json" --header "authorization: Bearer $KEY" >"$WORK/load.txt"
    python3 - "$WORK/load.txt" <<'PY'
import sys
fields = open(sys.argv[1]).read().split()
values = dict(zip(fields[0::2], fields[1::2]))
print(values["p50_ms"], values["p99_ms"], values["achieved_rps"], values["failures"])
PY
}
closed_loop() {  # url -> "rps p50_ms p99_ms"
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$1" >"$WORK/wrk.txt"
    python3 - "$WORK/wrk.txt" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(percent):
    match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not match:
        sys.exit(f"cannot read the {percent}th percentile from wrk:\n{text}")
    number, unit = match.groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p50 = ms(50)
p99 = ms(99)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {p50:.3f} {p99:.3f} {errors.group(1) if errors else 0}")
PY
}

DIRECT="http://127.0.0.1:$MOCK_PORT/v1/chat/completions"
PROXY="http://127.0.0.1:$PORT/v1/chat/completions"
echo "warming up"
hey -n 2000 -c 16 -m POST -T application/json -H "authorization: Bearer $KEY" -D "$WORK/body.json" "$PROXY" >/dev/null
hey -n 2000 -c 16 -m POST -T application/json -D "$WORK/body.json" "$DIRECT" >/dev/null

echo "fixed rate $RATE/s for ${DURATION}s: direct"
read -r D50 D99 DRPS DBAD < <(fixed_rate "$DIRECT")
echo "fixed rate $RATE/s for ${DURATION}s: through Tollgate"
read -r P50 P99 PRPS PBAD < <(fixed_rate "$PROXY")
echo "closed loop, $CONNECTIONS connections: direct"
read -r CDRPS CD50 CD99 CDBAD < <(closed_loop "$DIRECT")
echo "closed loop, $CONNECTIONS connections: through Tollgate"
read -r CPRPS CP50 CP99 CPBAD < <(closed_loop "$PROXY")

# Every request through Tollgate must be in the spend report (metering on, nothing lost).
sleep 1
SENT=$(( 2000 + RATE * DURATION ))
METERED=$(admin GET "/admin/spend?team_id=$TEAM" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["requests"])')
WRK_SENT=$(python3 -c "import re; print(re.search(r'(\d+) requests in', open('$WORK/wrk.txt').read()).group(1))")
SENT=$(( SENT + WRK_SENT ))

NGINX_SECTION=""
if command -v nginx >/dev/null; then
    echo "fixed rate with nginx as the upstream"
    mkdir -p "$WORK/nginx"
    cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    client_body_temp_path $WORK/nginx;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / {
            default_type application/json;
            return 200 '{"id":"chatcmpl-nginx","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"A gateway meters every call."},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":7,"total_tokens":37}}';
        }
    }
}
NGINX
    nginx -p "$WORK/nginx" -c "$WORK/nginx.conf"
    cat >"$WORK/nginx.yaml" <<YAML
providers:
  - name: nginx
    base_url: http://127.0.0.1:$NGINX_PORT/v1
    models: [gpt-4o-mini]
YAML
    (cd "$WORK" && LOG_LEVEL=warning TOLLGATE_ADMIN_KEY=$ADMIN_KEY \
        exec "$BIN" serve --port "$PORT2" --data-dir "$WORK/data2" --config "$WORK/nginx.yaml" \
        --pricing-dir "$ROOT/pricing" --migrations-dir "$ROOT/migrations") >"$WORK/gateway2.log" 2>&1 &
    GATEWAY2_PID=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT2/health" >/dev/null && break; sleep 0.2; done
    admin2() { curl -sf -X "$1" "http://127.0.0.1:$PORT2$2" -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' ${3:+-d "$3"}; }
    TEAM2=$(admin2 POST /admin/teams '{"name": "bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    KEY2=$(admin2 POST /admin/keys "{\"team_id\": \"$TEAM2\", \"name\": \"bench\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    NGINX_DIRECT="http://127.0.0.1:$NGINX_PORT/v1/chat/completions"
    NGINX_PROXY="http://127.0.0.1:$PORT2/v1/chat/completions"
    KEY_SAVED=$KEY; KEY=$KEY2
    "$LOADGEN" "$NGINX_PROXY" --rate "$RATE" --seconds 2 --body "$WORK/body.json" --header "authorization: Bearer $KEY" >/dev/null
    read -r N50 N99 NRPS NBAD < <(fixed_rate "$NGINX_DIRECT")
    read -r G50 G99 GRPS GBAD < <(fixed_rate "$NGINX_PROXY")
    KEY=$KEY_SAVED
    NADDED50=$(python3 -c "print(f'{$G50 - $N50:.3f}')")
    NADDED99=$(python3 -c "print(f'{$G99 - $N99:.3f}')")
    NGINX_SECTION="
## Added latency with nginx as the upstream (fixed $RATE requests/s, ${DURATION}s)

nginx answers a canned completion for almost no CPU, so more of the two cores is left for
Tollgate: this isolates what Tollgate itself adds (the setup of the reference numbers in the issue).

| path | p50 (ms) | p99 (ms) | achieved req/s | failed |
| --- | --- | --- | --- | --- |
| nginx directly | $N50 | $N99 | $NRPS | $NBAD |
| through Tollgate | $G50 | $G99 | $GRPS | $GBAD |
| **added by Tollgate** | **$NADDED50** | **$NADDED99** | | |
"
fi

ADDED50=$(python3 -c "print(f'{$P50 - $D50:.3f}')")
ADDED99=$(python3 -c "print(f'{$P99 - $D99:.3f}')")
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
cat >bench/RESULTS.md <<MD
# Benchmark results

Run by \`bench/run.sh\` on $(date -u +%Y-%m-%d) on $(nproc) cores ($CPU); gateway, mock upstream,
PostgreSQL and the load generators all share those cores. Release build, metering on: every
request is priced and written to PostgreSQL in batches. The upstream is \`tollgate mock-upstream\`
(Hummingbird, deterministic answers); the request is a small \`gpt-4o-mini\` chat completion.

## Added latency at a fixed $RATE requests/s (tollgate-loadgen, evenly spaced, ${DURATION}s)

Latency is counted from each request's scheduled start, so queueing is not hidden.

| path | p50 (ms) | p99 (ms) | achieved req/s | failed |
| --- | --- | --- | --- | --- |
| mock directly | $D50 | $D99 | $DRPS | $DBAD |
| through Tollgate | $P50 | $P99 | $PRPS | $PBAD |
| **added by Tollgate** | **$ADDED50** | **$ADDED99** | | |

Target: added p99 under 2 ms.

## Closed-loop throughput, $CONNECTIONS connections (wrk, 2 threads, ${DURATION}s)

| path | req/s | p50 (ms) | p99 (ms) | non-2xx |
| --- | --- | --- | --- | --- |
| mock directly | $CDRPS | $CD50 | $CD99 | $CDBAD |
| through Tollgate | $CPRPS | $CP50 | $CP99 | $CPBAD |

Target: at least 3,000 requests/s through Tollgate.
$NGINX_SECTION
## Metering

Requests completed through Tollgate: $SENT (wrk stops with up to $CONNECTIONS requests still in
flight, which complete after its count). Requests in the spend report afterwards: $METERED.
MD
cat bench/RESULTS.md
if [ "$METERED" -lt "$SENT" ] || [ "$METERED" -gt $((SENT + CONNECTIONS)) ]; then
    echo "metering does not match: completed $SENT, metered $METERED"
    exit 1
fi
