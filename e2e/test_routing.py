"""Routing through the official OpenAI client: task routes for model="auto", aliases, and a
fallback that serves the answer in one client call when the primary is down."""
import openai
import pytest


@pytest.fixture()
def caller(gateway):
    team, key = gateway.new_key()
    return team, openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)


MESSAGES = [{"role": "user", "content": "summarise this please"}]


def test_auto_takes_the_task_route(caller):
    _, client = caller
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=MESSAGES, extra_headers={"X-Tollgate-Task": "cheap_summary"})
    reply = raw.parse()
    assert raw.headers["x-tollgate-model"] == "qwen-plus"
    assert raw.headers["x-tollgate-provider"] == "qwen"
    assert reply.choices[0].message.content
    # Without a task route of its own, a task takes the default route: the alias fast.
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=MESSAGES, metadata={"task": "tagging"})
    assert raw.headers["x-tollgate-model"] == "gpt-6-luna"
    ids = {model.id for model in client.models.list()}
    assert {"auto", "fast"} <= ids


def test_a_down_primary_is_served_by_its_fallback_in_one_call(caller, gateway):
    team, client = caller
    raw = client.chat.completions.with_raw_response.create(model="primary-down", messages=MESSAGES)
    reply = raw.parse()
    assert raw.headers["x-tollgate-attempts"] == "2"
    assert raw.headers["x-tollgate-model"] == "gpt-6-luna"
    assert reply.usage.completion_tokens > 0
    report = gateway.admin("GET", f"/admin/spend?from=2000-01-01&to=2100-01-01&group_by=provider,model,route&team_id={team}")
    rows = {(row["provider"], row["model"], row["route"]): row["requests"] for row in report["rows"]}
    # The failed attempt is a row of its own beside the one that served the answer.
    assert rows == {("flaky", "primary-down", "direct"): 1, ("openai", "gpt-6-luna", "direct"): 1}
