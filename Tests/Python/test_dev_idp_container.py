"""gatehouse-dev-idp as Keycloak's stand-in in a container (scripts/container-test.sh): a public
origin for its issuer (Keycloak's KC_HOSTNAME), the client secret from a Docker secret file, and
the rules for listening beyond loopback. Every run here listens on loopback; the refusals are
checked before anything is bound."""

from __future__ import annotations

import base64
import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from conftest import STARTUP_DEADLINE_S, _child_environment, _executable, _poll, _start, _stop

ORIGIN = "https://auth.gatehouse.test"
ISSUER = f"{ORIGIN}/realms/mcp-realm"


def run_idp(*arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(_executable("gatehouse-dev-idp")), *arguments], env=_child_environment({}),
        capture_output=True, text=True, timeout=30,
    )


def claims_of(token: str) -> dict[str, object]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_public_origin_and_client_secret_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "mcp_client_secret"
    secret_file.write_text("a-secret-of-our-own\n")  # secret files end with a line break
    port_file = tmp_path / "idp.port"
    proc = _start(
        [str(_executable("gatehouse-dev-idp")), "--port", "0", "--port-file", str(port_file),
         f"--hostname={ORIGIN}", "--client-secret-file", str(secret_file), "--audience", "https://mcp.gatehouse.test/mcp"],
        env=_child_environment({}), cwd=tmp_path, log_path=tmp_path / "idp.log",
    )
    try:
        port = _poll(time.monotonic() + STARTUP_DEADLINE_S,
                     lambda: port_file.exists() and port_file.read_text().strip().isdigit() and int(port_file.read_text()))
        assert port, (tmp_path / "idp.log").read_text()
        base = f"http://127.0.0.1:{port}/realms/mcp-realm"
        discovery = httpx.get(f"{base}/.well-known/openid-configuration", trust_env=False).json()
        # The advertised URLs are the public origin's, whatever the IdP listens on.
        assert discovery["issuer"] == ISSUER
        assert discovery["token_endpoint"] == f"{ISSUER}/protocol/openid-connect/token"
        assert discovery["jwks_uri"] == f"{ISSUER}/protocol/openid-connect/certs"

        def token(secret: str) -> httpx.Response:
            return httpx.post(f"{base}/protocol/openid-connect/token", auth=("mcp-client", secret),
                              data={"grant_type": "client_credentials", "scope": "mcp:read"}, trust_env=False)

        answer = token("a-secret-of-our-own")
        assert answer.status_code == 200, answer.text
        assert claims_of(answer.json()["access_token"])["iss"] == ISSUER
        # The published development secret is no longer mcp-client's.
        assert token("mcp-secret").status_code == 401
        # On loopback the /admin test controls stay.
        assert httpx.get(f"http://127.0.0.1:{port}/admin/keys", trust_env=False).status_code == 200
    finally:
        _stop(proc)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--host", "0.0.0.0"], "needs --hostname"),
        (["--host", "0.0.0.0", "--hostname", ORIGIN], "mcp-secret is public"),
        (["--host", "::", "--hostname", ORIGIN, "--client", "mcp-client:mcp-secret"], "mcp-secret is public"),
        (["--host", "192.0.2.1"], "--host must be"),
        (["--hostname", f"{ORIGIN}/realms"], "--hostname must be"),
        (["--hostname", "ftp://auth.gatehouse.test"], "--hostname must be"),
        (["--client-secret-file", "/nonexistent/secret"], "cannot read --client-secret-file"),
    ],
    ids=["no-origin", "default-secret", "default-secret-given", "not-a-wildcard", "origin-with-path",
         "not-http", "unreadable-secret"],
)
def test_refused_configurations(arguments: list[str], message: str) -> None:
    result = run_idp("--port", "0", *arguments)
    assert result.returncode == 64, result
    assert message in result.stderr, result.stderr


def test_secret_file_and_clients_exclude_each_other(tmp_path: Path) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("something\n")
    result = run_idp("--port", "0", "--client-secret-file", str(secret_file), "--client", "other:secret")
    assert result.returncode == 64 and "exclude each other" in result.stderr, result
