# What bench/run.sh and bench/ab.sh share: the request they send, starting a gateway and waiting
# for it, and a team key to call it with. Sourced; uses ROOT, WORK, BIN, ADMIN_KEY and PIDS of
# the script that sources it.

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
