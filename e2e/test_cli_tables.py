"""The CLI for humans: aligned tables on a terminal, the server's JSON when piped or with --json."""
import json
from decimal import Decimal

import openai


def test_lists_and_reports_are_tables_on_a_terminal(gateway):
    team, key = gateway.new_key(monthly_budget_usd=5)
    name = gateway.admin("GET", f"/admin/teams/{team}")["name"]
    client = openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0)
    for model in ("gpt-6-luna", "gpt-6-luna", "qwen-plus"):
        client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hello there"}], max_tokens=5)

    teams = gateway.cli_on_terminal("teams", "list").splitlines()
    assert teams[0].split()[:3] == ["name", "id", "monthly"]
    assert set(teams[1]) <= {"-", " "}
    row = next(line for line in teams if line.startswith(name + " "))
    assert team in row and " 5" in row

    keys = gateway.cli_on_terminal("keys", "list", "--team-id", team).splitlines()
    assert keys[0].split()[:3] == ["name", "prefix", "team"]
    assert any(line.startswith("sdk ") and team in line for line in keys)

    # The report, by team name: a row per model and a total that is the JSON report's.
    report = gateway.cli_on_terminal("report", "--team", name, "--group-by", "model").splitlines()
    heading = report[2]
    assert heading.split()[:3] == ["model", "requests", "input"]
    rows = {line.split()[0]: line.split() for line in report[4:] if line.strip() and not set(line) <= {"-", " "}}
    assert rows["gpt-6-luna"][1] == "2" and rows["qwen-plus"][1] == "1"
    total = rows["total"]
    expected = gateway.admin("GET", f"/admin/spend?team_id={team}")["totals"]
    assert int(total[1]) == expected["requests"] == 3
    assert Decimal(total[-2]) == expected["cost_usd"]
    # Columns line up: every row's cost ends where the heading's does.
    end = heading.index("cost (USD)") + len("cost (USD)")
    assert all(line[:end].endswith(line.split()[-2]) for line in report[4:] if line.split() and line.split()[0] in rows)

    # --json on a terminal, and any pipe, print the server's JSON.
    assert json.loads(gateway.cli_on_terminal("report", "--team", name, "--json"))["totals"]["requests"] == 3
    assert gateway.cli("report", "--team", name)["totals"]["requests"] == 3


def test_the_metrics_port_serves_metrics_alone_without_a_key(gateway):
    import urllib.error
    import urllib.request
    _, key = gateway.new_key()
    openai.OpenAI(api_key=key, base_url=gateway.url + "/v1", max_retries=0).chat.completions.create(
        model="gpt-6-luna", messages=[{"role": "user", "content": "hello there"}], max_tokens=5)
    with urllib.request.urlopen(gateway.metrics_url + "/metrics", timeout=10) as response:
        assert response.headers["content-type"].startswith("text/plain")
        text = response.read().decode()
    assert any(line.startswith("tollgate_requests_total{") and 'model="gpt-6-luna"' in line for line in text.splitlines())
    # Nothing else is served there, and the main port still wants the admin key.
    try:
        urllib.request.urlopen(gateway.metrics_url + "/admin/teams", timeout=10)
        raise AssertionError("the metrics port served /admin/teams")
    except urllib.error.HTTPError as error:
        assert error.code == 404
    try:
        urllib.request.urlopen(gateway.url + "/metrics", timeout=10)
        raise AssertionError("the main port served /metrics without a key")
    except urllib.error.HTTPError as error:
        assert error.code == 401
