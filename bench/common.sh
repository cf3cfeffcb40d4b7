# What the bench scripts share: the request they send, starting a gateway and waiting for it, a
# team key to call it with, and for the two-gateway comparisons (cpu.sh, loop-ab.sh) their scratch
# directory and the pair of gateways. Sourced; uses ROOT, WORK, BIN, ADMIN_KEY and PIDS of the
# script that sources it.

BODY='{"model":"gpt-4o-mini","max_tokens":16,"messages":[{"role":"system","content":"You are a concise assistant."},{"role":"user","content":"Summarise the benefits of an LLM gateway in one sentence."}]}'

wait_for() {  # url log
    for _ in $(seq 1 150); do curl -sf "$1" >/dev/null && return; sleep 0.2; done
    cat "$2"; exit 1
}
# port data-dir log [serve options…]; upstream settings come from the environment, and
# GATEWAY_ENV ("NAME=value …") is set for the gateway alone.
start_gateway() {
    local port=$1 data=$2 log=$3; shift 3
    # shellcheck disable=SC2086  # GATEWAY_ENV is a list of assignments
    (cd "$WORK" && LOG_LEVEL=warning TOLLGATE_ADMIN_KEY=$ADMIN_KEY exec env ${GATEWAY_ENV:-} "$BIN" serve --port "$port" \
        --data-dir "$data" --pricing-dir "$ROOT/Tests/TollgateTestSupport/Fixtures/pricing" "$@") >"$log" 2>&1 &
    PIDS+=($!)
    wait_for "http://127.0.0.1:$port/health" "$log"
}
admin() {  # port method path [body]
    curl -sf -X "$2" "http://127.0.0.1:$1$3" -H "authorization: Bearer $ADMIN_KEY" -H 'content-type: application/json' ${4:+-d "$4"}
}
new_key() {  # port -> "team-id key"
    local team
    team=$(admin "$1" POST /admin/teams '{"name": "bench"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    echo "$team $(admin "$1" POST /admin/keys "{\"team_id\": \"$team\", \"name\": \"bench\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')"
}

# A scratch directory, removed at exit together with every process in PIDS: sets WORK, ADMIN_KEY
# and PIDS (for scripts that need no more clean-up than that).
bench_work() {  # name
    WORK=$(mktemp -d "/tmp/tollgate-$1-XXXXXX")
    chmod 755 "$WORK"
    ADMIN_KEY="tgadmin-$1-$RANDOM$RANDOM"
    PIDS=()
    trap bench_cleanup EXIT
}
bench_cleanup() {
    kill "${PIDS[@]}" 2>/dev/null || true
    wait "${PIDS[@]}" 2>/dev/null || true
    rm -rf "$WORK"
}
# The two builds a comparison runs: A and B from the environment, the release build by default,
# as absolute paths (the gateways run in the scratch directory).
compared_builds() {
    A=$(realpath "${A:-$ROOT/.build/release/tollgate}")
    B=$(realpath "${B:-$ROOT/.build/release/tollgate}")
}
# The mock upstream on MOCK_PORT and two gateways to compare, each with its own PostgreSQL: A on
# PORT_A (binary A, environment A_ENV) and B on PORT_B (B, B_ENV); the ports default to 19090,
# 18080 and 18081. Sets GATEWAY_A, GATEWAY_B (their process ids) and KEY_A, KEY_B (a team key for
# each).
start_pair() {
    : "${MOCK_PORT:=19090}" "${PORT_A:=18080}" "${PORT_B:=18081}"
    LOG_LEVEL=warning "$A" mock-upstream --port "$MOCK_PORT" >"$WORK/mock.log" 2>&1 & PIDS+=($!)
    export OPENAI_API_KEY=sk-bench OPENAI_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1"
    BIN=$A GATEWAY_ENV=${A_ENV:-} start_gateway "$PORT_A" "$WORK/a" "$WORK/a.log"
    GATEWAY_A=${PIDS[-1]}
    BIN=$B GATEWAY_ENV=${B_ENV:-} start_gateway "$PORT_B" "$WORK/b" "$WORK/b.log"
    GATEWAY_B=${PIDS[-1]}
    read -r _ KEY_A < <(new_key "$PORT_A")
    read -r _ KEY_B < <(new_key "$PORT_B")
}
