"""The running server against its own OpenAPI document, with schemathesis: generated requests
for every operation, each answer checked for a server error, an undocumented status, a wrong
content type and a body that does not match its schema. Bounded: 30 examples an operation."""
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ADMIN_KEY

CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"


def schemathesis(gateway, key: str, *selection: str):
    st = shutil.which("st") or str(Path(sys.executable).parent / "st")
    result = subprocess.run([st, "run", f"{gateway.url}/openapi.json", "-H", f"Authorization: Bearer {key}",
                             "--checks", CHECKS, "--max-examples", "30", "--seed", "20261203", "--request-timeout", "10",
                             *selection], capture_output=True, text=True, timeout=600)
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_the_api_matches_its_openapi_document(world):
    gateway, _ = world
    gateway.start()
    _, key = gateway.new_key(monthly_budget_usd=100)
    schemathesis(gateway, key, "--include-path-regex", "^/v1/")
    schemathesis(gateway, ADMIN_KEY, "--exclude-path-regex", "^/v1/")
    assert gateway.terminate() == 0
