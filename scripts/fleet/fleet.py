"""The fleet's processes, each started in its namespace: redis-server, the development IdP with
an nginx on its address, three `gatehouse serve` hosts, and nginx balancing over them.

scripts/fleet-test.sh has made the namespaces (`<prefix><node>`, one address each on a shared
bridge); this module runs in the client's namespace and starts the others' processes through
`ip netns exec`, which keeps the pid (it execs), so a pid here is the process itself. Every
process leads its own process group, so a host's supervisor and workers die together when the
test kills the group.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
REALM = "mcp-realm"
CLIENT = ("mcp-client", "mcp-secret")
IDP_PORT = 8180
HOST_PORT = 8000
REDIS_PORT = 6379
STOP_GRACE_S = 10.0


class FleetError(Exception):
    pass


def poll(what: str, timeout: float, check: Callable[[], object], interval: float = 0.02) -> object:
    """Calls `check` until it returns something truthy; FleetError naming `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise FleetError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def log_lines(path: Path) -> Iterator[dict]:
    """The JSON objects of a log file, skipping anything else (nginx, stack traces)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                continue


def log_time(event: dict) -> float:
    """A Gatehouse log line's `ts` (RFC 3339, UTC, milliseconds) as Unix seconds."""
    return datetime.fromisoformat(event["ts"].replace("Z", "+00:00")).timestamp()


@dataclass
class Node:
    """One namespace of the fleet and the processes the test started in it."""

    name: str
    address: str
    namespace: str
    run_dir: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, argv: list[str], log_name: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        log = (self.run_dir / log_name).open("ab")
        try:
            process = subprocess.Popen(
                ["ip", "netns", "exec", self.namespace, *argv],
                # Only what we give: nothing of the caller's GATEHOUSE_* reaches the fleet.
                env={"PATH": os.environ["PATH"], **(env or {})},
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        finally:
            log.close()  # The child holds its own descriptor.
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        """SIGTERM to each process group the test started here, then SIGKILL to what stays."""
        for process in self.processes:
            if process.poll() is None:
                _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=STOP_GRACE_S)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=STOP_GRACE_S)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def listens(address: str, port: int) -> bool:
    try:
        with socket.create_connection((address, port), timeout=0.5):
            return True
    except OSError:
        return False


class Redis:
    def __init__(self, node: Node) -> None:
        self.node = node
        self.process: subprocess.Popen[bytes] | None = None
        self.url = f"redis://{node.address}:{REDIS_PORT}/0"

    def start(self) -> None:
        # No persistence: a restarted Redis is empty, as after losing its host.
        self.process = self.node.spawn(
            ["redis-server", "--bind", self.node.address, "--port", str(REDIS_PORT), "--save", "",
             "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no"],
            "redis.log")
        poll("redis-server to answer PING", 15, self.answers)

    def answers(self) -> bool:
        try:
            with socket.create_connection((self.node.address, REDIS_PORT), timeout=0.5) as connection:
                connection.sendall(b"PING\r\n")
                return connection.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        assert self.process is not None
        _signal_group(self.process, signal.SIGKILL)
        self.process.wait(timeout=STOP_GRACE_S)


class IdentityProvider:
    """gatehouse-dev-idp on the IdP namespace's loopback (it binds nothing else), advertising
    the namespace's address (`--hostname`), where an nginx passes requests on to it."""

    def __init__(self, node: Node, products: Path, audience: str) -> None:
        self.node = node
        self.products = products
        self.audience = audience
        self.base_url = f"http://{node.address}:{IDP_PORT}"
        self.issuer = f"{self.base_url}/realms/{REALM}"
        self.log_path = node.run_dir / "idp.log"
        self.http = httpx.Client(timeout=10, trust_env=False)

    def start(self) -> None:
        self.node.spawn(
            [str(self.products / "gatehouse-dev-idp"), "--port", str(IDP_PORT), "--hostname", self.base_url,
             "--audience", self.audience, "--token-lifetime", "3600"],
            "idp.log")
        start_nginx(self.node, "nginx-idp.conf.template", {"LISTEN": f"{self.node.address}:{IDP_PORT}",
                                                             "UPSTREAM": f"127.0.0.1:{IDP_PORT}"})

        def discovery() -> bool:
            try:
                answer = self.http.get(f"{self.issuer}/.well-known/openid-configuration", timeout=1)
            except httpx.TransportError:
                return False
            return answer.status_code == 200 and answer.json().get("issuer") == self.issuer

        poll("the IdP's discovery document at its address", 30, discovery)

    def jwks_fetches(self) -> int:
        """JWKS requests in the IdP's own request log: what the fleet cost the provider."""
        certs = f"/realms/{REALM}/protocol/openid-connect/certs"
        return sum(1 for line in log_lines(self.log_path) if line.get("event") == "idp.request" and line.get("path") == certs)

    def token(self, scope: str = "mcp:read mcp:write") -> str:
        answer = self.http.post(f"{self.issuer}/protocol/openid-connect/token", data={
            "grant_type": "client_credentials", "client_id": CLIENT[0], "client_secret": CLIENT[1], "scope": scope})
        answer.raise_for_status()
        return answer.json()["access_token"]

    def rotate(self) -> str:
        """New active keys; the old ones stay published. Returns the new RS256 kid."""
        answer = self.http.post(f"{self.base_url}/admin/rotate")
        answer.raise_for_status()
        return answer.json()["rs256_kid"]

    def sign(self, payload: dict, header: dict | None = None) -> str:
        answer = self.http.post(f"{self.base_url}/admin/sign", json={"payload": payload, "header": header or {}})
        answer.raise_for_status()
        return answer.json()["token"]

    def claims(self, **overrides: object) -> dict:
        """Keycloak-shaped access token claims for the fleet, valid for an hour."""
        now = int(time.time())
        return {"exp": now + 3600, "iat": now, "jti": secrets.token_hex(8), "iss": self.issuer,
                "aud": [self.audience, "account"], "sub": "fleet-test", "typ": "Bearer", "azp": CLIENT[0],
                "scope": "mcp:read mcp:write"} | overrides


class Host:
    """`gatehouse serve --workers N` on one namespace's address."""

    def __init__(self, node: Node, products: Path, environment: dict[str, str], workers: int) -> None:
        self.node = node
        self.products = products
        self.environment = environment
        self.workers = workers
        self.url = f"http://{node.address}:{HOST_PORT}"
        self.log_path = node.run_dir / f"host-{node.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def name(self) -> str:
        return self.node.name

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self) -> None:
        ready_before = self.count("supervisor.ready")
        self.process = self.node.spawn(
            [str(self.products / "gatehouse"), "serve", "--workers", str(self.workers)], self.log_path.name,
            self.environment | {"GATEHOUSE_BIND": f"{self.node.address}:{HOST_PORT}"})

        def ready() -> bool:
            if self.process.poll() is not None:
                raise FleetError(f"host {self.name} exited with {self.process.returncode}; see {self.log_path}")
            return self.count("supervisor.ready") > ready_before

        poll(f"host {self.name} to be ready", 60, ready)

    def events(self, event: str, since: float = 0) -> list[dict]:
        """Lines of `event` logged at `since` or later (log times are cut to the millisecond)."""
        return [line for line in log_lines(self.log_path)
                if line.get("event") == event and log_time(line) >= since - 0.001]

    def count(self, event: str) -> int:
        return len(self.events(event))

    def worker_pids(self) -> set[int]:
        """The supervisor's children, from /proc: its workers."""
        try:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text()
        except FileNotFoundError:
            return set()
        return {int(pid) for pid in children.split()}

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def kill_group(self) -> None:
        """SIGKILL to the supervisor and its workers at once: the host is lost, nothing drains."""
        assert self.process is not None
        os.killpg(self.pid, signal.SIGKILL)
        self.process.wait(timeout=STOP_GRACE_S)


class LoadBalancer:
    """nginx balancing over the hosts; its access log names the upstream(s) of each request."""

    def __init__(self, node: Node, hosts: list[Host]) -> None:
        self.node = node
        self.hosts = hosts
        self.url = f"http://{node.address}"
        self.access_log = node.run_dir / "lb-access.log"

    def start(self) -> None:
        servers = "\n".join(
            f"        server {host.node.address}:{HOST_PORT} max_fails=1 fail_timeout=2s;" for host in self.hosts)
        start_nginx(self.node, "nginx-lb.conf.template", {"LISTEN": f"{self.node.address}:80", "SERVERS": servers,
                                                           "ACCESS_LOG": str(self.access_log.resolve())})
        poll("nginx on the load balancer", 15, lambda: listens(self.node.address, 80))

    def requests(self) -> dict[str, dict]:
        """Access log entries by request id."""
        entries = {}
        for line in log_lines(self.access_log):
            entries[line["request_id"]] = line
        return entries


def start_nginx(node: Node, template: str, values: dict[str, str]) -> None:
    directory = (node.run_dir / f"nginx-{node.name}").resolve()
    directory.mkdir(parents=True, exist_ok=True)
    text = (HERE / template).read_text()
    # {{NAME}}, not $NAME: nginx's own variables start with $.
    for name, value in (values | {"DIRECTORY": str(directory)}).items():
        text = text.replace("{{" + name + "}}", value)
    assert "{{" not in text, f"{template}: a placeholder without a value"
    config = directory / "nginx.conf"
    config.write_text(text)
    node.spawn(["nginx", "-c", str(config)], f"nginx-{node.name}.log")


def shared_cache_key() -> str:
    """One per run, the same on every host (GATEHOUSE_SHARED_CACHE_KEY)."""
    return secrets.token_hex(32)
