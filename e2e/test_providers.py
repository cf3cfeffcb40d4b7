"""Claude, Gemini and Qwen through one OpenAI client, against the mock speaking each native format."""
import datetime
import json
from decimal import Decimal
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parent.parent
MILLION = Decimal(1_000_000)
TODAY = datetime.date.today().isoformat()  # prices in force now (the catalogue holds announced future ones too)
PRICES = {}  # the entry in force now of each model in the catalogue the binary carries
for file in (ROOT / "pricing").glob("*.json"):
    for entry in sorted((e for e in json.loads(file.read_text())["models"] if e["effective_from"] <= TODAY), key=lambda e: e["effective_from"]):
        PRICES[entry["model"]] = {k: Decimal(v) for k, v in entry.items() if k in ("input", "cached_input", "cache_write", "output")}

SYSTEM = {"role": "system", "content": "be brief please"}
USER = {"role": "user", "content": "hello there"}
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {
    "type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}}]


def cost(model, uncached=0, cached=0, written=0, output=0):
    price = PRICES[model]
    return (uncached * price["input"] + cached * price.get("cached_input", price["input"])
            + written * price.get("cache_write", price["input"]) + output * price["output"]) / MILLION


@pytest.fixture()
def caller(gateway):
    team, key = gateway.new_key()
    return team, openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)


@pytest.mark.parametrize("model", ["claude-sonnet-4-6", "gemini-3.8-flash", "qwen-plus"])
def test_chat_and_stream_with_tool_calls(caller, model):
    _, client = caller
    reply = client.chat.completions.create(model=model, messages=[SYSTEM, USER], tools=TOOLS)
    assert reply.model.startswith(model)
    call = reply.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"location": "Paris"}
    assert reply.choices[0].finish_reason == "tool_calls"

    chunks = list(client.chat.completions.create(
        model=model, messages=[SYSTEM, USER], tools=TOOLS, stream=True, stream_options={"include_usage": True}))
    arguments = "".join(
        (chunk.choices[0].delta.tool_calls or [None])[0].function.arguments or ""
        for chunk in chunks if chunk.choices and chunk.choices[0].delta.tool_calls)
    assert json.loads(arguments) == {"location": "Paris"}
    assert chunks[-1].usage.completion_tokens > 0
    assert any(chunk.choices and chunk.choices[0].finish_reason == "tool_calls" for chunk in chunks)


def test_spend_report_buckets_and_cost_per_provider(gateway, caller):
    team, client = caller
    client.chat.completions.create(model="claude-sonnet-4-6", messages=[SYSTEM, USER])
    client.chat.completions.create(model="claude-sonnet-4-6", messages=[SYSTEM, {"role": "user", "content": [
        {"type": "text", "text": "long shared context", "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "question"}]}])
    list(client.chat.completions.create(model="gemini-3.6-flash", messages=[SYSTEM, USER], stream=True))
    client.chat.completions.create(model="qwen-plus", messages=[SYSTEM, USER], max_tokens=5)

    report = gateway.admin("GET", f"/admin/spend?team_id={team}&group_by=provider,model")
    rows = {row["provider"]: row for row in report["rows"]}
    assert set(rows) == {"anthropic", "gemini", "qwen"}

    # Claude: the system prompt is read from the cache (3), the marked part written to it (3).
    claude = rows["anthropic"]
    assert (claude["requests"], claude["cached_input_tokens"], claude["cache_write_tokens"], claude["output_tokens"]) == (2, 6, 3, 24)
    assert claude["cost_usd"] == cost("claude-sonnet-4-6", uncached=3, cached=3, output=12) + cost(
        "claude-sonnet-4-6", uncached=2, cached=3, written=3, output=12)

    # Gemini 2.5 Pro thinks: 12 visible and 6 thinking tokens are output; cached tokens are part of the prompt.
    gemini = rows["gemini"]
    assert (gemini["input_tokens"], gemini["cached_input_tokens"], gemini["output_tokens"], gemini["reasoning_tokens"]) == (6, 3, 12, 0)
    assert gemini["cost_usd"] == cost("gemini-3.6-flash", uncached=3, cached=3, output=12)

    qwen = rows["qwen"]
    assert (qwen["input_tokens"], qwen["cached_input_tokens"], qwen["output_tokens"]) == (7, 3, 5)
    assert qwen["cost_usd"] == cost("qwen-plus", uncached=4, cached=3, output=5)


def test_gemini_embeddings_through_the_sdk(caller, gateway):
    # The SDK asks for base64 by default and decodes it: Tollgate answers Gemini's floats that way.
    _, client = caller
    result = client.embeddings.create(model="gemini-embedding-2", input=["one two three", "four"], dimensions=3)
    assert [item.index for item in result.data] == [0, 1]
    assert [round(value, 6) for value in result.data[0].embedding] == [0.3, 0.4, 0.5]
    assert result.usage.prompt_tokens == 4
    assert Decimal(str(result.usage.model_extra["cost"])) == cost("gemini-embedding-2", uncached=4)
