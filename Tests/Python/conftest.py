"""Fixtures for the end-to-end tests that drive Gatehouse with the official MCP Python SDK.

One development IdP and one `gatehouse worker` are started per test session from
`GATEHOUSE_BUILD_DIR` (default: `<repo>/.build/debug`), waited for by polling with a deadline,
and stopped at the end (SIGTERM, then SIGKILL if they do not leave in time).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

# The resource identifier the worker protects and the IdP puts in every token's `aud`. It is the
# public URL a deployment would have behind its TLS proxy; nothing listens on that host here.
RESOURCE = "https://mcp.gatehouse.test/mcp"
RESOURCE_METADATA_URL = "https://mcp.gatehouse.test/.well-known/oauth-protected-resource/mcp"
CLIENT_ID = "mcp-client"
CLIENT_SECRET = "mcp-secret"
SHARED_CACHE_KEY = "test-fleet-shared-cache-key-0123456789abcdef"

STARTUP_DEADLINE_S = 30.0
STOP_GRACE_S = 5.0
HTTP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class IdP:
    base_url: str
    issuer: str
    log_path: Path

    @property
    def token_endpoint(self) -> str:
        return f"{self.issuer}/protocol/openid-connect/token"


@dataclass(frozen=True)
class Worker:
    base_url: str
    port: int
    log_path: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.base_url}/mcp"

    @property
    def metadata_path(self) -> str:
        return "/.well-known/oauth-protected-resource/mcp"


def _build_dir() -> Path:
    return Path(os.environ.get("GATEHOUSE_BUILD_DIR", REPO_ROOT / ".build" / "debug")).resolve()


def _executable(name: str) -> Path:
    path = _build_dir() / name
    if not os.access(path, os.X_OK):
        pytest.fail(
            f"{path} is missing; build first (`swift build`) or point GATEHOUSE_BUILD_DIR at the build directory",
            pytrace=False,
        )
    return path


def _child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The test's environment without anything that would configure Gatehouse behind our back."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GATEHOUSE_", "LISTEN_", "WATCHDOG_")) and key != "NOTIFY_SOCKET"
    }
    env.update(extra)
    return env


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


def _fail_startup(what: str, proc: subprocess.Popen[bytes], log_path: Path) -> None:
    status = proc.poll()
    state = f"exited with status {status}" if status is not None else "still running"
    pytest.fail(f"{what} did not become ready ({state}); last log lines:\n{_tail(log_path)}", pytrace=False)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, wait, SIGKILL: for the one process this fixture started, by its pid."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_GRACE_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=STOP_GRACE_S)


def _start(
    argv: list[str], env: dict[str, str], cwd: Path, log_path: Path
) -> subprocess.Popen[bytes]:
    log = log_path.open("wb")
    try:
        return subprocess.Popen(
            argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
        )
    finally:
        log.close()  # the child holds its own descriptor


def _poll(deadline: float, check: Callable[[], object]) -> object:
    """Call `check` until it returns something truthy or the deadline passes (then None)."""
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.05)
    return None


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gatehouse")


@pytest.fixture(scope="session")
def idp(run_dir: Path) -> Iterator[IdP]:
    port_file = run_dir / "idp.port"
    log_path = run_dir / "idp.log"
    proc = _start(
        [str(_executable("gatehouse-dev-idp")), "--port", "0", "--port-file", str(port_file), "--audience", RESOURCE],
        env=_child_environment({}),
        cwd=run_dir,
        log_path=log_path,
    )
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S

        def read_port() -> int | None:
            if proc.poll() is not None:
                _fail_startup("gatehouse-dev-idp", proc, log_path)
            try:
                text = port_file.read_text().strip()
            except FileNotFoundError:
                return None
            return int(text) if text.isdigit() else None

        port = _poll(deadline, read_port)
        if not port:
            _fail_startup("gatehouse-dev-idp", proc, log_path)
        base_url = f"http://127.0.0.1:{port}"
        issuer = f"{base_url}/realms/mcp-realm"

        def discovery_answers() -> bool:
            try:
                response = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1.0, trust_env=False)
            except httpx.TransportError:
                return False
            return response.status_code == 200 and response.json().get("issuer") == issuer

        if not _poll(deadline, discovery_answers):
            _fail_startup("gatehouse-dev-idp", proc, log_path)
        yield IdP(base_url=base_url, issuer=issuer, log_path=log_path)
    finally:
        _stop(proc)


def _start_worker(idp: IdP, run_dir: Path, name: str, extra: dict[str, str]) -> Iterator[Worker]:
    """Starts a `gatehouse worker` trusting `idp`, waits until it is ready, stops it afterwards."""
    log_path = run_dir / f"{name}.log"
    # An empty .env of our own: GATEHOUSE_DOTENV=/dev/null is refused by the worker
    # ("cannot read /dev/null"), and without GATEHOUSE_DOTENV it would read ./.env.
    dotenv = run_dir / "empty.env"
    dotenv.write_text("")
    env = _child_environment(
        {
            "GATEHOUSE_RESOURCE": RESOURCE,
            "GATEHOUSE_ISSUER": idp.issuer,
            "GATEHOUSE_ALLOW_INSECURE_HTTP": "true",
            "GATEHOUSE_BIND": "127.0.0.1:0",
            # A port of its own for each supervisor's metrics, so tests never share one.
            "GATEHOUSE_METRICS_BIND": "127.0.0.1:0",
            "GATEHOUSE_DOTENV": str(dotenv),
            # Signs the records workers share through Redis; required with GATEHOUSE_REDIS_URL.
            "GATEHOUSE_SHARED_CACHE_KEY": SHARED_CACHE_KEY,
            # A token signed with a key the cache does not know refetches the JWKS at once, rather
            # than after the default 5 s cooldown that follows the startup fetch; the key-rotation
            # test would otherwise depend on how long ago the worker started.
            "GATEHOUSE_JWKS_COOLDOWN": "0",
        }
        | extra
    )
    proc = _start([str(_executable("gatehouse")), "worker"], env=env, cwd=run_dir, log_path=log_path)
    try:
        deadline = time.monotonic() + STARTUP_DEADLINE_S

        def listening_port() -> int | None:
            if proc.poll() is not None:
                _fail_startup("gatehouse worker", proc, log_path)
            for line in log_path.read_text(errors="replace").splitlines():
                try:
                    event = json.loads(line)
                except ValueError:
                    continue
                if isinstance(event, dict) and event.get("event") == "worker.listening" and event.get("port"):
                    return int(event["port"])
            return None

        port = _poll(deadline, listening_port)
        if not port:
            _fail_startup("gatehouse worker", proc, log_path)
        base_url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            if proc.poll() is not None:
                _fail_startup("gatehouse worker", proc, log_path)
            try:
                return httpx.get(f"{base_url}/readyz", timeout=1.0, trust_env=False).status_code == 200
            except httpx.TransportError:
                return False

        if not _poll(deadline, ready):
            _fail_startup("gatehouse worker", proc, log_path)
        yield Worker(base_url=base_url, port=int(port), log_path=log_path)
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def worker(idp: IdP, run_dir: Path) -> Iterator[Worker]:
    yield from _start_worker(idp, run_dir, "worker", {})


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1.0) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture(scope="session")
def redis_url(run_dir: Path) -> Iterator[str]:
    """A private redis-server on a free loopback port: no persistence, its own directory."""
    server = shutil.which("redis-server") or "/usr/bin/redis-server"
    directory = run_dir / "redis"
    directory.mkdir(exist_ok=True)
    log_path = run_dir / "redis.log"
    for _attempt in range(5):
        port = _free_port()
        proc = _start(
            [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(directory), "--daemonize", "no"],
            env=_child_environment({}),
            cwd=directory,
            log_path=log_path,
        )
        if _poll(time.monotonic() + STARTUP_DEADLINE_S, lambda: proc.poll() is not None or _redis_answers(port)) and proc.poll() is None:
            break
        _stop(proc)  # most likely the port was taken between picking and binding it
    else:
        pytest.fail(f"redis-server did not start; last log lines:\n{_tail(log_path)}", pytrace=False)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(proc)


@pytest.fixture(scope="session")
def tools_worker(idp: IdP, run_dir: Path, redis_url: str) -> Iterator[Worker]:
    """A worker with Redis, so every tool (the notes tools too) is offered."""
    yield from _start_worker(idp, run_dir, "tools-worker", {"GATEHOUSE_REDIS_URL": redis_url})


TokenFactory = Callable[..., str]


@pytest.fixture(scope="session")
def get_token(idp: IdP) -> TokenFactory:
    """Fetches a fresh client-credentials access token; `scope=` is sent when given."""

    def fetch(scope: str | None = None) -> str:
        form = {"grant_type": "client_credentials"}
        if scope is not None:
            form["scope"] = scope
        response = httpx.post(
            idp.token_endpoint,
            data=form,
            auth=(CLIENT_ID, CLIENT_SECRET),
            timeout=HTTP_TIMEOUT_S,
            trust_env=False,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["token_type"].lower() == "bearer"
        return body["access_token"]

    return fetch


@pytest.fixture
def token(get_token: TokenFactory) -> str:
    """A token with the client's default scopes (which include mcp:read)."""
    return get_token()
