"""OpenAI's Responses API through the official openai package: passed through to OpenAI, translated
to chat completions for Qwen and to Messages for Claude; text, tools and streams, each metered."""
import json

import openai
import pytest

TOOLS = [{"type": "function", "name": "get_weather", "description": "The weather somewhere",
          "parameters": {"type": "object", "properties": {"location": {"type": "string"}}, "required": ["location"]}}]


@pytest.mark.parametrize("model, provider", [("gpt-6-luna", "openai"), ("qwen-plus", "qwen"), ("claude-sonnet-4-6", "anthropic")])
def test_text_tools_and_streams(gateway, model, provider):
    team, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)

    reply = client.responses.create(model=model, instructions="be brief please", input="hello there")
    assert reply.status == "completed"
    assert reply.output_text.startswith("tok1")
    assert reply.usage.output_tokens == 12 and reply.usage.input_tokens_details.cached_tokens == 3

    tooled = client.responses.create(model=model, input="weather in Paris?", tools=TOOLS)
    call = next(item for item in tooled.output if item.type == "function_call")
    assert call.name == "get_weather" and json.loads(call.arguments) == {"location": "Paris"}

    # The tool loop goes on: the call and its output go back, and the answer streams.
    events = list(client.responses.create(model=model, stream=True, max_output_tokens=4, tools=TOOLS, input=[
        {"role": "user", "content": "weather in Paris?"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}]))
    assert events[0].type == "response.created"
    text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
    assert text == "tok1 tok2 tok3 tok4"
    assert events[-1].type in ("response.completed", "response.incomplete")
    assert events[-1].response.usage.output_tokens == 4

    with client.responses.stream(model=model, input="hello there") as stream:
        final = stream.get_final_response()
    assert final.output_text.startswith("tok1")

    row = gateway.admin("GET", f"/admin/spend?team_id={team}&group_by=provider")["rows"][0]
    assert row["provider"] == provider and row["requests"] == 4
    assert row["output_tokens"] == 12 + 12 + 4 + 12
    assert row["cost_usd"] > 0


def test_state_the_translation_cannot_carry_is_refused(gateway):
    _, key = gateway.new_key()
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="claude-sonnet-4-6", input="hi", store=True)
    assert raised.value.code == "unsupported_for_provider"
    with pytest.raises(openai.BadRequestError) as raised:
        client.responses.create(model="claude-sonnet-4-6", input="hi", tools=[{"type": "web_search"}])
    assert raised.value.code == "unsupported_for_provider"
