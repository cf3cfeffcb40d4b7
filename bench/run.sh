#!/usr/bin/env bash
# Measures what Tollgate adds on top of an upstream, in one run on this machine:
#   1. latency at a fixed 1,000 requests/s, evenly spaced (tollgate-loadgen: latency counted from
#      each request's scheduled start), three ways taking turns second by second: straight to the
#      upstream, through a bare Hummingbird + AsyncHTTPClient pass-through (tollgate-passthrough,
#      the floor for any proxy on this stack), and through Tollgate. Taking turns spreads the
#      shared machine's drifting background noise evenly over the three paths; ROUNDS rounds
#      (default 3) are run and reported each, with their medians;
#   2. closed-loop throughput at 64 connections: the upstream directly once, then ROUNDS rounds
#      of the pass-through and Tollgate taking turns, each round's ratio reported with the median;
#   3. when nginx is installed, the fixed-rate latency again with nginx as the upstream: it answers
#      a canned completion for almost no CPU, which isolates what the proxies themselves add.
# Metering is on (every request is priced and written to PostgreSQL); the script checks at the end
# that the spend report counts every request it sent. Writes bench/RESULTS.md.
#
# Needs: release builds of tollgate, tollgate-loadgen and tollgate-passthrough (built here),
# PostgreSQL server binaries, wrk and hey (apt-get install wrk hey); nginx is optional. Not a
# test: it reports numbers and asserts nothing about speed.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
RATE=${RATE:-1000}
DURATION=${DURATION:-20}
ROUNDS=${ROUNDS:-3}
LOOP_DURATION=${LOOP_DURATION:-10}
CONNECTIONS=${CONNECTIONS:-64}

for tool in wrk hey; do command -v $tool >/dev/null || { echo "install $tool (apt-get install wrk hey)"; exit 1; }; done
for product in tollgate tollgate-loadgen tollgate-passthrough; do swift build -c release --product $product; done
BIN=$ROOT/.build/release/tollgate
LOADGEN=$ROOT/.build/release/tollgate-loadgen
PASSTHROUGH=$ROOT/.build/release/tollgate-passthrough

WORK=$(mktemp -d /tmp/tollgate-bench-XXXXXX)
chmod 755 "$WORK"
MOCK_PORT=${MOCK_PORT:-19090}
PORT=${PORT:-18080}
PASS_PORT=${PASS_PORT:-18181}
NGINX_PORT=${NGINX_PORT:-19292}
PORT2=${PORT2:-18282}
PASS_PORT2=${PASS_PORT2:-18383}
ADMIN_KEY="tgadmin-bench-$RANDOM$RANDOM"
PIDS=()
cleanup() {
    kill "${PIDS[@]}" 2>/dev/null || true
    [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=bench/common.sh
source "$ROOT/bench/common.sh"
echo "$BODY" >"$WORK/body.json"
CHAT=/v1/chat/completions

# Fixed rate, the three paths taking turns every second, ROUNDS times; prints the markdown table:
# the median over the rounds of each path's p50 and p99, then what each round measured.
fixed_rate() {  # label key url…
    local label=$1 key=$2; shift 2
    : >"$WORK/load.txt"
    for round in $(seq 1 "$ROUNDS"); do
        echo "  round $round of $ROUNDS" >&2
        "$LOADGEN" "$@" --rate "$RATE" --seconds "$DURATION" --slice-ms 1000 --body "$WORK/body.json" \
            --header "authorization: Bearer $key" >>"$WORK/load.txt"
    done
    python3 - "$WORK/load.txt" "$label" <<'PY'
import statistics, sys
paths = [f"{sys.argv[2]} directly", "through the bare pass-through", "through Tollgate"]
rounds = []  # per round: [(p50, p99, rps, failures)] in path order
for number, line in enumerate(open(sys.argv[1])):
    fields = line.split()[2:]
    values = dict(zip(fields[0::2], fields[1::2]))
    if number % 3 == 0:
        rounds.append([])
    rounds[-1].append((float(values["p50_ms"]), float(values["p99_ms"]), int(values["achieved_rps"]), int(values["failures"])))
def median(path, column):
    return statistics.median(r[path][column] for r in rounds)
print("| path | p50 (ms) | p99 (ms) | achieved req/s | failed |")
print("| --- | --- | --- | --- | --- |")
for path, name in enumerate(paths):
    print(f"| {name} | {median(path, 0):.3f} | {median(path, 1):.3f} | {median(path, 2):.0f} | {sum(r[path][3] for r in rounds)} |")
for path, name, bold in ((1, "added by the bare pass-through", ""), (2, "added by Tollgate", "**")):
    added50 = statistics.median(r[path][0] - r[0][0] for r in rounds)
    added99 = statistics.median(r[path][1] - r[0][1] for r in rounds)
    print(f"| {bold}{name}{bold} | {bold}{added50:.3f}{bold} | {bold}{added99:.3f}{bold} | | |")
print()
print(f"Medians of {len(rounds)} rounds; an added row is the median of each round's own difference.")
print("Each round, p99 in ms:")
print()
print("| round | " + " | ".join(paths) + " | added by the pass-through | added by Tollgate |")
print("| --- " * (len(paths) + 3) + "|")
for number, r in enumerate(rounds, 1):
    cells = [f"{p[1]:.3f}" for p in r] + [f"{r[1][1] - r[0][1]:.3f}", f"{r[2][1] - r[0][1]:.3f}"]
    print(f"| {number} | " + " | ".join(cells) + " |")
PY
}
closed_loop() {  # key url -> "rps p50_ms p99_ms non2xx requests"
    cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = [[$BODY]]
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $1"
LUA
    wrk -t2 -c"$CONNECTIONS" -d"${LOOP_DURATION}s" --latency -s "$WORK/post.lua" "$2" >"$WORK/wrk.txt"
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
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sent = re.search(r"(\d+) requests in", text).group(1)
print(f"{rps:.0f} {ms(50):.3f} {ms(99):.3f} {errors.group(1) if errors else 0} {sent}")
PY
}
# --- against the mock upstream ---
LOG_LEVEL=warning "$BIN" mock-upstream --port "$MOCK_PORT" >"$WORK/mock.log" 2>&1 &
PIDS+=($!)
"$PASSTHROUGH" --port "$PASS_PORT" --upstream "http://127.0.0.1:$MOCK_PORT" >"$WORK/pass.log" 2>&1 &
PIDS+=($!)
OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1" start_gateway "$PORT" "$WORK/data" "$WORK/gateway.log"
read -r TEAM KEY < <(new_key "$PORT")

DIRECT="http://127.0.0.1:$MOCK_PORT$CHAT"
PASS="http://127.0.0.1:$PASS_PORT$CHAT"
PROXY="http://127.0.0.1:$PORT$CHAT"
echo "warming up"
for url in "$PROXY" "$PASS" "$DIRECT"; do
    hey -n 2000 -c 16 -m POST -T application/json -H "authorization: Bearer $KEY" -D "$WORK/body.json" "$url" >/dev/null
done

echo "fixed rate $RATE/s, ${DURATION}s on each path a round, taking turns: mock, pass-through, Tollgate"
MOCK_TABLE=$(fixed_rate mock "$KEY" "$DIRECT" "$PASS" "$PROXY")
echo "closed loop, $CONNECTIONS connections, ${LOOP_DURATION}s each"
read -r CDRPS CD50 CD99 CDBAD _ < <(closed_loop "$KEY" "$DIRECT")
CTSENT=0
: >"$WORK/loop.txt"
for round in $(seq 1 "$ROUNDS"); do
    echo "  round $round of $ROUNDS" >&2
    read -r PRPS P50 P99 PBAD _ < <(closed_loop "$KEY" "$PASS")
    read -r TRPS T50 T99 TBAD TSENT < <(closed_loop "$KEY" "$PROXY")
    CTSENT=$((CTSENT + TSENT))
    echo "$round $PRPS $P50 $P99 $PBAD $TRPS $T50 $T99 $TBAD" >>"$WORK/loop.txt"
done
LOOP_TABLE=$(python3 - "$WORK/loop.txt" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
print("| round | pass-through req/s | p50 (ms) | p99 (ms) | Tollgate req/s | p50 (ms) | p99 (ms) | non-2xx | Tollgate / pass-through |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
ratios = []
for r in rows:
    ratio = float(r[5]) / float(r[1])
    ratios.append(ratio)
    print(f"| {r[0]} | {r[1]} | {r[2]} | {r[3]} | {r[5]} | {r[6]} | {r[7]} | {int(r[4]) + int(r[8])} | {ratio:.3f} |")
med = lambda i: statistics.median(float(r[i]) for r in rows)
print(f"| **median** | {med(1):.0f} | {med(2):.3f} | {med(3):.3f} | {med(5):.0f} | {med(6):.3f} | {med(7):.3f} | | **{statistics.median(ratios):.3f}** |")
PY
)

# Every request through Tollgate must be in the spend report (metering on, nothing lost).
sleep 1
SENT=$(( 2000 + RATE * DURATION * ROUNDS + CTSENT ))
METERED=$(admin "$PORT" GET "/admin/spend?team_id=$TEAM" | python3 -c 'import json,sys; print(json.load(sys.stdin)["totals"]["requests"])')

# --- against nginx ---
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
    "$PASSTHROUGH" --port "$PASS_PORT2" --upstream "http://127.0.0.1:$NGINX_PORT" >"$WORK/pass2.log" 2>&1 &
    PIDS+=($!)
    start_gateway "$PORT2" "$WORK/data2" "$WORK/gateway2.log" --config "$WORK/nginx.yaml"
    read -r _ KEY2 < <(new_key "$PORT2")
    NGINX_DIRECT="http://127.0.0.1:$NGINX_PORT$CHAT"
    NGINX_PASS="http://127.0.0.1:$PASS_PORT2$CHAT"
    NGINX_PROXY="http://127.0.0.1:$PORT2$CHAT"
    for url in "$NGINX_PROXY" "$NGINX_PASS"; do
        hey -n 2000 -c 16 -m POST -T application/json -H "authorization: Bearer $KEY2" -D "$WORK/body.json" "$url" >/dev/null
    done
    NGINX_TABLE=$(fixed_rate nginx "$KEY2" "$NGINX_DIRECT" "$NGINX_PASS" "$NGINX_PROXY")
    NGINX_SECTION="
## Added latency with nginx as the upstream (fixed $RATE requests/s, $ROUNDS rounds of ${DURATION}s a path)

nginx answers a canned completion for almost no CPU, so more of the two cores is left for the
proxies: this isolates what they add (the setup of the reference numbers in the issue).

$NGINX_TABLE
"
fi

CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
cat >bench/RESULTS.md <<MD
# Benchmark results

Run by \`bench/run.sh\` at commit $COMMIT on $(date -u +%Y-%m-%d), on $(nproc) cores ($CPU) and
$(free -g | awk '/Mem:/ {print $2}') GiB; gateway, upstream,
PostgreSQL and the load generators all share those cores. Release build, metering on: every
request through Tollgate is priced and written to PostgreSQL in batches. The request is a small
\`gpt-4o-mini\` chat completion. "Bare pass-through" is \`tollgate-passthrough\`: Hummingbird +
AsyncHTTPClient forwarding the body and nothing else, the floor for a proxy on this stack.

## Added latency at a fixed $RATE requests/s (tollgate-loadgen, evenly spaced, $ROUNDS rounds of ${DURATION}s a path)

The three paths take turns second by second within a round, so the machine's background noise
falls on each alike; the noise still drifts between rounds by up to a millisecond at p99, so each
round is shown and the table gives the medians. Latency is counted from each request's scheduled
start, so queueing is not hidden. Upstream: \`tollgate mock-upstream\` (Hummingbird,
deterministic answers).

$MOCK_TABLE

Target: Tollgate's added p99 within the bare pass-through's + 0.5 ms.

## Closed-loop throughput, $CONNECTIONS connections (wrk, 2 threads, ${LOOP_DURATION}s a path)

The mock directly, once: $CDRPS requests/s (p50 $CD50 ms, p99 $CD99 ms, $CDBAD non-2xx). Then
$ROUNDS rounds of the bare pass-through and Tollgate taking turns:

$LOOP_TABLE

Target: Tollgate at least 0.86 of the bare pass-through's requests/s (median of the rounds).
$NGINX_SECTION
## Metering

Requests completed through Tollgate: $SENT (each wrk run stops with up to $CONNECTIONS requests
still in flight, which complete after its count). Requests in the spend report afterwards: $METERED.
MD
cat bench/RESULTS.md
if [ "$METERED" -lt "$SENT" ] || [ "$METERED" -gt $((SENT + CONNECTIONS * ROUNDS)) ]; then
    echo "metering does not match: completed $SENT, metered $METERED"
    exit 1
fi
