"""The REST tool API and its OpenAPI document, checked by tools that know OpenAPI.

`openapi-spec-validator` checks the served document against the OpenAPI 3.1 specification;
`schemathesis` (pinned in requirements.txt) generates requests from the document and sends them
to a real worker with Redis (so the notes tools are there), with a token carrying every scope,
and fails on any 5xx or any response the document does not describe.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
from openapi_spec_validator import validate

from conftest import IdP, TokenFactory, Worker

ALL_SCOPES = "mcp:read mcp:write mcp:infer"
TOOLS = {"echo", "timestamp", "whoami", "notes_put", "notes_list", "notes_delete", "summarize"}

# Bounded so the run takes about a minute on two shared cores: examples per operation, one
# worker thread, a fixed seed (the same requests every run, so a failure reproduces).
SCHEMATHESIS_MAX_EXAMPLES = 100
SCHEMATHESIS_SEED = 6
SCHEMATHESIS_DEADLINE_S = 300


def fetch_document(worker: Worker) -> dict:
    response = httpx.get(f"{worker.base_url}/openapi.json", timeout=10.0, trust_env=False)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


def test_openapi_document_is_valid_openapi_3_1(tools_worker: Worker, idp: IdP) -> None:
    document = fetch_document(tools_worker)
    validate(document)  # raises with the offending location when the document is invalid

    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    assert {f"/tools/{name}" for name in TOOLS} <= paths.keys()
    assert {"/tools", "/tools/{name}", "/mcp", "/healthz", "/readyz", "/.well-known/oauth-protected-resource/mcp"} <= paths.keys()
    assert paths["/tools/summarize"]["post"]["security"] == [{"oauth2": ["mcp:infer"]}]
    assert paths["/tools/notes_put"]["post"]["security"] == [{"oauth2": ["mcp:write"]}]
    assert paths["/tools/echo"]["post"]["security"] == [{"oauth2": ["mcp:read"]}]
    flows = document["components"]["securitySchemes"]["oauth2"]["flows"]
    # The dev IdP's discovery document names these endpoints.
    assert flows["clientCredentials"]["tokenUrl"] == idp.token_endpoint
    assert flows["authorizationCode"]["authorizationUrl"] == f"{idp.issuer}/protocol/openid-connect/auth"
    assert "PKCE" in document["components"]["securitySchemes"]["oauth2"]["description"]


def test_rest_tools_listing_matches_the_document(tools_worker: Worker, get_token: TokenFactory) -> None:
    token = get_token(ALL_SCOPES)
    listing = httpx.get(
        f"{tools_worker.base_url}/tools", headers={"Authorization": f"Bearer {token}"}, timeout=10.0, trust_env=False
    )
    assert listing.status_code == 200
    tools = {tool["name"]: tool for tool in listing.json()["tools"]}
    assert tools.keys() == TOOLS
    paths = fetch_document(tools_worker)["paths"]
    for name, tool in tools.items():
        operation = paths[f"/tools/{name}"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == tool["inputSchema"]
        assert operation["security"] == [{"oauth2": [tool["requiredScope"]]}]


def test_schemathesis_finds_no_server_error_and_no_undocumented_response(
    tools_worker: Worker, get_token: TokenFactory, run_dir: Path
) -> None:
    token = get_token(ALL_SCOPES)
    schemathesis = Path(sys.executable).with_name("schemathesis")
    command = [
        str(schemathesis), "run", f"{tools_worker.base_url}/openapi.json",
        "--url", tools_worker.base_url,
        "--header", f"Authorization: Bearer {token}",
        "--include-path-regex", "^/tools",
        "--checks", ",".join([
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
            "negative_data_rejection",
            "unsupported_method",
            "ignored_auth",
        ]),
        "--phases", "examples,coverage,fuzzing",
        "--max-examples", str(SCHEMATHESIS_MAX_EXAMPLES),
        "--seed", str(SCHEMATHESIS_SEED),
        "--workers", "1",
        "--request-timeout", "10",
        "--suppress-health-check", "all",
        "--no-color",
    ]
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"))}
    completed = subprocess.run(
        command, cwd=run_dir, env=environment, capture_output=True, text=True, timeout=SCHEMATHESIS_DEADLINE_S
    )
    output = completed.stdout + completed.stderr
    assert token not in output, "schemathesis printed the access token"
    assert completed.returncode == 0, output[-12000:]
    # It really generated and sent requests: "<n> generated, <n> passed" in its summary.
    counts = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counts, output[-4000:]
    assert int(counts.group(1)) >= 200 and counts.group(1) == counts.group(2), counts.group(0)
