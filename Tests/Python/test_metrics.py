"""The supervisor's /metrics, scraped by a real Prometheus (Debian's package).

A supervisor with two workers and Redis serves its metrics on a listener of its own with a
bearer secret; Prometheus scrapes it every second. The test sends known traffic, asks
Prometheus's HTTP API what it saw, kills a worker and reloads, and checks that no counter ever
went back. promtool checks the scrape, the alert rules and their unit tests, and every metric
the dashboard and the rules name must be in the scrape.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from conftest import (
    REPO_ROOT,
    RESOURCE,
    SHARED_CACHE_KEY,
    STARTUP_DEADLINE_S,
    IdP,
    TokenFactory,
    _child_environment,
    _executable,
    _fail_startup,
    _free_port,
    _poll,
    _start,
    _stop,
)

PROMETHEUS_DIR = REPO_ROOT / "docker" / "prometheus"
DASHBOARD = REPO_ROOT / "docker" / "grafana" / "gatehouse-dashboard.json"
METRICS_SECRET = "metrics-test-secret-0123456789abcdef"

pytestmark = pytest.mark.skipif(not shutil.which("prometheus"), reason="Debian's prometheus package is not installed")


@dataclass
class Supervisor:
    proc: subprocess.Popen[bytes]
    log_path: Path
    base_url: str
    metrics_url: str

    def events(self, name: str) -> list[dict[str, Any]]:
        found = []
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and event.get("event") == name:
                found.append(event)
        return found

    def scrape(self) -> str:
        response = httpx.get(self.metrics_url, headers={"Authorization": f"Bearer {METRICS_SECRET}"}, timeout=5, trust_env=False)
        assert response.status_code == 200, response.text
        return response.text


@pytest.fixture(scope="module")
def supervisor(idp: IdP, run_dir: Path, redis_url: str) -> Iterator[Supervisor]:
    secret_file = run_dir / "metrics-token"
    secret_file.write_text(METRICS_SECRET)
    dotenv = run_dir / "metrics.env"
    dotenv.write_text("")
    log_path = run_dir / "metrics-supervisor.log"
    env = _child_environment({
        "GATEHOUSE_RESOURCE": RESOURCE,
        "GATEHOUSE_ISSUER": idp.issuer,
        "GATEHOUSE_ALLOW_INSECURE_HTTP": "true",
        "GATEHOUSE_BIND": "127.0.0.1:0",
        "GATEHOUSE_WORKERS": "2",
        "GATEHOUSE_DOTENV": str(dotenv),
        "GATEHOUSE_REDIS_URL": redis_url,
        "GATEHOUSE_SHARED_CACHE_KEY": SHARED_CACHE_KEY,
        "GATEHOUSE_METRICS_BIND": "127.0.0.1:0",
        "GATEHOUSE_METRICS_TOKEN_FILE": str(secret_file),
    })
    proc = _start([str(_executable("gatehouse")), "serve"], env=env, cwd=run_dir, log_path=log_path)
    try:
        server = Supervisor(proc, log_path, "", "")
        deadline = time.monotonic() + STARTUP_DEADLINE_S

        def ready() -> bool:
            if proc.poll() is not None:
                _fail_startup("gatehouse serve", proc, log_path)
            return bool(server.events("supervisor.ready") and server.events("metrics.listening"))

        if not _poll(deadline, ready):
            _fail_startup("gatehouse serve", proc, log_path)
        server.base_url = "http://" + server.events("supervisor.started")[0]["listen"][0]
        server.metrics_url = "http://" + server.events("metrics.listening")[0]["listen"] + "/metrics"
        yield server
    finally:
        _stop(proc)


@dataclass
class Prometheus:
    url: str

    def query(self, expression: str) -> list[dict[str, Any]]:
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expression}, timeout=5, trust_env=False)
        assert response.status_code == 200, response.text
        return response.json()["data"]["result"]

    def value(self, expression: str) -> float | None:
        result = self.query(expression)
        return float(result[0]["value"][1]) if result else None

    def eventually(self, expression: str, expected: float, timeout: float = 20.0) -> float | None:
        """Polls until the expression's value is `expected`; returns the last value seen."""
        seen: list[float | None] = [None]

        def check() -> bool:
            seen[0] = self.value(expression)
            return seen[0] == expected

        _poll(time.monotonic() + timeout, check)
        return seen[0]


@pytest.fixture(scope="module")
def prometheus(supervisor: Supervisor, run_dir: Path) -> Iterator[Prometheus]:
    directory = run_dir / "prometheus"
    directory.mkdir(exist_ok=True)
    target = supervisor.metrics_url.removeprefix("http://").removesuffix("/metrics")
    config = directory / "prometheus.yml"
    config.write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(PROMETHEUS_DIR / "alerts.yml")],
        "scrape_configs": [{
            "job_name": "gatehouse",
            "authorization": {"type": "Bearer", "credentials_file": str(run_dir / "metrics-token")},
            "static_configs": [{"targets": [target]}],
        }],
    }))
    port = _free_port()
    log_path = run_dir / "prometheus.log"
    proc = _start(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={directory / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=1h"],
        env=_child_environment({}), cwd=directory, log_path=log_path)
    try:
        server = Prometheus(f"http://127.0.0.1:{port}")

        def scraping() -> bool:
            if proc.poll() is not None:
                _fail_startup("prometheus", proc, log_path)
            try:
                return server.value('up{job="gatehouse"}') == 1
            except httpx.TransportError:
                return False

        if not _poll(time.monotonic() + 60, scraping):
            _fail_startup("prometheus", proc, log_path)
        yield server
    finally:
        _stop(proc)


def call_echo(base_url: str, headers: dict[str, str], index: int) -> httpx.Response:
    return httpx.post(
        f"{base_url}/mcp",
        json={"jsonrpc": "2.0", "id": index, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "hi"}}},
        headers={
            "Accept": "application/json, text/event-stream",
            "MCP-Protocol-Version": "2025-11-25",
            # A new connection each time, so both workers take some.
            "Connection": "close",
        } | headers,
        timeout=10,
        trust_env=False,
    )


def tampered(token: str) -> str:
    """The same token with one signature character changed (still canonical base64url)."""
    header, payload, signature = token.split(".")
    middle = len(signature) // 2
    replacement = "A" if signature[middle] != "A" else "B"
    return ".".join([header, payload, signature[:middle] + replacement + signature[middle + 1:]])


def test_prometheus_sees_every_request_and_counters_never_go_back(
    supervisor: Supervisor, prometheus: Prometheus, get_token: TokenFactory
) -> None:
    token = get_token()
    authenticated, missing, malformed, bad_signature = 24, 5, 4, 3
    for index in range(authenticated):
        assert call_echo(supervisor.base_url, {"Authorization": f"Bearer {token}"}, index).status_code == 200
    for index in range(missing):
        assert call_echo(supervisor.base_url, {}, index).status_code == 401
    for index in range(malformed):
        assert call_echo(supervisor.base_url, {"Authorization": "Bearer not-a-token"}, index).status_code == 401
    for index in range(bad_signature):
        assert call_echo(supervisor.base_url, {"Authorization": f"Bearer {tampered(token)}"}, index).status_code == 401
    unauthenticated = missing + malformed + bad_signature

    total = authenticated + unauthenticated
    assert prometheus.eventually('sum(gatehouse_http_requests_total{route="mcp"})', total) == total
    assert prometheus.value('sum(gatehouse_http_requests_total{route="mcp",status_class="2xx"})') == authenticated
    assert prometheus.value('sum(gatehouse_http_requests_total{route="mcp",status_class="4xx"})') == unauthenticated
    refusals = {
        sample["metric"]["reason"]: float(sample["value"][1])
        for sample in prometheus.query("gatehouse_auth_refusals_total > 0")
    }
    assert refusals == {"missing_token": missing, "malformed": malformed, "bad_signature": bad_signature}
    assert prometheus.value("sum(gatehouse_auth_refusals_total)") == unauthenticated
    assert prometheus.value('gatehouse_tool_calls_total{tool="echo",outcome="success"}') == authenticated
    assert prometheus.value('gatehouse_request_duration_seconds_count{operation="mcp_tools_call"}') == authenticated
    assert prometheus.value('gatehouse_request_duration_seconds_count{operation="unauthorized"}') == unauthenticated
    assert prometheus.value('sum(gatehouse_workers{state="ready"})') == 2

    # A worker killed with SIGKILL, then a reload: the workers the counts came from are gone.
    ready = supervisor.events("worker.ready")
    victim = int(ready[0]["worker_pid"])
    subprocess.run(["kill", "-KILL", str(victim)], check=True)
    assert prometheus.eventually('gatehouse_worker_restarts_total{cause="crash"}', 1) == 1
    assert prometheus.eventually('sum(gatehouse_workers{state="ready"})', 2) == 2
    supervisor.proc.send_signal(signal.SIGHUP)
    assert prometheus.eventually('gatehouse_reloads_total{outcome="completed"}', 1, timeout=30) == 1
    assert prometheus.eventually('gatehouse_worker_restarts_total{cause="reload"}', 2) == 2

    more = 10
    for index in range(more):
        assert call_echo(supervisor.base_url, {"Authorization": f"Bearer {token}"}, index).status_code == 200
    assert prometheus.eventually('sum(gatehouse_http_requests_total{route="mcp"})', total + more) == total + more
    # Across every scrape since the start: no series of a counter ever went down.
    window = "[5m]"
    for counter in ("gatehouse_http_requests_total", "gatehouse_auth_refusals_total", "gatehouse_tool_calls_total",
                    "gatehouse_request_duration_seconds_count", "gatehouse_auth_accepted_total"):
        assert prometheus.value(f"sum(resets({counter}{window}))") == 0, counter
    assert prometheus.value("sum(gatehouse_auth_refusals_total)") == unauthenticated


def scraped_names(text: str) -> set[str]:
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines() if line and not line.startswith("#")}


def referenced_names(text: str) -> set[str]:
    return set(re.findall(r"\bgatehouse_[a-z_]+\b", text))


def test_promtool_accepts_the_scrape_and_the_rules(supervisor: Supervisor, tmp_path: Path) -> None:
    scrape = supervisor.scrape()
    checked = subprocess.run(["promtool", "check", "metrics"], input=scrape.encode(), capture_output=True, timeout=30)
    assert checked.returncode == 0 and not checked.stdout.strip() and not checked.stderr.strip(), checked.stdout + checked.stderr
    rules = subprocess.run(["promtool", "check", "rules", str(PROMETHEUS_DIR / "alerts.yml")], capture_output=True, timeout=30)
    assert rules.returncode == 0, rules.stdout + rules.stderr
    # The crash-loop alert (and the others) fire on synthetic series, and stay quiet when they should.
    tests = subprocess.run(["promtool", "test", "rules", "alerts_test.yml"], cwd=PROMETHEUS_DIR, capture_output=True, timeout=60)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    config = subprocess.run(
        ["promtool", "check", "config", "--syntax-only", str(PROMETHEUS_DIR / "prometheus.yml")], capture_output=True, timeout=30)
    assert config.returncode == 0, config.stdout + config.stderr


def test_every_metric_the_dashboard_and_the_rules_name_is_scraped(supervisor: Supervisor) -> None:
    scraped = scraped_names(supervisor.scrape())
    dashboard = json.loads(DASHBOARD.read_text())
    expressions = " ".join(target["expr"] for panel in dashboard["panels"] for target in panel["targets"])
    for source, names in (("dashboard", referenced_names(expressions)), ("alerts", referenced_names((PROMETHEUS_DIR / "alerts.yml").read_text()))):
        assert names, source
        assert names <= scraped, f"{source} names metrics the scrape lacks: {sorted(names - scraped)}"


def test_the_scrape_names_no_token_subject_or_request_value(supervisor: Supervisor, get_token: TokenFactory) -> None:
    token = get_token()
    call_echo(supervisor.base_url, {"Authorization": f"Bearer {token}"}, 1)
    scrape = supervisor.scrape()
    assert token not in scrape and token.split(".")[1] not in scrape
    assert "mcp-client" not in scrape and "hi" not in re.findall(r'"([^"]*)"', scrape)


def test_metrics_are_not_on_the_public_port_and_need_the_secret(supervisor: Supervisor) -> None:
    public = httpx.get(f"{supervisor.base_url}/metrics", headers={"Authorization": f"Bearer {METRICS_SECRET}"}, timeout=5, trust_env=False)
    assert public.status_code == 404 and "gatehouse_" not in public.text
    for headers in ({}, {"Authorization": "Bearer wrong-secret-0123456789abcdef"}):
        refused = httpx.get(supervisor.metrics_url, headers=headers, timeout=5, trust_env=False)
        assert refused.status_code == 401 and "gatehouse_" not in refused.text
    assert supervisor.metrics_url.split("//")[1].split(":")[0] == "127.0.0.1"
