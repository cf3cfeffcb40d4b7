"""Starts the built gateway and the mock upstream for the end-to-end suite.

The gateway runs as a user would run it: `tollgate serve` with a managed PostgreSQL cluster in a
fresh data directory, the built-in OpenAI and Qwen providers pointed at the mock upstream. It
exports its traces (OTEL_EXPORTER_OTLP_ENDPOINT, the default http/protobuf) to a small OTLP/HTTP
receiver here, so every test runs with tracing on and test_tracing.py reads what arrived.
"""
import http.server
import threading
import json
import os
import pty
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("TOLLGATE_BINARY", ROOT / ".build" / "debug" / "tollgate"))
ADMIN_KEY = "tgadmin-e2e-" + os.urandom(8).hex()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} died:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


class OTLPReceiver:
    """Takes OTLP/HTTP protobuf exports at /v1/traces and keeps their spans."""

    def __init__(self):
        from opentelemetry.proto.collector.trace.v1 import trace_service_pb2
        self.spans = []
        self.arrived = threading.Condition()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path != "/v1/traces" or self.headers.get("content-type") != "application/x-protobuf":
                    self.send_response(404)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                request = trace_service_pb2.ExportTraceServiceRequest()
                request.ParseFromString(body)
                with receiver.arrived:
                    for resource in request.resource_spans:
                        service = {a.key: a.value.string_value for a in resource.resource.attributes}.get("service.name")
                        for scope in resource.scope_spans:
                            receiver.spans += [(service, span) for span in scope.spans]
                    receiver.arrived.notify_all()
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def received(self):
        with self.arrived:
            return list(self.spans)

    def wait_for(self, condition, timeout=20):
        """The spans once `condition(spans)` holds, looked at as each export arrives; after
        `timeout` seconds without it, the spans as they are."""
        with self.arrived:
            self.arrived.wait_for(lambda: condition(self.spans), timeout)
            return list(self.spans)


class Gateway:
    def __init__(self, url: str, mock_url: str, install_dir: Path, metrics_url: str = "", traces=None):
        self.url = url
        self.traces = traces
        self.metrics_url = metrics_url
        self.mock_url = mock_url
        # Where the gateway's binary runs from: a directory holding nothing else.
        self.install_dir = install_dir
        self.admin_key = ADMIN_KEY

    def admin(self, method: str, path: str, body=None):
        """Calls the admin API; numbers in the answer are parsed as exact decimals."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.url + path, data=data, method=method, headers={
            "authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read(), parse_float=Decimal)

    def mock_stats(self):
        with urllib.request.urlopen(self.mock_url.removesuffix("/v1") + "/mock/stats", timeout=10) as response:
            return json.loads(response.read())

    def cli(self, *args):
        """Runs the installed `tollgate` command from its empty directory against this gateway; its JSON output."""
        env = dict(os.environ, TOLLGATE_URL=self.url, TOLLGATE_ADMIN_KEY=self.admin_key)
        done = subprocess.run([str(self.install_dir / "tollgate"), *args], env=env, cwd=self.install_dir,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr + done.stdout
        return json.loads(done.stdout, parse_float=Decimal)

    def cli_on_terminal(self, *args) -> str:
        """Runs the installed `tollgate` command with a pseudo-terminal as its standard output; what it printed."""
        env = dict(os.environ, TOLLGATE_URL=self.url, TOLLGATE_ADMIN_KEY=self.admin_key)
        primary, secondary = pty.openpty()
        try:
            done = subprocess.run([str(self.install_dir / "tollgate"), *args], env=env, cwd=self.install_dir,
                                  stdout=secondary, stderr=subprocess.PIPE, timeout=60)
        finally:
            os.close(secondary)
        output = b""
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # the terminal's other end is closed and drained
                break
            if not chunk:
                break
            output += chunk
        os.close(primary)
        assert done.returncode == 0, done.stderr.decode()
        return output.decode().replace("\r\n", "\n")

    def new_key(self, **extra) -> tuple[str, str]:
        team = self.admin("POST", "/admin/teams", {"name": "e2e-" + os.urandom(4).hex(), **extra})
        key = self.admin("POST", "/admin/keys", {"team_id": team["id"], "name": "sdk"})
        return team["id"], key["key"]


# An alias, task routes, and a primary whose every call fails, with a fallback.
ROUTING_YAML = """
aliases:
  fast: gpt-6-luna
routes:
  cheap_summary: [qwen-plus]
  default: [fast]
fallbacks:
  primary-down: [gpt-6-luna]
providers:
  - name: flaky
    base_url: {mock_url}
    models:
      - {{name: primary-down, upstream: mock-error-500}}
"""


@pytest.fixture(scope="session")
def gateway():
    if not BINARY.exists():
        subprocess.run(["swift", "build"], cwd=ROOT, check=True)
    workdir = Path(tempfile.mkdtemp(prefix="tollgate-e2e-"))
    workdir.chmod(0o755)  # the managed PostgreSQL runs as the postgres user when we are root
    mock_port, port, metrics_port = free_port(), free_port(), free_port()
    mock_log, gateway_log = workdir / "mock.log", workdir / "gateway.log"
    mock = subprocess.Popen([str(BINARY), "mock-upstream", "--port", str(mock_port)],
                            stdout=mock_log.open("w"), stderr=subprocess.STDOUT)
    mock_url = f"http://127.0.0.1:{mock_port}/v1"
    mock_root = mock_url.removesuffix("/v1")
    traces = OTLPReceiver()
    env = dict(os.environ, OTEL_EXPORTER_OTLP_ENDPOINT=traces.url, OTEL_BSP_SCHEDULE_DELAY="100", OPENAI_API_KEY="sk-e2e", OPENAI_BASE_URL=mock_url, DASHSCOPE_API_KEY="sk-e2e",
               DASHSCOPE_BASE_URL=mock_url, ANTHROPIC_API_KEY="sk-ant-e2e", ANTHROPIC_BASE_URL=mock_root,
               GEMINI_API_KEY="gemini-e2e", GEMINI_BASE_URL=mock_root, TOLLGATE_ADMIN_KEY=ADMIN_KEY)
    env.pop("DATABASE_URL", None)
    # The gateway runs as an installed binary would: a copy alone in an empty directory, with
    # its migrations and price catalogue compiled in and nothing of the repository around it.
    install = workdir / "bin"
    install.mkdir()
    installed = install / "tollgate"
    shutil.copy2(BINARY, installed)
    # Routing, from a tollgate.yaml of the operator's (outside the install directory).
    config = workdir / "tollgate.yaml"
    config.write_text(ROUTING_YAML.format(mock_url=mock_url))
    server = subprocess.Popen(
        [str(installed), "serve", "--port", str(port), "--data-dir", str(workdir / "data"), "--config", str(config),
         "--metrics-port", str(metrics_port)],
        cwd=install, env=env, stdout=gateway_log.open("w"), stderr=subprocess.STDOUT)
    try:
        wait_for(mock_url.removesuffix("/v1") + "/health", mock, mock_log)
        wait_for(f"http://127.0.0.1:{port}/health", server, gateway_log)
        yield Gateway(f"http://127.0.0.1:{port}", mock_url, install, f"http://127.0.0.1:{metrics_port}", traces)
    finally:
        stop(server)
        stop(mock)
        traces.server.shutdown()
        if server.returncode not in (0, None):
            print(gateway_log.read_text())
        shutil.rmtree(workdir, ignore_errors=True)
