"""Traces from the installed binary: the e2e gateway runs with OTEL_EXPORTER_OTLP_ENDPOINT set
(conftest's receiver, OTLP/HTTP protobuf). A call through the official SDK with the caller's W3C
traceparent is one server span continuing that trace and a client span per upstream attempt, with
the GenAI and Tollgate attributes."""
from decimal import Decimal

from openai import OpenAI

TRACE = "0af7651916cd43dd8448eb211c80319c"
PARENT = "b7ad6b7169203331"


def attributes(span) -> dict:
    values = {}
    for attribute in span.attributes:
        value = attribute.value
        values[attribute.key] = value.string_value if value.HasField("string_value") else \
            value.int_value if value.HasField("int_value") else value.double_value if value.HasField("double_value") else value.bool_value
    return values


def test_a_call_is_traced_and_the_trace_goes_upstream(gateway):
    team_id, key = gateway.new_key()
    client = OpenAI(base_url=gateway.url + "/v1", api_key=key, max_retries=0)
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o", messages=[{"role": "user", "content": "trace me"}], metadata={"task": "traced"},
        extra_headers={"traceparent": f"00-{TRACE}-{PARENT}-01"})
    completion = raw.parse()
    request_id = raw.headers["x-tollgate-request-id"]

    def ours(received):
        return [span for service, span in received if span.trace_id.hex() == TRACE]

    def complete(spans):
        # The request's server span and its attempt's client span; the upstream client's own span
        # ("POST") ends first and may arrive in an earlier export.
        return any(s.kind == s.SPAN_KIND_SERVER for s in spans) and any(s.name.startswith("chat ") for s in spans)

    spans = ours(gateway.traces.wait_for(lambda received: complete(ours(received))))
    servers = [s for s in spans if s.kind == s.SPAN_KIND_SERVER]
    clients = [s for s in spans if s.kind == s.SPAN_KIND_CLIENT and s.name.startswith("chat ")]
    assert len(servers) == 1 and len(clients) == 1, [s.name for s in spans]
    server, attempt = servers[0], clients[0]
    assert all(service == "tollgate" for service, span in gateway.traces.received() if span.trace_id.hex() == TRACE)
    assert server.name == "POST /v1/chat/completions" and server.parent_span_id.hex() == PARENT
    assert attempt.parent_span_id == server.span_id
    found = attributes(server)
    assert found["tollgate.request_id"] == request_id
    assert found["tollgate.team_id"] == team_id and found["tollgate.task"] == "traced"
    assert found["gen_ai.request.model"] == "gpt-4o" and found["gen_ai.response.model"] == completion.model
    assert found["gen_ai.usage.input_tokens"] == completion.usage.prompt_tokens
    assert found["gen_ai.usage.output_tokens"] == completion.usage.completion_tokens
    row = gateway.admin("GET", f"/admin/usage?team_id={team_id}")["data"][0]
    assert row["request_id"] == request_id
    assert Decimal(found["tollgate.cost_usd"]) == row["cost_usd"]
    assert attributes(attempt)["gen_ai.provider.name"] == "openai"
    assert attributes(attempt)["tollgate.outcome"] == "answered"
