"""Fault injection against the built gateway: an external PostgreSQL this suite starts itself,
the mock upstream, and `tollgate serve` as a process that the tests kill, signal and restart.

Every case ends by comparing the usage rows in PostgreSQL with what the load saw: each response
that completed has exactly one row (by request id), no row is duplicated, and rows without a
completed response are no more than the requests whose client saw a failure.
"""
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BINARY = Path(os.environ.get("TOLLGATE_BINARY", ROOT / ".build" / "debug" / "tollgate"))
ADMIN_KEY = "tgadmin-faults-" + os.urandom(8).hex()
PG_BIN = Path(os.environ.get("PG_BINDIR") or sorted(Path("/usr/lib/postgresql").glob("*/bin"))[-1])
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

# Priced stand-ins for the mock's misbehaving models: $1 in, $2 out per 1M tokens, 1,000 out at most.
PRICED = {"priced-ok": "mock-ok", "priced-hang": "mock-hang", "priced-reset": "mock-reset",
          "priced-invalid-json": "mock-invalid-json", "priced-drip": "mock-drip"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class Postgres:
    """A PostgreSQL server of the suite's own on a loopback TCP port."""

    def __init__(self, workdir: Path):
        self.dir = workdir / "pg"
        self.dir.mkdir()
        self.port = free_port()
        if AS_POSTGRES:
            shutil.chown(self.dir, "postgres")
        self.run([str(PG_BIN / "initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "--auth=trust",
                  "--no-sync", "-E", "UTF8", "--no-locale"])
        self.start()
        self.psql("CREATE DATABASE tollgate", database="postgres")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/tollgate?sslmode=disable"

    def run(self, command):
        subprocess.run(AS_POSTGRES + command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)

    def start(self):
        self.run([str(PG_BIN / "pg_ctl"), "start", "-w", "-D", str(self.dir / "data"), "-l", str(self.dir / "log"),
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off"])

    def stop(self):
        self.run([str(PG_BIN / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(self.dir / "data")])

    def psql(self, sql: str, database: str = "tollgate") -> list[list[str]]:
        out = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                              "-AtF", "\t", "-c", sql], check=True, capture_output=True, text=True).stdout
        return [line.split("\t") for line in out.splitlines() if line]


class Gateway:
    """`tollgate serve` as a process: started, signalled, killed and started again on one data dir."""

    def __init__(self, workdir: Path, postgres: Postgres, mock_port: int):
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = workdir / "data"
        self.log = workdir / "gateway.log"
        pricing = workdir / "pricing"
        shutil.copytree(ROOT / "Tests" / "TollgateTestSupport" / "Fixtures" / "pricing", pricing)  # the tests' frozen prices
        (pricing / "priced-mocks.json").write_text(json.dumps({
            "provider": "mock-priced", "currency": "USD", "unit": "per 1M tokens", "source": "fault suite",
            "models": [{"model": m, "input": "1.00", "output": "2.00", "effective_from": "2024-01-01",
                        "max_output_tokens": 1000} for m in PRICED]}))
        mock = f"http://127.0.0.1:{mock_port}/v1"
        (workdir / "tollgate.yaml").write_text(
            "providers:\n"
            f"  - name: mock\n    base_url: {mock}\n"
            "    models: [mock-ok, mock-drip, mock-huge-usage, mock-negative-usage]\n"
            f"  - name: mock-priced\n    base_url: {mock}\n    models:\n"
            + "".join(f"      - {{name: {k}, upstream: {v}}}\n" for k, v in PRICED.items()))
        self.env = dict(os.environ, OPENAI_API_KEY="sk-faults", OPENAI_BASE_URL=mock, TOLLGATE_ADMIN_KEY=ADMIN_KEY,
                        DATABASE_URL=postgres.url, LOG_LEVEL="warning")
        self.args = [str(BINARY), "serve", "--port", str(self.port), "--data-dir", str(self.data),
                     "--config", str(workdir / "tollgate.yaml"), "--pricing-dir", str(pricing),
                     "--migrations-dir", str(ROOT / "migrations"), "--upstream-timeout", "1"]
        self.process = None

    def start(self, *extra: str):
        self.process = subprocess.Popen(self.args + list(extra), cwd=self.workdir, env=self.env,
                                        stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        wait_until(lambda: self.get("/health")[0] == 200, 60, "the gateway to start")

    def kill(self):
        self.process.kill()
        self.process.wait(timeout=10)

    def terminate(self, timeout: float = 60) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def request(self, method: str, path: str, body=None, key: str = ADMIN_KEY, timeout: float = 30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body) if body is not None else None
            connection.request(method, path, body=data, headers={"authorization": f"Bearer {key}",
                                                                 "content-type": "application/json"})
            response = connection.getresponse()
            return response.status, response.read(), dict(response.getheaders())
        finally:
            connection.close()

    def get(self, path: str, key: str = ADMIN_KEY):
        status, body, _ = self.request("GET", path, key=key, timeout=5)
        return status, json.loads(body) if body else None

    def new_key(self, **team) -> tuple[str, str]:
        status, body, _ = self.request("POST", "/admin/teams", {"name": "faults-" + os.urandom(4).hex(), **team})
        assert status == 201, body
        team_id = json.loads(body)["id"]
        status, body, _ = self.request("POST", "/admin/keys", {"team_id": team_id, "name": "load"})
        assert status == 201, body
        return team_id, json.loads(body)["key"]


class Load:
    """Steady concurrent chat calls on keep-alive connections until stopped; records each answer."""

    def __init__(self, gateway: Gateway, key: str, threads: int = 6, model: str = "gpt-4o-mini"):
        self.gateway, self.key, self.model = gateway, key, model
        self.lock = threading.Lock()
        self.completed: dict[str, int] = {}   # request id -> status, for answers that arrived whole
        self.failed = 0                        # calls whose client saw no whole answer
        self.timeline: list[tuple[float, int]] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, daemon=True) for _ in range(threads)]

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def run(self):
        body = json.dumps({"model": self.model, "max_tokens": 8, "messages": [{"role": "user", "content": "hello"}]})
        connection = None
        while not self.stopping.is_set():
            try:
                if connection is None:
                    connection = http.client.HTTPConnection("127.0.0.1", self.gateway.port, timeout=10)
                connection.request("POST", "/v1/chat/completions", body=body, headers={
                    "authorization": f"Bearer {self.key}", "content-type": "application/json"})
                response = connection.getresponse()
                response.read()
                with self.lock:
                    self.timeline.append((time.monotonic(), response.status))
                    request_id = response.getheader("x-tollgate-request-id")
                    if response.status == 200 and request_id:
                        self.completed[request_id] = response.status
                if response.getheader("connection", "").lower() == "close":
                    connection.close()
                    connection = None
            except (OSError, http.client.HTTPException):
                with self.lock:
                    self.failed += 1
                    self.timeline.append((time.monotonic(), 0))
                if connection is not None:
                    connection.close()
                connection = None
                time.sleep(0.05)
        if connection is not None:
            connection.close()


def assert_rows_match(postgres: Postgres, load: Load, others: set[str] = frozenset()):
    """Every completed answer of the load, and every call in `others` (the case's own, by request
    id), has exactly one row; rows for neither are at most the load's failed calls."""
    rows = postgres.psql("SELECT request_id, attempt, status FROM usage_events")
    ids = [row[0] for row in rows]
    assert len(ids) == len(set(ids)), "duplicate usage rows"
    expected = set(load.completed) | set(others)
    missing = expected - set(ids)
    assert not missing, f"{len(missing)} answered calls have no usage row, e.g. {sorted(missing)[:3]}"
    extra = len(set(ids) - expected)
    assert extra <= load.failed, f"{extra} rows for calls nobody saw answered, but only {load.failed} failed"
    return len(ids), extra


@pytest.fixture
def world():
    if not BINARY.exists():
        subprocess.run(["swift", "build"], cwd=ROOT, check=True)
    workdir = Path(tempfile.mkdtemp(prefix="tollgate-faults-"))
    workdir.chmod(0o755)
    postgres = Postgres(workdir)
    mock_port = free_port()
    mock = subprocess.Popen([str(BINARY), "mock-upstream", "--port", str(mock_port)],
                            stdout=(workdir / "mock.log").open("w"), stderr=subprocess.STDOUT)
    gateway = Gateway(workdir, postgres, mock_port)
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", mock_port), timeout=1).close() is None, 30, "the mock")
        yield gateway, postgres
    finally:
        for process in (gateway.process, mock):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        try:
            postgres.stop()
        except subprocess.CalledProcessError:
            pass
        if os.environ.get("KEEP_FAULTS_DIR"):
            print("fault suite files kept in", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
