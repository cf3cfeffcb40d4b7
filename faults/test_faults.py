"""The failures a gateway in production meets, injected into the built binary under load.

Each case is bounded (the slowest is the 20 s database outage) and ends with the usage rows in
PostgreSQL checked one for one against what the load saw answered.
"""
import json
import os
import time
from decimal import Decimal

from conftest import Load, assert_rows_match, wait_until

USER = [{"role": "user", "content": "hi"}]


def test_kill_9_mid_load_loses_no_answered_call(world):
    gateway, postgres = world
    gateway.start()
    _, key = gateway.new_key(monthly_budget_usd=1000)
    with Load(gateway, key) as load:
        time.sleep(3)
        gateway.kill()                     # SIGKILL: no flush, no goodbye
        gateway.start()                    # the spool left behind is replayed
        time.sleep(3)
    assert gateway.terminate() == 0
    rows, extra = assert_rows_match(postgres, load)
    print(f"kill -9: {len(load.completed)} answered, {load.failed} failed around the kill, {rows} rows, {extra} rows "
          "for calls cut by the kill")
    assert rows >= 100
    # The spool is empty once everything is written.
    assert not list((gateway.data / "spool").glob("*.spool"))


def test_postgres_outage_is_served_and_drained(world):
    gateway, postgres = world
    gateway.start()
    _, key = gateway.new_key(monthly_budget_usd=1000)
    with Load(gateway, key) as load:
        time.sleep(2)                      # keys and budgets are warm
        postgres.stop()
        outage_start = time.monotonic()
        wait_until(lambda: gateway.get("/ready")[0] == 503, 10, "/ready to report the outage")
        status, body = gateway.get("/ready")
        assert body["checks"]["database"]["status"] == "unreachable"
        assert gateway.get("/health")[0] == 200
        time.sleep(max(0, 20 - (time.monotonic() - outage_start)))
        outage_end = time.monotonic()
        postgres.start()
        wait_until(lambda: gateway.get("/ready")[0] == 200, 30, "/ready to recover")
        time.sleep(1)
    during = [status for at, status in load.timeline if outage_start <= at <= outage_end]
    ok = sum(1 for status in during if status == 200)
    share = ok / len(during)
    print(f"outage: {len(during)} calls in 20 s, {share:.2%} answered 200")
    assert len(during) >= 100
    assert share >= 0.99
    assert gateway.terminate() == 0
    assert_rows_match(postgres, load)


def open_stream(gateway, key: str, model: str):
    import http.client
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    connection.request("POST", "/v1/chat/completions", body=json.dumps({"model": model, "stream": True, "messages": USER}),
                       headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    response = connection.getresponse()
    return response, response.getheader("x-tollgate-request-id")


def test_sigterm_lets_a_slow_stream_finish_and_writes_its_row(world):
    gateway, postgres = world
    gateway.start()
    _, key = gateway.new_key()
    with Load(gateway, key, threads=4) as load:
        time.sleep(1)
        response, request_id = open_stream(gateway, key, "mock-drip")
        time.sleep(0.3)                    # the stream drips one event every 100 ms for 1.6 s
        gateway.process.send_signal(15)
        body = response.read().decode()
        assert body.rstrip().endswith("data: [DONE]")
        assert gateway.process.wait(timeout=60) == 0
    rows = postgres.psql(f"SELECT status, streamed FROM usage_events WHERE request_id = '{request_id}'")
    assert rows == [["200", "t"]]
    assert_rows_match(postgres, load, {request_id})


def test_a_stream_past_the_grace_is_cut_and_settled(world):
    gateway, postgres = world
    gateway.start("--shutdown-grace", "0.5")
    _, key = gateway.new_key()
    with Load(gateway, key, threads=4) as load:
        time.sleep(1)
        response, request_id = open_stream(gateway, key, "priced-drip")
        time.sleep(0.2)
        started = time.monotonic()
        gateway.process.send_signal(15)
        try:
            response.read()
        except Exception:
            pass
        assert gateway.process.wait(timeout=60) == 0
        assert time.monotonic() - started < 10
    rows = postgres.psql(f"SELECT status, usage_estimated, cost_usd > 0 FROM usage_events WHERE request_id = '{request_id}'")
    assert rows == [["503", "t", "t"]]
    assert_rows_match(postgres, load, {request_id})


def test_impossible_usage_from_an_upstream_is_a_bad_answer_and_metering_goes_on(world):
    gateway, postgres = world
    gateway.start()
    _, key = gateway.new_key()
    ids = []
    with Load(gateway, key, threads=4) as load:
        time.sleep(1)
        for model in ["mock-huge-usage", "mock-negative-usage"]:
            status, body, headers = gateway.request("POST", "/v1/chat/completions", {"model": model, "messages": USER}, key=key)
            assert status == 502 and json.loads(body)["error"]["code"] == "upstream_bad_response"
            ids.append(headers["x-tollgate-request-id"])
            status, body, headers = gateway.request("POST", "/v1/chat/completions",
                                                    {"model": model, "stream": True, "messages": USER}, key=key)
            assert status == 200 and b"upstream_bad_response" in body
            ids.append(headers["x-tollgate-request-id"])
        assert gateway.get("/health")[0] == 200
        time.sleep(1)                      # metering goes on under the load
    assert gateway.terminate() == 0
    listed = ", ".join(f"'{i}'" for i in ids)
    rows = postgres.psql(f"SELECT status, usage_estimated FROM usage_events WHERE request_id IN ({listed})")
    assert rows == [["502", "t"]] * 4
    rows_written, _ = assert_rows_match(postgres, load, set(ids))
    assert rows_written >= len(ids) + 50


def test_calls_that_failed_after_sending_are_billed_at_their_estimate(world):
    gateway, postgres = world
    gateway.start()
    _, load_key = gateway.new_key()
    team, key = gateway.new_key(monthly_budget_usd=10)
    expected = {"priced-hang": 504, "priced-reset": 502, "priced-invalid-json": 502}
    ids = set()
    with Load(gateway, load_key, threads=4) as load:
        time.sleep(1)
        for model, status in expected.items():
            got, _, headers = gateway.request("POST", "/v1/chat/completions",
                                              {"model": model, "max_tokens": 500, "messages": USER}, key=key)
            assert got == status, model
            ids.add(headers["x-tollgate-request-id"])
        listed = ", ".join(f"'{i}'" for i in ids)
        wait_until(lambda: len(postgres.psql(f"SELECT 1 FROM usage_events WHERE request_id IN ({listed})")) == 3, 10,
                   "three usage rows")
        status, budget = gateway.get("/v1/budget", key=key)
        assert Decimal(str(budget["team"]["spent_usd"])) == Decimal("0.003054")
    rows = {}
    for served, status, estimated, cost in postgres.psql(
            f"SELECT served_model, status, usage_estimated, cost_usd FROM usage_events WHERE request_id IN ({listed})"):
        rows[served] = (int(status), estimated, Decimal(cost))
    for model, status in expected.items():
        assert rows[model] == (status, "t", Decimal("0.001018000000")), model   # 18 × $1/1M + 500 × $2/1M
    assert gateway.terminate() == 0
    assert_rows_match(postgres, load, ids)


def test_fail_closed_refuses_budgeted_calls_while_postgres_is_down(world):
    gateway, postgres = world
    gateway.start("--budget-enforcement", "fail-closed")
    _, budgeted = gateway.new_key(monthly_budget_usd=10)
    _, unbudgeted = gateway.new_key()
    body = {"model": "gpt-4o-mini", "max_tokens": 8, "messages": USER}
    for key in (budgeted, unbudgeted):
        assert gateway.request("POST", "/v1/chat/completions", body, key=key)[0] == 200
    postgres.stop()
    try:
        wait_until(lambda: gateway.get("/ready")[0] == 503, 10, "/ready to report the outage")
        status, answer, _ = gateway.request("POST", "/v1/chat/completions", body, key=budgeted)
        assert status == 503 and json.loads(answer)["error"]["code"] == "service_unavailable"
        # Nothing to enforce on a key without a budget: it is still served.
        assert gateway.request("POST", "/v1/chat/completions", body, key=unbudgeted)[0] == 200
    finally:
        postgres.start()
    wait_until(lambda: gateway.request("POST", "/v1/chat/completions", body, key=budgeted)[0] == 200, 30,
               "budgeted calls to be served again")
    assert gateway.terminate() == 0


def test_sighup_reloads_routing_and_rejects_a_bad_file(world):
    gateway, postgres = world
    config = gateway.workdir / "tollgate.yaml"
    original = config.read_text()
    config.write_text(original + "aliases:\n  fast: mock-ok\n")
    gateway.start()
    _, key = gateway.new_key()

    def served(model: str) -> tuple[int, str | None]:
        status, _, headers = gateway.request("POST", "/v1/chat/completions", {"model": model, "messages": USER}, key=key)
        return status, headers.get("x-tollgate-model")

    assert served("fast") == (200, "mock-ok")
    # A stream started before the reload finishes under the configuration it started with.
    response, request_id = open_stream(gateway, key, "mock-drip")
    config.write_text(original + "aliases:\n  fast: mock-drip\n")
    gateway.process.send_signal(1)  # SIGHUP
    wait_until(lambda: served("fast") == (200, "mock-drip"), 10, "the reloaded alias to serve")
    body = response.read().decode()
    assert "[DONE]" in body

    # A file that does not validate is refused, with where; the running configuration stays.
    config.write_text(original + "aliases:\n  fast: mock-ok\nroutes:\n  summaries: []\n")
    gateway.process.send_signal(1)
    wait_until(lambda: "rejected the configuration reload" in gateway.log.read_text(), 10, "the reload to be rejected")
    assert "routes.summaries" in gateway.log.read_text()
    assert served("fast") == (200, "mock-drip")
    assert gateway.terminate() == 0
    rows = postgres.psql(f"SELECT status FROM usage_events WHERE request_id = '{request_id}'")
    assert rows == [["200"]]
