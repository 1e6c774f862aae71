"""nginx for real: Debian's nginx runs the shipped template (nginx/templates), rendered the way the
official image renders it, in front of a running `gatehouse worker` and the development identity
provider (standing in for Keycloak at /realms/), with a fresh CA from docker/make-dev-certs.sh.

Only what compose.yaml passes as NGINX_* differs from the stack: listen ports, upstream
addresses, certificate paths and the cache directory. The main nginx.conf is the test's own
(pid, logs and temporary files in a temporary directory), as the image's is the image's.

A second nginx from the same template sits in front of a small recording upstream, to see what
nginx sends upstream (forwarded headers, keep-alive), whether /mcp streams and whether an
upgrade (WebSocket) is tunnelled.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import socket
import ssl
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from conftest import CLIENT_ID, CLIENT_SECRET, RESOURCE, RESOURCE_METADATA_URL, IdP, Worker, _poll, _stop, _tail
from deployment_support import COMPOSE_FILE, MAKE_DEV_CERTS, NGINX_TEMPLATE_DIR, free_port

NGINX = "/usr/sbin/nginx"
START_DEADLINE_S = 15.0
TIMEOUT_S = 10.0
# What the test may change relative to compose.yaml's nginx environment.
LOCAL_SETTINGS = {
    "NGINX_HTTP_PORT", "NGINX_HTTPS_PORT", "NGINX_GATEHOUSE_UPSTREAM", "NGINX_KEYCLOAK_UPSTREAM",
    "NGINX_TLS_CERTIFICATE", "NGINX_TLS_CERTIFICATE_KEY", "NGINX_CACHE_DIR",
}



@pytest.fixture(scope="module", autouse=True)
def nginx_installed() -> None:
    # A failure, not a skip: scripts/install-deps.sh installs it, and CI must run these tests.
    if not os.access(NGINX, os.X_OK):
        pytest.fail(f"{NGINX} is missing; run scripts/install-deps.sh", pytrace=False)


def compose_nginx_environment() -> dict[str, str]:
    return {key: str(value) for key, value in yaml.safe_load(COMPOSE_FILE.read_text())["services"]["nginx"]["environment"].items()}


def render_templates(output_dir: Path, overrides: dict[str, str]) -> None:
    """What the image's 20-envsubst-on-templates.sh does: every *.template below the template
    directory becomes the same relative path without the suffix, with ${NAME} replaced for the
    environment names matching NGINX_ENVSUBST_FILTER."""
    assert set(overrides) <= LOCAL_SETTINGS, set(overrides) - LOCAL_SETTINGS
    environment = compose_nginx_environment() | overrides
    name_filter = re.compile(environment["NGINX_ENVSUBST_FILTER"])
    for template in NGINX_TEMPLATE_DIR.rglob("*.template"):
        target = output_dir / template.relative_to(NGINX_TEMPLATE_DIR).with_suffix("")
        target.parent.mkdir(parents=True, exist_ok=True)

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            return environment[name] if name_filter.search(name) and name in environment else match.group(0)

        rendered = re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", substitute, template.read_text())
        assert not re.search(r"\$\{?NGINX_", rendered), f"{template.name}: a variable compose.yaml does not set"
        target.write_text(rendered)


@dataclass
class Nginx:
    directory: Path
    https_port: int
    http_port: int
    process: subprocess.Popen[bytes]
    ca_file: Path

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    def client(self, **options: object) -> httpx.Client:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        return httpx.Client(base_url=self.base_url, verify=context, timeout=TIMEOUT_S, trust_env=False, **options)


def write_main_configuration(directory: Path) -> Path:
    """The test's nginx.conf: everything nginx writes stays in `directory`."""
    temp = directory / "temp"
    for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (temp / name).mkdir(parents=True, exist_ok=True)
    user = pwd.getpwuid(os.geteuid()).pw_name
    group = grp.getgrgid(os.getegid()).gr_name
    path = directory / "nginx.conf"
    path.write_text(f"""
# Workers as the test's own user (nginx ignores `user` unless it runs as root).
user {user} {group};
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {directory}/access.log;
    client_body_temp_path {temp}/client_body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;
    include conf.d/*.conf;
}}
""")
    return path


def nginx_command(configuration: Path, directory: Path, *extra: str) -> list[str]:
    return [NGINX, "-p", str(directory), "-c", str(configuration), "-e", str(directory / "error.log"), *extra]


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("certs")
    subprocess.run(["sh", str(MAKE_DEV_CERTS), str(directory)], check=True, capture_output=True, timeout=60)
    return directory


def start_nginx(base: Path, certificates: Path, gatehouse: str, keycloak: str) -> Nginx:
    """Renders and starts nginx on free ports; tries new ports if another process took them."""
    for attempt in range(3):
        directory = base / f"nginx-{attempt}"
        directory.mkdir()
        https_port, http_port = free_port(), free_port()
        render_templates(directory / "conf.d", {
            "NGINX_HTTP_PORT": str(http_port),
            "NGINX_HTTPS_PORT": str(https_port),
            "NGINX_GATEHOUSE_UPSTREAM": gatehouse,
            "NGINX_KEYCLOAK_UPSTREAM": keycloak,
            "NGINX_TLS_CERTIFICATE": str(certificates / "server.crt"),
            "NGINX_TLS_CERTIFICATE_KEY": str(certificates / "server.key"),
            "NGINX_CACHE_DIR": str(directory / "cache"),
        })
        configuration = write_main_configuration(directory)
        log = (directory / "stdout.log").open("wb")
        process = subprocess.Popen(nginx_command(configuration, directory), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        nginx = Nginx(directory, https_port, http_port, process, certificates / "ca.crt")

        def accepting() -> bool:
            if process.poll() is not None:
                return True
            try:
                for port in (https_port, http_port):
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return True
            except OSError:
                return False

        answered = _poll(time.monotonic() + START_DEADLINE_S, accepting)
        if process.poll() is None:
            if answered:
                return nginx
            _stop(process)
            pytest.fail(f"nginx never accepted connections:\n{_tail(directory / 'error.log')}", pytrace=False)
        errors = _tail(directory / "error.log")
        if "Address already in use" not in errors:
            pytest.fail(f"nginx did not start:\n{errors}", pytrace=False)
    pytest.fail("nginx found no free ports in three tries", pytrace=False)


@pytest.fixture(scope="module")
def nginx(tmp_path_factory: pytest.TempPathFactory, certificates: Path, worker: Worker, idp: IdP) -> Iterator[Nginx]:
    idp_authority = idp.base_url.removeprefix("http://")
    server = start_nginx(tmp_path_factory.mktemp("nginx"), certificates, f"127.0.0.1:{worker.port}", idp_authority)
    try:
        yield server
    finally:
        _stop(server.process)


def test_shipped_configuration_passes_nginx_t(tmp_path: Path, certificates: Path) -> None:
    render_templates(tmp_path / "conf.d", {
        "NGINX_GATEHOUSE_UPSTREAM": "127.0.0.1:8000",
        "NGINX_KEYCLOAK_UPSTREAM": "127.0.0.1:8080",
        "NGINX_TLS_CERTIFICATE": str(certificates / "server.crt"),
        "NGINX_TLS_CERTIFICATE_KEY": str(certificates / "server.key"),
        "NGINX_CACHE_DIR": str(tmp_path / "cache"),
    })
    configuration = write_main_configuration(tmp_path)
    result = subprocess.run(nginx_command(configuration, tmp_path, "-t"), capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr
    # The ports stayed compose's own.
    assert "listen 443 ssl default_server;" in (tmp_path / "conf.d" / "default.conf").read_text()


def assert_security_headers(response: httpx.Response) -> None:
    hsts = response.headers["strict-transport-security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 15552000  # six months or more
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["server"] == "nginx"  # server_tokens off: no version


def test_metadata_over_https_with_the_development_ca(nginx: Nginx) -> None:
    with nginx.client() as client:
        response = client.get("/.well-known/oauth-protected-resource/mcp")
    assert response.status_code == 200
    assert response.json()["resource"] == RESOURCE
    assert_security_headers(response)


def test_untrusted_certificate_is_refused(nginx: Nginx) -> None:
    # The system's CAs do not know the development CA: TLS really is verified above.
    with httpx.Client(verify=ssl.create_default_context(), timeout=TIMEOUT_S, trust_env=False) as client:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get(f"{nginx.base_url}/healthz")


def test_missing_token_gets_the_challenge_through_the_proxy(nginx: Nginx) -> None:
    with nginx.client() as client:
        response = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource_metadata="{RESOURCE_METADATA_URL}"' in challenge
    assert_security_headers(response)  # `always`: error responses carry them too


def test_tool_call_with_a_token_from_the_proxied_token_endpoint(nginx: Nginx) -> None:
    with nginx.client() as client:
        token_response = client.post(
            "/realms/mcp-realm/protocol/openid-connect/token",
            data={"grant_type": "client_credentials"}, auth=(CLIENT_ID, CLIENT_SECRET),
        )
        assert token_response.status_code == 200, token_response.text
        token = token_response.json()["access_token"]
        response = client.post(
            "/mcp",
            json={"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "through nginx"}}},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == 7
    assert body["result"]["content"][0]["text"] == "through nginx"


def test_plain_http_redirects_to_https(nginx: Nginx) -> None:
    with httpx.Client(timeout=TIMEOUT_S, trust_env=False) as client:
        response = client.get(f"http://127.0.0.1:{nginx.http_port}/mcp?probe=1")
    assert response.status_code == 301
    # The public HTTPS port is 443 in the stack; the host and the whole request URI are kept.
    assert response.headers["location"] == "https://127.0.0.1/mcp?probe=1"


@pytest.mark.parametrize(("maximum", "expected"), [(ssl.TLSVersion.TLSv1_2, "TLSv1.2"), (ssl.TLSVersion.TLSv1_3, "TLSv1.3")])
def test_tls_1_2_and_1_3_with_forward_secret_aead_suites(nginx: Nginx, maximum: ssl.TLSVersion, expected: str) -> None:
    context = ssl.create_default_context(cafile=str(nginx.ca_file))
    context.maximum_version = maximum
    with socket.create_connection(("127.0.0.1", nginx.https_port), timeout=TIMEOUT_S) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            assert tls.version() == expected
            cipher = tls.cipher()[0]
    if expected == "TLSv1.2":
        assert cipher.startswith("ECDHE-") and ("GCM" in cipher or "CHACHA20" in cipher), cipher


def test_cbc_suites_are_refused(nginx: Nginx) -> None:
    # Allowed by OpenSSL's defaults, outside Mozilla's intermediate list.
    context = ssl.create_default_context(cafile=str(nginx.ca_file))
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA")
    with socket.create_connection(("127.0.0.1", nginx.https_port), timeout=TIMEOUT_S) as raw:
        with pytest.raises(ssl.SSLError, match="HANDSHAKE_FAILURE|NO_SHARED_CIPHER|handshake failure"):
            context.wrap_socket(raw, server_hostname="127.0.0.1")


def test_discovery_at_the_paths_clients_derive_from_the_issuer(nginx: Nginx, idp: IdP) -> None:
    # RFC 8414 / OIDC path insertion: /.well-known/openid-configuration/realms/<realm>.
    with nginx.client() as client:
        inserted = client.get("/.well-known/openid-configuration/realms/mcp-realm")
        appended = client.get("/realms/mcp-realm/.well-known/openid-configuration")
    assert inserted.status_code == 200 and appended.status_code == 200
    assert inserted.json()["issuer"] == appended.json()["issuer"] == idp.issuer
    # Keycloak's own pages keep their own CSP; nginx adds none of its own there.
    assert "content-security-policy" not in appended.headers or "frame-ancestors 'none'" not in appended.headers["content-security-policy"]


def test_keycloak_admin_is_not_proxied(nginx: Nginx, idp: IdP) -> None:
    before = _tail(idp.log_path, 1000)
    with nginx.client() as client:
        response = client.get("/admin/master/console/")
    assert response.status_code == 404
    assert _tail(idp.log_path, 1000) == before


def worker_request_ids(worker: Worker) -> set[str]:
    ids = set()
    for line in worker.log_path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and event.get("event") == "http.request":
            ids.add(event.get("request_id"))
    return ids


def test_metadata_is_cached_by_nginx(nginx: Nginx, worker: Worker) -> None:
    # A query of its own makes a cache key no other test used.
    path = f"/.well-known/oauth-protected-resource/mcp?cache-test={uuid.uuid4().hex}"
    first, second = f"first-{uuid.uuid4().hex}", f"second-{uuid.uuid4().hex}"
    with nginx.client() as client:
        assert client.get(path, headers={"X-Request-ID": first}).status_code == 200
        response = client.get(path, headers={"X-Request-ID": second})
    assert response.status_code == 200 and response.json()["resource"] == RESOURCE
    # The access line of the first request is written after its response; wait for it.
    assert _poll(time.monotonic() + 5, lambda: first in worker_request_ids(worker)), "the first request never reached the worker"
    assert second not in worker_request_ids(worker), "the second request was not answered from nginx's cache"


# --------------------------------------------------------------------------------------------
# nginx in front of a recording upstream


@dataclass
class Seen:
    method: str
    path: str
    version: str
    headers: dict[str, list[str]]
    client_port: int


@dataclass
class RecordingUpstream:
    """Stands in for Gatehouse: records what nginx sends; POST /mcp answers with an event stream
    whose second event waits until the test has seen the first (or 15 s pass)."""

    server: ThreadingHTTPServer
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    @property
    def authority(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"


def recording_upstream() -> RecordingUpstream:
    upstream: RecordingUpstream

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, and chunked responses

        def log_message(self, format: str, *args: object) -> None:
            pass

        def record(self) -> None:
            headers: dict[str, list[str]] = {}
            for name, value in self.headers.items():
                headers.setdefault(name.lower(), []).append(value)
            upstream.seen.append(Seen(self.command, self.path, self.request_version, headers, self.client_address[1]))

        def do_GET(self) -> None:
            self.record()
            if self.headers.get("Upgrade"):
                self.tunnel()
                return
            body = b"recorded\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            self.record()
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.chunk(b"event: message\ndata: first\n\n")
            upstream.release.wait(15)
            self.chunk(b"event: message\ndata: second\n\n")
            self.chunk(b"")

        def tunnel(self) -> None:
            """Accepts the upgrade, then answers one line of the new protocol with an echo."""
            self.send_response(101)
            self.send_header("Upgrade", self.headers["Upgrade"])
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            line = self.rfile.readline(1024)
            self.wfile.write(b"echo: " + line)
            self.wfile.flush()
            self.close_connection = True

        def chunk(self, data: bytes) -> None:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    upstream = RecordingUpstream(server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return upstream


@pytest.fixture(scope="module")
def upstream() -> Iterator[RecordingUpstream]:
    recorder = recording_upstream()
    try:
        yield recorder
    finally:
        recorder.release.set()
        recorder.server.shutdown()
        recorder.server.server_close()


@pytest.fixture(scope="module")
def recording_nginx(tmp_path_factory: pytest.TempPathFactory, certificates: Path, upstream: RecordingUpstream) -> Iterator[Nginx]:
    server = start_nginx(tmp_path_factory.mktemp("nginx-recording"), certificates, upstream.authority, upstream.authority)
    try:
        yield server
    finally:
        _stop(server.process)


def test_forwarded_headers_are_set_not_appended(recording_nginx: Nginx, upstream: RecordingUpstream) -> None:
    marker = f"/forwarded-{uuid.uuid4().hex}"
    spoofed = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "http", "X-Forwarded-Host": "evil.example"}
    with recording_nginx.client() as client:
        assert client.get(marker, headers=spoofed).status_code == 200
    seen = next(request for request in upstream.seen if request.path == marker)
    assert seen.headers["x-forwarded-for"] == ["127.0.0.1"]
    assert seen.headers["x-forwarded-proto"] == ["https"]
    assert seen.headers["x-forwarded-host"] == ["127.0.0.1"]
    assert seen.headers["host"] == ["127.0.0.1"]
    assert re.fullmatch(r"[0-9a-f]{32}", seen.headers["x-request-id"][0])


def test_upstream_connections_are_http_1_1_and_kept_alive(recording_nginx: Nginx, upstream: RecordingUpstream) -> None:
    markers = [f"/keepalive-{uuid.uuid4().hex}" for _ in range(3)]
    with recording_nginx.client() as client:
        for marker in markers:
            assert client.get(marker).status_code == 200
    seen = [next(request for request in upstream.seen if request.path == marker) for marker in markers]
    assert {request.version for request in seen} == {"HTTP/1.1"}
    assert all("close" not in ",".join(request.headers.get("connection", [])).lower() for request in seen)
    # One upstream connection carried all three requests.
    assert len({request.client_port for request in seen}) == 1, [request.client_port for request in seen]


def read_until(connection: ssl.SSLSocket, end: bytes) -> bytes:
    received = b""
    while end not in received:
        data = connection.recv(4096)
        if not data:
            break
        received += data
    return received


@pytest.mark.parametrize("path", ["/mcp", "/ws"])
def test_websocket_upgrade_is_tunnelled(recording_nginx: Nginx, upstream: RecordingUpstream, path: str) -> None:
    # The map $http_upgrade $connection_upgrade passes an upgrade on; the upstream's 101 turns
    # the connection into a tunnel in both directions.
    marker = f"{path}?upgrade={uuid.uuid4().hex}"
    context = ssl.create_default_context(cafile=str(recording_nginx.ca_file))
    with socket.create_connection(("127.0.0.1", recording_nginx.https_port), timeout=TIMEOUT_S) as raw:
        with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(
                f"GET {marker} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: Z2F0ZWhvdXNlLXRlc3Qta2V5\r\n\r\n".encode())
            head = read_until(tls, b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 101 "), head
            assert re.search(rb"(?im)^upgrade: websocket\r$", head), head
            tls.sendall(b"hello through the tunnel\n")
            assert read_until(tls, b"\n") == b"echo: hello through the tunnel\n"
    seen = next(request for request in upstream.seen if request.path == marker)
    assert seen.version == "HTTP/1.1"
    assert seen.headers["upgrade"] == ["websocket"]
    assert seen.headers["connection"] == ["upgrade"]


def test_ordinary_requests_carry_no_upgrade_and_keep_the_connection(recording_nginx: Nginx, upstream: RecordingUpstream) -> None:
    marker = f"/ordinary-{uuid.uuid4().hex}"
    with recording_nginx.client() as client:
        assert client.get(marker).status_code == 200
    seen = next(request for request in upstream.seen if request.path == marker)
    # An empty Connection header is not sent at all: HTTP/1.1's default, keep-alive.
    assert "connection" not in seen.headers, seen.headers
    assert "upgrade" not in seen.headers, seen.headers


def test_mcp_responses_stream_without_buffering(recording_nginx: Nginx, upstream: RecordingUpstream) -> None:
    upstream.release.clear()
    received = b""
    with recording_nginx.client() as client:
        with client.stream("POST", "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}) as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            chunks = response.iter_raw()
            started = time.monotonic()
            while b"data: first" not in received:
                received += next(chunks)
            # The upstream is still holding its second event: these bytes were not buffered.
            assert not upstream.release.is_set()
            assert time.monotonic() - started < 5
            upstream.release.set()
            for chunk in chunks:
                received += chunk
    assert b"data: second" in received


def test_request_bodies_above_the_limit_are_refused_at_the_proxy(recording_nginx: Nginx, upstream: RecordingUpstream) -> None:
    before = len(upstream.seen)
    with recording_nginx.client() as client:
        response = client.post("/mcp", content=b"x" * (2 * 1024 * 1024), headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert len(upstream.seen) == before


def test_rate_limit_answers_429_to_a_burst(recording_nginx: Nginx) -> None:
    # Many clients at once, so the burst outruns the zone (20 r/s, burst 40) even on a slow machine.
    def fetch_some(_: int) -> list[int]:
        with recording_nginx.client() as client:
            return [client.get("/rate").status_code for _ in range(10)]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = [status for batch in pool.map(fetch_some, range(24)) for status in batch]
    elapsed = time.monotonic() - started
    assert set(statuses) <= {200, 429}, set(statuses)
    assert 429 in statuses, f"{len(statuses)} requests in {elapsed:.1f} s were never limited"
    # What the zone lets through: the first request, the burst, 20 per second (and one for
    # nginx's millisecond clock).
    assert statuses.count(200) <= 1 + 40 + 20 * elapsed + 1
    # The zone refills: later requests are not left throttled.
    with recording_nginx.client() as client:
        assert _poll(time.monotonic() + 10, lambda: client.get("/rate").status_code == 200)
