"""Drives the built gateway with the official `openai` Python package, as an app would."""
import datetime
import json
from decimal import Decimal
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parent.parent
MILLION = Decimal(1_000_000)
TODAY = datetime.date.today().isoformat()  # prices in force now (the catalogue holds announced future ones too)


def prices() -> dict:
    table = {}
    for file in (ROOT / "pricing").glob("*.json"):
        for entry in sorted((e for e in json.loads(file.read_text())["models"] if e["effective_from"] <= TODAY), key=lambda e: e["effective_from"]):
            table[entry["model"]] = {k: Decimal(v) for k, v in entry.items() if k in ("input", "cached_input", "output")}
    return table


def expected_cost(model: str, prompt: int, cached: int, output: int) -> Decimal:
    price = prices()[model]
    cached_price = price.get("cached_input", price["input"])
    return ((prompt - cached) * price["input"] + cached * cached_price + output * price["output"]) / MILLION


MESSAGES = [{"role": "system", "content": "answer in one line"}, {"role": "user", "content": "what is a gateway"}]
# The mock counts words: prompt = 4 + 1 + 4 + 1 = 10 tokens, cached = the 4 system words, 12 output tokens.
PROMPT, CACHED, OUTPUT = 10, 4, 12


@pytest.fixture()
def caller(gateway):
    team, key = gateway.new_key()
    return team, openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)


def test_chat_completion(caller):
    _, client = caller
    raw = client.chat.completions.with_raw_response.create(model="gpt-6-sol", messages=MESSAGES)
    completion = raw.parse()
    assert raw.headers["x-tollgate-model"] == "gpt-6-sol"
    assert raw.headers["x-tollgate-request-id"].startswith("req_")
    assert completion.choices[0].message.content.startswith("tok1 tok2")
    assert completion.usage.prompt_tokens == PROMPT
    assert completion.usage.prompt_tokens_details.cached_tokens == CACHED
    assert completion.usage.completion_tokens == OUTPUT
    cost = json.loads(raw.http_response.text, parse_float=Decimal)["usage"]["cost"]
    assert cost == expected_cost("gpt-6-sol", PROMPT, CACHED, OUTPUT)


def test_stream_without_usage_has_choices_in_every_chunk(caller):
    _, client = caller
    chunks = list(client.chat.completions.create(model="gpt-6-luna", messages=MESSAGES, stream=True, max_tokens=5))
    assert len(chunks) == 7  # role, five words, finish
    assert all(chunk.choices for chunk in chunks)
    assert all(chunk.usage is None for chunk in chunks)
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert text == "tok1 tok2 tok3 tok4 tok5"
    assert chunks[-1].choices[0].finish_reason == "length"


def test_stream_with_usage_ends_with_priced_usage(caller):
    _, client = caller
    chunks = list(client.chat.completions.create(
        model="gpt-6-luna", messages=MESSAGES, stream=True, max_tokens=5, stream_options={"include_usage": True}))
    last = chunks[-1]
    assert last.choices == []
    assert last.usage.completion_tokens == 5
    assert Decimal(str(last.usage.model_extra["cost"])) == expected_cost("gpt-6-luna", PROMPT, CACHED, 5)


def test_embeddings(caller):
    _, client = caller
    result = client.embeddings.create(model="text-embedding-3-small", input=["one two three", "four"])
    assert len(result.data) == 2
    assert len(result.data[0].embedding) == 8
    assert result.usage.prompt_tokens == 4


def test_models_list(caller):
    _, client = caller
    ids = {model.id for model in client.models.list()}
    assert {"gpt-6-sol", "gpt-6-luna", "qwen-plus", "text-embedding-3-small"} <= ids


def test_bad_key_raises_authentication_error(gateway):
    client = openai.OpenAI(api_key="tg-not-a-real-key", base_url=gateway.url + "/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as raised:
        client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES)
    assert raised.value.code == "invalid_api_key"


def test_bad_request_raises_bad_request_error(caller):
    _, client = caller
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="gpt-6-sol", messages=[])
    assert raised.value.param == "messages"


def test_unknown_model_raises_not_found(caller):
    _, client = caller
    with pytest.raises(openai.NotFoundError) as raised:
        client.chat.completions.create(model="no-such-model", messages=MESSAGES)
    assert raised.value.code == "model_not_found"


def test_spend_report_matches_token_counts_and_prices(gateway):
    team, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    for _ in range(3):
        client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES, extra_headers={"x-tollgate-task": "answer"})
    list(client.chat.completions.create(model="qwen-plus", messages=MESSAGES, stream=True, max_tokens=7,
                                        metadata={"task": "stream"}))
    client.embeddings.create(model="text-embedding-3-small", input="one two three")

    report = gateway.admin("GET", f"/admin/spend?team_id={team}&group_by=model,task")
    rows = {(row["model"], row["task"]): row for row in report["rows"]}
    assert set(rows) == {("gpt-6-sol", "answer"), ("qwen-plus", "stream"), ("text-embedding-3-small", "default")}

    gpt = rows[("gpt-6-sol", "answer")]
    assert (gpt["requests"], gpt["input_tokens"], gpt["cached_input_tokens"], gpt["output_tokens"]) == (3, 30, 12, 36)
    assert gpt["cost_usd"] == 3 * expected_cost("gpt-6-sol", PROMPT, CACHED, OUTPUT)

    qwen = rows[("qwen-plus", "stream")]
    assert (qwen["requests"], qwen["output_tokens"]) == (1, 7)
    assert qwen["cost_usd"] == expected_cost("qwen-plus", PROMPT, CACHED, 7)

    embedding = rows[("text-embedding-3-small", "default")]
    assert embedding["cost_usd"] == expected_cost("text-embedding-3-small", 3, 0, 0)

    assert report["totals"]["cost_usd"] == sum(row["cost_usd"] for row in report["rows"])

    # The team's own view through its key says the same.
    own = client.get("/spend", cast_to=object)
    assert own["totals"]["requests"] == 5


def test_the_binary_runs_alone_from_an_empty_directory(gateway, caller):
    # The gateway was copied into a directory of its own and started there: its migrations ran
    # and it prices calls from the catalogue compiled into it.
    assert sorted(p.name for p in gateway.install_dir.iterdir()) == ["tollgate"]
    _, client = caller
    raw = client.chat.completions.with_raw_response.create(model="gpt-6-sol", messages=MESSAGES)
    cost = json.loads(raw.http_response.text, parse_float=Decimal)["usage"]["cost"]
    assert cost == expected_cost("gpt-6-sol", PROMPT, CACHED, OUTPUT)


def test_idempotent_retry_is_answered_once_and_billed_once(gateway):
    team, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    headers = {"Idempotency-Key": "checkout-42"}
    first = client.chat.completions.with_raw_response.create(model="gpt-6-sol", messages=MESSAGES, extra_headers=headers)
    again = client.chat.completions.with_raw_response.create(model="gpt-6-sol", messages=MESSAGES, extra_headers=headers)
    assert "x-tollgate-idempotent-replay" not in first.headers
    assert again.headers["x-tollgate-idempotent-replay"] == "true"
    assert again.headers["x-tollgate-original-request-id"] == first.headers["x-tollgate-request-id"]
    assert again.parse().id == first.parse().id

    with pytest.raises(openai.UnprocessableEntityError) as raised:
        client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES[1:], extra_headers=headers)
    assert raised.value.code == "idempotency_key_reused"

    report = gateway.admin("GET", f"/admin/spend?team_id={team}")
    assert report["totals"]["requests"] == 1


def test_end_users_and_runs_through_the_sdk_and_the_cli(gateway):
    tollgate = gateway.cli
    team, other_key = gateway.new_key()
    body = {"model": "gpt-6-sol", "messages": MESSAGES, "max_tokens": 5}
    reserved = openai.OpenAI(api_key=other_key, base_url=gateway.url + "/v1").post(
        "/cost/estimate", body=body, cast_to=object)["estimate_usd"]
    cost = expected_cost("gpt-6-sol", PROMPT, CACHED, 5)
    # Room for a second call (one spent, one reserved) but not a third (two spent, one reserved).
    limit = Decimal(str(reserved)) + cost + cost / 2
    created = tollgate("keys", "create", "--team-id", team, "--name", "per-user", "--end-user-budget", str(limit))
    assert created["end_user_monthly_budget_usd"] == limit
    client = openai.OpenAI(api_key=created["key"], base_url=gateway.url + "/v1", max_retries=0)
    for _ in range(2):
        client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES, max_tokens=5, user="alice",
                                       extra_headers={"x-tollgate-run": "job-7"})
    # Past alice's limit (two calls spent, a third reserved at its bound): refused, naming her and the key.
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES, max_tokens=5, user="alice")
    assert "end user 'alice' of key 'per-user'" in raised.value.message
    client.chat.completions.create(model="gpt-6-sol", messages=MESSAGES, max_tokens=5, safety_identifier="bob")

    by_user = tollgate("report", "--team-id", team, "--group-by", "end_user")
    assert {row["end_user"]: row["requests"] for row in by_user["rows"]} == {"alice": 2, "bob": 1}
    by_run = tollgate("report", "--team-id", team, "--run", "job-7")
    assert by_run["totals"]["requests"] == 2
