"""Budgets as an app sees them through the official openai package."""
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


def test_budget_rejection_raises_at_once_without_retries(gateway):
    # Room for one request of gpt-4o-mini with max_tokens 10 (reserved at its upper estimate), not two.
    team, key = gateway.new_key(monthly_budget_usd="0.000015")
    client, sent = counting_client(gateway, key)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=10)
    upstream_before = gateway.mock_stats()["total"]
    sent.clear()

    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=10)

    assert raised.value.code == "insufficient_quota"
    assert raised.value.type == "insufficient_quota"
    assert "Budget exceeded for team" in raised.value.message
    assert raised.value.response.headers["x-should-retry"] == "false"
    assert int(raised.value.response.headers["retry-after"]) > 0
    assert len(sent) == 1  # the SDK did not retry
    assert gateway.mock_stats()["total"] == upstream_before  # nothing reached the upstream


def test_downgraded_call_reports_the_cheaper_model(gateway):
    team = gateway.admin("POST", "/admin/teams", {
        "name": "e2e-downgrade", "monthly_budget_usd": 5, "soft_budget_usd": 0, "downgrade": {"gpt-4o": "gpt-4o-mini"}})
    key = gateway.admin("POST", "/admin/keys", {"team_id": team["id"], "name": "sdk"})["key"]
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o", messages=MESSAGES)
    assert raw.parse().model == "gpt-4o-mini"
    assert raw.headers["x-tollgate-downgraded-from"] == "gpt-4o"
    report = gateway.admin("GET", f"/admin/spend?team_id={team['id']}&group_by=model")
    assert [row["model"] for row in report["rows"]] == ["gpt-4o-mini"]


def test_budget_status(gateway):
    team, key = gateway.new_key(monthly_budget_usd=1)
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, max_tokens=10)
    status = client.get("/budget", cast_to=object)
    assert status["team"]["monthly_budget_usd"] == 1
    assert status["team"]["reserved_usd"] == 0
    assert status["team"]["spent_usd"] + status["team"]["remaining_usd"] == pytest.approx(1)
