"""Budgets as an app sees them through the official openai package."""
import json
import urllib.request
from decimal import Decimal

import openai
import pytest

try:  # the openai package's own HTTP library: httpx2 in newer releases, httpx before
    import httpx2 as httpx
except ImportError:
    import httpx

MESSAGES = [{"role": "user", "content": "hello there"}]


def counting_client(gateway, key):
    """An SDK client with its default retries, counting every HTTP request it sends."""
    sent = []
    http = httpx.Client(event_hooks={"request": [sent.append]})
    return openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", http_client=http), sent


def reservation(gateway, body):
    """What admission reserves for `body`, exactly: the cost preview's estimate (an unbudgeted key)."""
    _, key = gateway.new_key()
    request = urllib.request.Request(gateway.url + "/v1/cost/estimate", data=json.dumps(body).encode(), method="POST",
                                     headers={"authorization": f"Bearer {key}", "content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read(), parse_float=Decimal)["estimate_usd"]


def test_budget_rejection_raises_at_once_without_retries(gateway):
    # Room for exactly one request of gpt-6-luna with max_tokens 10 (reserved at its upper
    # estimate), not two: after the first, its cost is spent and the same reservation no longer fits.
    estimate = reservation(gateway, {"model": "gpt-6-luna", "messages": MESSAGES, "max_tokens": 10})
    team, key = gateway.new_key(monthly_budget_usd=format(estimate, "f"))
    client, sent = counting_client(gateway, key)
    client.chat.completions.create(model="gpt-6-luna", messages=MESSAGES, max_tokens=10)
    upstream_before = gateway.mock_stats()["total"]
    sent.clear()

    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="gpt-6-luna", messages=MESSAGES, max_tokens=10)

    assert raised.value.code == "insufficient_quota"
    assert raised.value.type == "insufficient_quota"
    assert "Budget exceeded for team" in raised.value.message
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert int(raised.value.response.headers["retry-after"]) > 0
    assert len(sent) == 1  # the SDK did not retry
    assert gateway.mock_stats()["total"] == upstream_before  # nothing reached the upstream


def test_downgraded_call_reports_the_cheaper_model(gateway):
    team = gateway.admin("POST", "/admin/teams", {
        "name": "e2e-downgrade", "monthly_budget_usd": 5, "soft_budget_usd": 0, "downgrade": {"gpt-6-sol": "gpt-6-luna"}})
    key = gateway.admin("POST", "/admin/keys", {"team_id": team["id"], "name": "sdk"})["key"]
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-6-sol", messages=MESSAGES)
    assert raw.parse().model == "gpt-6-luna"
    assert raw.headers["x-tollgate-downgraded-from"] == "gpt-6-sol"
    report = gateway.admin("GET", f"/admin/spend?team_id={team['id']}&group_by=model")
    assert [row["model"] for row in report["rows"]] == ["gpt-6-luna"]


def test_budget_status(gateway):
    team, key = gateway.new_key(monthly_budget_usd=1)
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    client.chat.completions.create(model="gpt-6-luna", messages=MESSAGES, max_tokens=10)
    status = client.get("/budget", cast_to=object)
    assert status["team"]["monthly_budget_usd"] == 1
    assert status["team"]["reserved_usd"] == 0
    assert status["team"]["spent_usd"] + status["team"]["remaining_usd"] == pytest.approx(1)
