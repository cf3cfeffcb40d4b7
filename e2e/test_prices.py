"""Prices and models that stay current, through the official openai package: a model in no price
table is served as provider/model and metered with cost null; a price posted through the admin API
prices the next call; /v1/cost/estimate agrees with the reservation the real call makes."""
import json
import threading
import time
import urllib.request
from decimal import Decimal

import openai

MESSAGES = [{"role": "user", "content": "price this please"}]


def budget(gateway, key):
    request = urllib.request.Request(gateway.url + "/v1/budget", headers={"authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read(), parse_float=Decimal)


def estimate(gateway, key, body):
    request = urllib.request.Request(gateway.url + "/v1/cost/estimate", data=json.dumps(body).encode(), method="POST",
                                     headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read(), parse_float=Decimal)


def test_an_unpriced_model_named_by_provider_is_served_and_metered_with_cost_null(gateway):
    _, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="openai/gpt-released-yesterday", messages=MESSAGES)
    completion = raw.parse()
    assert raw.headers["x-tollgate-model"] == "gpt-released-yesterday"
    assert completion.choices[0].message.content.startswith("tok1")
    assert json.loads(raw.http_response.text)["usage"]["cost"] is None
    report = gateway.admin("GET", "/admin/spend?group_by=model")
    row = next(r for r in report["rows"] if r["model"] == "gpt-released-yesterday")
    assert row["requests"] >= 1 and row["unpriced_requests"] >= 1


def test_a_posted_price_prices_the_next_call(gateway):
    _, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    gateway.admin("POST", "/admin/prices", {"model": "gpt-e2e-new", "provider": "openai", "input": "2.00",
                                            "output": "8.00", "effective_from": "2020-01-01"})
    raw = client.chat.completions.with_raw_response.create(model="gpt-e2e-new", messages=MESSAGES)
    completion = raw.parse()
    cost = json.loads(raw.http_response.text, parse_float=Decimal)["usage"]["cost"]
    prompt, output = completion.usage.prompt_tokens, completion.usage.completion_tokens
    assert cost == (prompt * Decimal("2.00") + output * Decimal("8.00")) / Decimal(1_000_000)


def test_the_estimate_is_the_reservation_the_call_makes(gateway):
    # A priced model the mock answers slowly (one chunk every 100 ms), so the reservation can be seen.
    gateway.admin("POST", "/admin/prices", {"model": "gpt-e2e-drip", "provider": "openai", "input": "1.25",
                                            "output": "10.00", "effective_from": "2020-01-01"})
    _, key = gateway.new_key(monthly_budget_usd="5")
    body = {"model": "gpt-e2e-drip", "messages": MESSAGES, "max_tokens": 50, "stream": True}
    preview = estimate(gateway, key, body)
    assert preview["decision"] == "allow" and preview["reason"] is None
    assert preview["output_tokens_bound"] == 50
    assert preview["estimate_usd"] == (preview["input_tokens_bound"] * Decimal("1.25") + 50 * Decimal("10.00")) / Decimal(1_000_000)
    assert budget(gateway, key)["team"]["reserved_usd"] == 0  # the preview reserved nothing

    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    seen = []

    def call():
        for _ in client.chat.completions.create(model="gpt-e2e-drip", messages=MESSAGES, max_tokens=50, stream=True):
            pass

    worker = threading.Thread(target=call)
    worker.start()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not seen:
        reserved = budget(gateway, key)["team"]["reserved_usd"]
        if reserved > 0:
            seen.append(reserved)
        time.sleep(0.02)
    worker.join(timeout=30)
    assert seen == [preview["estimate_usd"]]


def test_the_cli_adds_shows_and_reprices(gateway):
    tollgate = gateway.cli
    added = tollgate("pricing", "add", "--model", "gpt-e2e-cli", "--provider", "openai", "--input", "1.00",
                     "--output", "3.00", "--effective-from", "2020-01-01")
    assert added["origin"] == "admin" and added["in_force"] is True
    team, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    client.chat.completions.create(model="gpt-e2e-cli", messages=MESSAGES)
    # A spend report writes what the gateway has queued first: after it, the row is in the database to reprice.
    assert gateway.admin("GET", f"/admin/spend?team_id={team}")["totals"]["requests"] == 1
    tollgate("pricing", "add", "--model", "gpt-e2e-cli", "--provider", "openai", "--input", "2.00",
             "--output", "6.00", "--effective-from", "2020-01-01")
    history = tollgate("pricing", "show", "gpt-e2e-cli")["data"]
    assert [entry["input"] for entry in history] == ["1.00", "2.00"]
    dry = tollgate("reprice", "--model", "gpt-e2e-cli", "--from", "2020-01-01", "--to", "2100-01-01", "--dry-run")
    assert dry["events"] == 1 and dry["new_cost_usd"] == 2 * dry["old_cost_usd"] and dry["adjustment_id"] is None
    applied = tollgate("reprice", "--model", "gpt-e2e-cli", "--from", "2020-01-01", "--to", "2100-01-01")
    assert applied["delta_usd"] == dry["delta_usd"] and applied["adjustment_id"] is not None
