"""Anthropic's Messages API through the official anthropic package, served by Claude natively and by
OpenAI-compatible models through translation, metered, budgeted, and failing in Anthropic's terms."""
import base64
import json

import anthropic
import pytest

try:  # the SDK's own HTTP library: httpx2 in newer releases, httpx before
    import httpx2 as httpx
except ImportError:
    import httpx

from test_providers import cost

TOOLS = [{"name": "get_weather", "description": "The weather somewhere",
          "input_schema": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}]
PIXEL = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\0" * 16).decode()


def client_for(gateway, key, **options):
    return anthropic.Anthropic(api_key=key, base_url=gateway.url, **options)


@pytest.mark.parametrize("model, provider", [("claude-sonnet-4-6", "anthropic"), ("gpt-6-luna", "openai")])
def test_text_tools_images_and_streams(gateway, model, provider):
    team, key = gateway.new_key()
    client = client_for(gateway, key, max_retries=0)

    reply = client.messages.create(model=model, max_tokens=64, system="be brief please",
                                   messages=[{"role": "user", "content": "hello there"}], metadata={"user_id": "alice"})
    assert reply.type == "message" and reply.role == "assistant"
    assert reply.content[0].text.startswith("tok1")
    assert reply.stop_reason == "end_turn"
    assert reply.usage.output_tokens == 12

    tooled = client.messages.create(model=model, max_tokens=64, tools=TOOLS, messages=[{"role": "user", "content": [
        {"type": "text", "text": "what is in this picture, and the weather?"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PIXEL}}]}])
    call = next(block for block in tooled.content if block.type == "tool_use")
    assert call.name == "get_weather" and call.input == {"location": "Paris"}
    assert tooled.stop_reason == "tool_use"

    # A tool loop: the result goes back, and the stream carries the answer.
    with client.messages.stream(model=model, max_tokens=4, tools=TOOLS, messages=[
            {"role": "user", "content": "weather?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": call.id, "name": call.name, "input": call.input}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "content": "sunny"}]}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "tok1 tok2 tok3 tok4"
    assert final.usage.output_tokens == 4
    assert any(block.type == "tool_use" and block.input == {"location": "Paris"} for block in final.content)

    report = gateway.admin("GET", f"/admin/spend?team_id={team}&group_by=provider,model,end_user")
    rows = {(row["provider"], row["end_user"]): row for row in report["rows"]}
    assert set(rows) == {(provider, "alice"), (provider, None)}
    assert rows[(provider, "alice")]["requests"] == 1 and rows[(provider, None)]["requests"] == 2
    assert all(row["cost_usd"] > 0 for row in rows.values())


def test_claude_prompt_caching_is_billed_by_bucket(gateway):
    team, key = gateway.new_key()
    client = client_for(gateway, key, max_retries=0)
    reply = client.messages.create(
        model="claude-sonnet-4-6", max_tokens=64,
        system=[{"type": "text", "text": "long shared context", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "question"}],
        extra_headers={"anthropic-beta": "prompt-caching-2024-07-31"})
    assert reply.usage.cache_creation_input_tokens == 3
    assert gateway.mock_stats()["last_headers"]["anthropic-beta"] == "prompt-caching-2024-07-31"
    row = gateway.admin("GET", f"/admin/spend?team_id={team}")["rows"][0]
    assert (row["cache_write_tokens"], row["output_tokens"]) == (3, 12)
    assert row["cost_usd"] == cost("claude-sonnet-4-6", uncached=2, written=3, output=12)


def test_budget_rejection_is_a_rate_limit_error_after_one_request(gateway):
    team, key = gateway.new_key(monthly_budget_usd="0.000001")
    sent = []
    client = client_for(gateway, key, http_client=httpx.Client(event_hooks={"request": [sent.append]}))
    upstream_before = gateway.mock_stats()["total"]
    with pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(model="claude-sonnet-4-6", max_tokens=1000, messages=[{"role": "user", "content": "hi"}])
    body = raised.value.body
    assert body["type"] == "error" and body["error"]["type"] == "rate_limit_error"
    assert "Budget exceeded for team" in body["error"]["message"]
    assert len(sent) == 1  # the SDK did not retry
    assert gateway.mock_stats()["total"] == upstream_before


def test_count_tokens_and_a_bad_key(gateway):
    _, key = gateway.new_key()
    counted = client_for(gateway, key).messages.count_tokens(
        model="claude-sonnet-4-6", messages=[{"role": "user", "content": "hello there"}])
    assert counted.input_tokens == 3
    with pytest.raises(anthropic.AuthenticationError):
        client_for(gateway, "tg-wrong", max_retries=0).messages.create(
            model="claude-sonnet-4-6", max_tokens=5, messages=[{"role": "user", "content": "hi"}])
