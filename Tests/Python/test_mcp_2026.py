"""End-to-end: MCP 2026-07-28 beside the 2025 revisions on one `/mcp` endpoint.

The official MCP Python SDK's default client (`mcp.Client`, mode='auto') opens with
`server/discover` and stays on 2026-07-28; a client pinned to the 2025 era still gets the
`initialize` handshake. The SDK's client-credentials OAuth walks from a 401 to a token (and
steps up on a 403) on its own. Raw `httpx` checks what the SDK does not show: every 2026-07-28
request rule with its HTTP status and JSON-RPC code, and that REST, 2025 MCP and 2026 MCP give
the same answer for the same tool call. The worker's and the IdP's JSON logs are read to see the
server's side of each exchange (matched by the `X-Request-ID` the worker answers with).
"""

from __future__ import annotations

import base64
import json
import subprocess
import time
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

import anyio
import httpx
import pytest
from jsonschema import Draft202012Validator
from mcp import Client
from mcp.client.auth.utils import (
    build_oauth_authorization_server_metadata_discovery_urls,
    build_protected_resource_metadata_discovery_urls,
)
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthMetadata
from mcp.shared.exceptions import MCPError

from conftest import RESOURCE, RESOURCE_METADATA_URL, IdP, TokenFactory, Worker, _executable
from mcp_support import (
    STEP_TIMEOUT_S,
    Exchange,
    MemoryTokenStorage,
    PublicHostTransport,
    Recorder,
    access_log_lines,
    challenge_params,
    innermost,
    jwt_part,
    log_length,
    oauth_provider,
    sdk_http_client,
    wait_for_events,
)

pytestmark = pytest.mark.anyio

MODERN = "2026-07-28"
LEGACY = "2025-11-25"
SUPPORTED_VERSIONS = ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26"]
ALL_SCOPES = "mcp:read mcp:write mcp:infer"

VERSION_KEY = "io.modelcontextprotocol/protocolVersion"
CAPABILITIES_KEY = "io.modelcontextprotocol/clientCapabilities"
CLIENT_INFO_KEY = "io.modelcontextprotocol/clientInfo"
SERVER_INFO_KEY = "io.modelcontextprotocol/serverInfo"
REQUIRED_SCOPE_KEY = "gatehouse/requiredScope"

TOOL_SCOPES = {
    "echo": "mcp:read",
    "timestamp": "mcp:read",
    "whoami": "mcp:read",
    "notes_list": "mcp:read",
    "notes_put": "mcp:write",
    "notes_delete": "mcp:write",
    "summarize": "mcp:infer",
}
WRITE_ANNOTATIONS = {"readOnlyHint": False, "destructiveHint": True, "idempotentHint": True, "openWorldHint": False}
CACHE_TTL_MS = 300_000

SUMMARY_TEXT = (
    "Gatehouse checks every access token before a tool runs. "
    "The token must carry the scope the tool needs. "
    "Tools that read need mcp:read, tools that write need mcp:write. "
    "Summaries like this one need mcp:infer."
)
# A string the Swift SDK's own JSON decoding would turn into binary data: it must come back as sent.
DATA_URL_MESSAGE = "data:text/plain;base64,aGVsbG8="

HTTP_TIMEOUT_S = 10.0


# --------------------------------------------------------------------------------------------
# requests built by hand


def modern_meta(version: str = MODERN, extra: dict | None = None) -> dict:
    """The per-request `_meta` of 2026-07-28: version, client capabilities and client info."""
    meta = {VERSION_KEY: version, CAPABILITIES_KEY: {}, CLIENT_INFO_KEY: {"name": "gatehouse-e2e", "version": "1.0"}}
    return meta | (extra or {})


def post_json(url: str, body: object, token: str | None, headers: dict[str, str | list[str] | None]) -> httpx.Response:
    """POSTs `body` as JSON. A header given as None is left out, one given as a list is repeated."""
    pairs = [("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
    if token:
        pairs.append(("Authorization", f"Bearer {token}"))
    for name, value in headers.items():
        values = [] if value is None else value if isinstance(value, list) else [value]
        pairs.extend((name, item) for item in values)
    return httpx.post(url, content=json.dumps(body).encode(), headers=pairs, timeout=HTTP_TIMEOUT_S, trust_env=False)


def post_modern(
    worker: Worker,
    token: str | None,
    method: str,
    params: dict | None = None,
    *,
    request_id: int | str | None = 1,
    meta: dict | None = None,
    headers: dict[str, str | list[str] | None] | None = None,
) -> httpx.Response:
    """A 2026-07-28 request: `_meta` in the body (`modern_meta()` unless `meta` is given) and the
    headers that mirror it; `headers` overrides them by name (None drops one). Without an id it is
    a notification."""
    body: dict = {"jsonrpc": "2.0", "method": method, "params": dict(params or {})}
    body["params"]["_meta"] = modern_meta() if meta is None else meta
    if request_id is not None:
        body["id"] = request_id
    version = body["params"]["_meta"].get(VERSION_KEY, MODERN)
    sent: dict[str, str | list[str] | None] = {"mcp-protocol-version": version, "mcp-method": method}
    if method == "tools/call" and params and "name" in params:
        sent["mcp-name"] = params["name"]
    for name, value in (headers or {}).items():
        sent[name.lower()] = value
    return post_json(worker.mcp_url, body, token, sent)


def post_legacy(
    worker: Worker, token: str | None, method: str, params: dict | None = None, *, request_id: int = 1
) -> httpx.Response:
    """A 2025-11-25 request as a client sends it after the handshake (the server keeps no session)."""
    body: dict = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        body["params"] = params
    return post_json(worker.mcp_url, body, token, {"MCP-Protocol-Version": LEGACY})


def post_rest(worker: Worker, token: str | None, name: str, arguments: dict) -> httpx.Response:
    return post_json(f"{worker.base_url}/tools/{name}", arguments, token, {})


def call_three_ways(
    worker: Worker, token: str | None, name: str, arguments: dict
) -> tuple[httpx.Response, httpx.Response, httpx.Response]:
    """The same tool call over REST, 2025-11-25 MCP and 2026-07-28 MCP."""
    params = {"name": name, "arguments": arguments}
    return (
        post_rest(worker, token, name, arguments),
        post_legacy(worker, token, "tools/call", params),
        post_modern(worker, token, "tools/call", params),
    )


def jsonrpc_error(response: httpx.Response, status: int, code: int, request_id: int | str | None = 1) -> dict:
    """The JSON-RPC error object of a response, after checking its status, id and code."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["jsonrpc"] == "2.0"
    assert "result" not in body, body
    assert body["id"] == request_id, body
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str)
    return body["error"]


def modern_result(response: httpx.Response, request_id: int = 1) -> dict:
    """The result of a 2026-07-28 answer, after checking that it says so: `resultType` and serverInfo."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert "error" not in body, body
    assert body["id"] == request_id
    result = body["result"]
    assert result["resultType"] == "complete", result
    assert set(result["_meta"][SERVER_INFO_KEY]) == {"name", "title", "version"}
    assert result["_meta"][SERVER_INFO_KEY]["name"] == "gatehouse"
    assert result["_meta"][SERVER_INFO_KEY]["title"] == "Gatehouse"
    return result


def legacy_result(response: httpx.Response, request_id: int = 1) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "error" not in body, body
    assert body["id"] == request_id
    return body["result"]


def texts(result: dict) -> list[str]:
    return [block["text"] for block in result["content"] if block["type"] == "text"]


def answer_of(result: dict) -> tuple[list[str], object, bool]:
    """What a tool call answered, whichever route carried it: texts, structured content, isError."""
    return texts(result), result.get("structuredContent"), result.get("isError", False)


@pytest.fixture(scope="module")
def worker_version() -> str:
    completed = subprocess.run(
        [str(_executable("gatehouse")), "worker", "--version"], capture_output=True, text=True, timeout=HTTP_TIMEOUT_S
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.strip()


def expired_token(idp: IdP, get_token: TokenFactory) -> str:
    """A token the IdP signed with its current key whose `exp` passed ten minutes ago."""
    claims = jwt_part(get_token(), 1)
    now = int(time.time())
    claims |= {"iat": now - 1200, "exp": now - 600}
    signed = httpx.post(f"{idp.base_url}/admin/sign", json={"payload": claims}, timeout=HTTP_TIMEOUT_S, trust_env=False)
    assert signed.status_code == 200, signed.text
    return signed.json()["token"]


def b64_header(value: str) -> str:
    return "=?base64?" + base64.b64encode(value.encode()).decode() + "?="


def traceparent() -> str:
    return f"00-{uuid4().hex}-{uuid4().hex[:16]}-01"


# --------------------------------------------------------------------------------------------
# A. the default SDK client: discover, 2026-07-28 throughout, every tool


async def test_default_client_discovers_and_calls_every_tool_on_2026_07_28(
    tools_worker: Worker, get_token: TokenFactory
) -> None:
    token = get_token(ALL_SCOPES)
    note_id = f"e2e-{uuid4().hex[:12]}"
    note_text = "written over 2026-07-28 ✓"
    calls = [
        ("echo", {"message": "every tool over 2026-07-28 ✓ <&>"}),
        ("timestamp", {}),
        ("whoami", {}),
        ("summarize", {"text": SUMMARY_TEXT, "max_sentences": 2}),
        ("notes_put", {"id": note_id, "text": note_text}),
        ("notes_list", {}),
        ("notes_delete", {"id": note_id}),
    ]
    recorder = Recorder()
    results = {}
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(token, recorder=recorder) as http:
            async with Client(streamable_http_client(tools_worker.mcp_url, http_client=http)) as client:
                protocol_version = client.protocol_version
                discovered = client.session.discover_result
                initialized = client.session.initialize_result
                listing = await client.list_tools()
                for name, arguments in calls:
                    results[name] = await client.call_tool(name, arguments)

    # The client: discover answered, adopted, no handshake.
    assert protocol_version == MODERN
    assert discovered is not None and MODERN in discovered.supported_versions
    assert initialized is None

    # The tools: all seven (this token has every scope), sorted, each described in full.
    tools = [tool.model_dump(by_alias=True, exclude_none=True) for tool in listing.tools]
    names = [tool["name"] for tool in tools]
    assert names == sorted(TOOL_SCOPES)
    assert {name for name, _ in calls} == set(names)  # every listed tool is called below
    schemas = {}
    for tool in tools:
        name = tool["name"]
        assert tool["title"] and tool["title"] != name, tool
        assert tool["_meta"][REQUIRED_SCOPE_KEY] == TOOL_SCOPES[name]
        if name in ("notes_put", "notes_delete"):
            assert tool["annotations"] == WRITE_ANNOTATIONS, tool
        else:
            assert tool["annotations"]["readOnlyHint"] is True, tool
            assert tool["annotations"].get("destructiveHint") in (None, False), tool
        Draft202012Validator.check_schema(tool["outputSchema"])
        schemas[name] = tool["outputSchema"]

    # The results: text for the model, structured content that fits the declared schema.
    for name, result in results.items():
        assert not result.is_error, (name, result)
        assert result.result_type == "complete"
        assert result.meta[SERVER_INFO_KEY]["name"] == "gatehouse"
        assert [block.type for block in result.content] == ["text"], (name, result.content)
        assert result.content[0].text, name
        assert result.structured_content is not None, name
        Draft202012Validator(schemas[name]).validate(result.structured_content)
    assert results["echo"].structured_content == {"message": calls[0][1]["message"]}
    assert results["summarize"].structured_content["statistics"]["sentences"] == 4
    assert len(results["summarize"].structured_content["sentences"]) == 2
    put = results["notes_put"].structured_content
    assert (put["id"], put["created"]) == (note_id, True) and put["count"] >= 1
    assert {"id": note_id, "text": note_text} in results["notes_list"].structured_content["notes"]
    assert results["notes_delete"].structured_content == {"id": note_id, "deleted": True}

    # On the wire: server/discover first, every request at 2026-07-28 in header and body.
    exchanges = recorder.exchanges
    assert exchanges[0].jsonrpc_method == "server/discover" and exchanges[0].status == 200
    assert "initialize" not in [e.jsonrpc_method for e in exchanges]
    for exchange in exchanges:
        assert exchange.status == 200, (exchange.jsonrpc_method, exchange.status)
        assert exchange.request_headers["mcp-protocol-version"] == MODERN
        assert exchange.request_headers["mcp-method"] == exchange.jsonrpc_method
        assert exchange.request_json["params"]["_meta"][VERSION_KEY] == MODERN

    # The server's side: one access-log line per request, each naming its method and 2026-07-28.
    lines = access_log_lines(tools_worker, [e.request_id for e in exchanges])
    assert None not in lines, "no access-log line for some of the client's requests"
    for exchange, line in zip(exchanges, lines):
        assert (line["method"], line["path"], line["status"]) == ("POST", "/mcp", 200), line
        assert line["mcp_method"] == exchange.jsonrpc_method, line
        assert line["mcp_version"] == MODERN, line
        if exchange.jsonrpc_method == "tools/call":
            assert line["mcp_tool"] == exchange.request_json["params"]["name"]
    assert "initialize" not in [line["mcp_method"] for line in lines]
    assert [line["mcp_tool"] for line in lines if line["mcp_method"] == "tools/call"] == [name for name, _ in calls]


# --------------------------------------------------------------------------------------------
# B. a client pinned to the 2025 era


async def test_client_pinned_to_2025_gets_the_handshake(worker: Worker, token: str) -> None:
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(token, recorder=recorder) as http:
            async with Client(streamable_http_client(worker.mcp_url, http_client=http), mode="legacy") as client:
                protocol_version = client.protocol_version
                initialized = client.session.initialize_result
                listing = await client.list_tools()
                result = await client.call_tool("echo", {"message": "still 2025"})

    assert protocol_version == LEGACY
    assert initialized is not None and initialized.server_info.name == "gatehouse"
    assert {"echo", "timestamp", "whoami"} <= {tool.name for tool in listing.tools}
    assert result.structured_content == {"message": "still 2025"}
    assert not result.is_error

    exchanges = recorder.exchanges
    methods = [e.jsonrpc_method for e in exchanges]
    assert methods[:2] == ["initialize", "notifications/initialized"]
    assert "server/discover" not in methods
    assert {"tools/list", "tools/call"} <= set(methods)
    for exchange in exchanges:
        assert VERSION_KEY not in json.dumps(exchange.request_json)  # no 2026 _meta anywhere
    for exchange in exchanges[1:]:
        assert exchange.request_headers["mcp-protocol-version"] == LEGACY

    # Every request after the handshake is logged as 2025-11-25 (and none as 2026-07-28).
    lines = access_log_lines(worker, [e.request_id for e in exchanges])
    assert None not in lines
    assert [line["mcp_method"] for line in lines] == methods
    for line in lines[1:]:
        assert line["mcp_version"] == LEGACY, line
    assert MODERN not in [line["mcp_version"] for line in lines]


async def test_initialize_is_logged_with_the_version_it_negotiated(worker: Worker, token: str) -> None:
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(token, recorder=recorder) as http:
            async with Client(streamable_http_client(worker.mcp_url, http_client=http), mode="legacy") as client:
                assert client.protocol_version == LEGACY

    handshake = recorder.exchanges[0]
    assert handshake.jsonrpc_method == "initialize"
    assert handshake.request_json["params"]["protocolVersion"] == LEGACY
    [line] = access_log_lines(worker, [handshake.request_id])
    assert line["mcp_method"] == "initialize"
    assert line["mcp_version"] == LEGACY, line


# --------------------------------------------------------------------------------------------
# C. the SDK's client-credentials OAuth with the default (2026-07-28) client


def _idp_lines(idp: IdP, after: int, count: int) -> list[dict]:
    """The IdP's request lines after `after`, without JWKS fetches (the worker's, not the client's)."""

    def requests(events: list[dict]) -> list[dict]:
        return [e for e in events if e.get("event") == "idp.request" and not e["path"].endswith("/certs")]

    return requests(wait_for_events(idp.log_path, lambda events: len(requests(events)) >= count, after=after))


def _describe(exchange: Exchange, server_line: dict | None, source: str) -> str:
    target = exchange.url
    if exchange.jsonrpc_method:
        target += f"  [{exchange.jsonrpc_method}"
        name = (exchange.request_json.get("params") or {}).get("name")
        target += f" {name}]" if name else "]"
    if exchange.request_body and not exchange.request_json:
        form = parse_qs(exchange.request_body.decode())
        target += f"  (grant_type={form['grant_type'][0]}, scope={form.get('scope', ['-'])[0]})"
    client = f"{exchange.method:4} {target} -> {exchange.status}"
    if server_line is None:
        return f"client: {client}"
    extras = " ".join(f"{key}={server_line[key]}" for key in ("mcp_method", "mcp_tool", "mcp_version") if key in server_line)
    server = f"{server_line['method']} {server_line['path']} {server_line['status']} {extras}".rstrip()
    return f"client: {client}\n        {source}: {server}"


def _correlate(recorder: Recorder, worker: Worker, idp_lines: list[dict]) -> list[tuple[Exchange, dict | None, str]]:
    """Each client exchange with the server-side line that records it (worker by request id, IdP in order)."""
    public_host = urlsplit(RESOURCE).hostname
    to_worker = [e for e in recorder.exchanges if urlsplit(e.url).hostname == public_host]
    worker_lines = dict(zip([id(e) for e in to_worker], access_log_lines(worker, [e.request_id for e in to_worker])))
    remaining = iter(idp_lines)
    steps = []
    for exchange in recorder.exchanges:
        if id(exchange) in worker_lines:
            steps.append((exchange, worker_lines[id(exchange)], "worker"))
        else:
            steps.append((exchange, next(remaining, None), "idp"))
    return steps


async def test_sdk_oauth_from_401_to_token_to_echo(tools_worker: Worker, idp: IdP) -> None:
    storage = MemoryTokenStorage()
    recorder = Recorder()
    idp_offset = log_length(idp.log_path)
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(
            recorder=recorder, auth=oauth_provider(idp, storage), transport=PublicHostTransport(tools_worker)
        ) as http:
            async with Client(streamable_http_client(RESOURCE, http_client=http)) as client:
                protocol_version = client.protocol_version
                result = await client.call_tool("echo", {"message": "after OAuth"})

    assert protocol_version == MODERN
    assert result.structured_content == {"message": "after OAuth"} and not result.is_error
    assert storage.tokens is not None and storage.tokens.access_token

    metadata_url = build_oauth_authorization_server_metadata_discovery_urls(idp.issuer, RESOURCE)[0]
    idp_lines = _idp_lines(idp, idp_offset, 2)
    steps = _correlate(recorder, tools_worker, idp_lines)
    print("\nOAuth request sequence (client view, then the server's log line for it):")
    for number, (exchange, line, source) in enumerate(steps, 1):
        print(f"{number:2}. " + _describe(exchange, line, source).replace("\n", "\n    "))

    client_view = [(e.method, e.url, e.jsonrpc_method, e.status) for e in recorder.exchanges]
    assert client_view[:6] == [
        ("POST", RESOURCE, "server/discover", 401),  # no token yet
        ("GET", RESOURCE_METADATA_URL, None, 200),  # RFC 9728, from the challenge
        ("GET", metadata_url, None, 200),  # the IdP's RFC 8414 metadata, first URL the SDK tries
        ("POST", idp.token_endpoint, None, 200),  # client credentials
        ("POST", RESOURCE, "server/discover", 200),  # the same request again, with the token
        ("POST", RESOURCE, "tools/call", 200),  # echo
    ]
    for method, url, _rpc, status in client_view[6:]:  # the SDK may list tools to check the output schema
        assert (method, url, status) == ("POST", RESOURCE, 200)
    token_form = parse_qs(recorder.exchanges[3].request_body.decode())
    assert token_form["grant_type"] == ["client_credentials"] and token_form["scope"] == ["mcp:read"]
    assert token_form["resource"] == [RESOURCE]
    assert "authorization" not in recorder.exchanges[0].request_headers
    assert recorder.exchanges[4].request_headers["authorization"] == f"Bearer {storage.tokens.access_token}"
    challenge = challenge_params(recorder.exchanges[0].response_headers["www-authenticate"])
    assert challenge["resource_metadata"] == RESOURCE_METADATA_URL

    # The worker saw the same steps in the same order, the 401 before anything was read.
    worker_steps = [(e, line) for e, line, source in steps if source == "worker"]
    assert all(line is not None for _, line in worker_steps)
    assert [(line["method"], line["path"], line["status"], line.get("mcp_method")) for _, line in worker_steps][:4] == [
        ("POST", "/mcp", 401, None),
        ("GET", urlsplit(RESOURCE_METADATA_URL).path, 200, None),
        ("POST", "/mcp", 200, "server/discover"),
        ("POST", "/mcp", 200, "tools/call"),
    ]
    assert worker_steps[3][1]["mcp_tool"] == "echo" and worker_steps[3][1]["mcp_version"] == MODERN
    stamps = [line["ts"] for _, line in worker_steps]
    assert stamps == sorted(stamps)
    # The IdP saw its metadata asked for, then the token, and nothing else from this client.
    assert [(line["method"], line["path"], line["status"]) for line in idp_lines] == [
        ("GET", urlsplit(metadata_url).path, 200),
        ("POST", urlsplit(idp.token_endpoint).path, 200),
    ]


async def test_sdk_oauth_steps_up_to_mcp_infer_for_summarize(tools_worker: Worker, idp: IdP) -> None:
    storage = MemoryTokenStorage()
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(
            recorder=recorder,
            auth=oauth_provider(idp, storage, scope="mcp:read"),
            transport=PublicHostTransport(tools_worker),
        ) as http:
            async with Client(streamable_http_client(RESOURCE, http_client=http)) as client:
                result = await client.call_tool("summarize", {"text": SUMMARY_TEXT, "max_sentences": 1})

    assert not result.is_error, result
    assert len(result.structured_content["sentences"]) == 1

    calls = [e for e in recorder.exchanges if e.jsonrpc_method == "tools/call"]
    assert [e.status for e in calls] == [403, 200]
    refused, retried = calls
    challenge = challenge_params(refused.response_headers["www-authenticate"])
    assert challenge["error"] == "insufficient_scope" and challenge["scope"] == "mcp:infer"
    token_requests = [e for e in recorder.exchanges if e.url == idp.token_endpoint]
    assert [e.status for e in token_requests] == [200, 200]
    first, second = (set(parse_qs(e.request_body.decode())["scope"][0].split()) for e in token_requests)
    assert "mcp:infer" not in first and "mcp:read" in first
    assert {"mcp:read", "mcp:infer"} <= second  # the union: the new scope without losing the old
    # The order: the 403, then the second token request, then the retried call with the new token.
    order = recorder.exchanges
    assert order.index(refused) < order.index(token_requests[1]) < order.index(retried)
    assert retried.request_headers["authorization"] == f"Bearer {storage.tokens.access_token}"
    assert refused.request_headers["authorization"] != retried.request_headers["authorization"]
    assert "mcp:infer" in jwt_part(storage.tokens.access_token, 1)["scope"].split()


# --------------------------------------------------------------------------------------------
# D. the dev IdP's metadata where the SDK looks for it


def test_dev_idp_serves_its_metadata_at_every_url_the_sdk_tries(idp: IdP) -> None:
    urls = build_oauth_authorization_server_metadata_discovery_urls(idp.issuer, RESOURCE)
    assert len(urls) == 3, urls  # RFC 8414 path-aware, OIDC path-aware, OIDC appended to the issuer
    # Keycloak's own place for the RFC 8414 document, which the SDK does not try.
    urls.append(f"{idp.issuer}/.well-known/oauth-authorization-server")
    for url in urls:
        response = httpx.get(url, timeout=HTTP_TIMEOUT_S, trust_env=False)
        assert response.status_code == 200, (url, response.status_code)
        assert response.headers["content-type"].startswith("application/json"), url
        document = response.json()
        assert document["issuer"] == idp.issuer, url
        assert document["token_endpoint"] == idp.token_endpoint, url
        # The SDK's own model accepts it.
        assert str(OAuthMetadata.model_validate_json(response.content).token_endpoint) == idp.token_endpoint


def test_protected_resource_metadata_in_the_sdks_discovery_order(worker: Worker) -> None:
    """RFC 9728 §3.3: the `resource` read must be the one the URL was built from. The metadata
    is at the resource's URL, which the SDK tries first (after the challenge's own URL, which is
    the same); the bare well-known URL names the origin, whose metadata this is not: 404."""
    for challenge_url in (None, RESOURCE_METADATA_URL):
        urls = build_protected_resource_metadata_discovery_urls(challenge_url, RESOURCE)
        served = [url for url in urls if httpx.get(worker.base_url + urlsplit(url).path, timeout=HTTP_TIMEOUT_S, trust_env=False).status_code == 200]
        assert served and served[0] == urls[0] == RESOURCE_METADATA_URL, urls
        document = httpx.get(worker.base_url + urlsplit(urls[0]).path, timeout=HTTP_TIMEOUT_S, trust_env=False).json()
        assert document["resource"] == RESOURCE
    root = httpx.get(worker.base_url + "/.well-known/oauth-protected-resource", timeout=HTTP_TIMEOUT_S, trust_env=False)
    assert root.status_code == 404


# --------------------------------------------------------------------------------------------
# E. the SDK without a token


async def test_default_client_without_a_token_reports_unauthorized(worker: Worker) -> None:
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(None, recorder=recorder) as http:
            with pytest.raises(BaseException) as raised:
                async with Client(streamable_http_client(worker.mcp_url, http_client=http)):
                    pass

    error = innermost(raised.value)
    assert isinstance(error, MCPError), raised.value
    assert error.code == 401
    assert error.error.message.startswith("Unauthorized:"), error.error.message
    assert recorder.exchanges[0].jsonrpc_method == "server/discover"
    # The discover probe is refused, and so is the initialize the SDK falls back to.
    assert [e.jsonrpc_method for e in recorder.exchanges] == ["server/discover", "initialize"]
    assert recorder.statuses() == [401, 401]


# --------------------------------------------------------------------------------------------
# F. the 2026-07-28 request rules, over raw HTTP


def test_no_token_is_401_with_challenge_and_jsonrpc_body(worker: Worker) -> None:
    response = post_modern(worker, None, "tools/list")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == f'Bearer resource_metadata="{RESOURCE_METADATA_URL}", scope="mcp:read"'
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"jsonrpc", "id", "error"}
    assert body["jsonrpc"] == "2.0" and body["id"] is None
    assert body["error"]["code"] == 401
    assert body["error"]["message"].startswith("Unauthorized: an access token is required; ")


def test_expired_token_is_401_saying_so(worker: Worker, idp: IdP, get_token: TokenFactory) -> None:
    response = post_modern(worker, expired_token(idp, get_token), "tools/list")
    error = jsonrpc_error(response, 401, 401, request_id=None)
    assert error["message"] == "Unauthorized: the access token expired"
    challenge = challenge_params(response.headers["www-authenticate"])
    assert challenge["error"] == "invalid_token"
    assert challenge["resource_metadata"] == RESOURCE_METADATA_URL


def test_malformed_token_is_401(worker: Worker) -> None:
    response = post_modern(worker, "not-a-jwt", "tools/list")
    error = jsonrpc_error(response, 401, 401, request_id=None)
    assert error["message"].startswith("Unauthorized: ")
    assert challenge_params(response.headers["www-authenticate"])["error"] == "invalid_token"


@pytest.mark.parametrize(
    ("meta", "missing"),
    [
        pytest.param({CAPABILITIES_KEY: {}}, [VERSION_KEY], id="no-protocolVersion"),
        pytest.param({VERSION_KEY: MODERN}, [CAPABILITIES_KEY], id="no-clientCapabilities"),
        pytest.param({VERSION_KEY: MODERN, CAPABILITIES_KEY: "all"}, [CAPABILITIES_KEY], id="clientCapabilities-not-object"),
        pytest.param({VERSION_KEY: 20260728, CAPABILITIES_KEY: {}}, [VERSION_KEY], id="protocolVersion-not-string"),
        pytest.param({}, [VERSION_KEY, CAPABILITIES_KEY], id="empty-meta"),
    ],
)
def test_missing_meta_keys_are_400_invalid_params(worker: Worker, token: str, meta: dict, missing: list[str]) -> None:
    response = post_modern(worker, token, "tools/list", meta=meta, headers={"MCP-Protocol-Version": MODERN})
    error = jsonrpc_error(response, 400, -32602)
    for key in missing:
        assert key in error["message"], error
    for key in {VERSION_KEY, CAPABILITIES_KEY} - set(missing):
        assert key not in error["message"], error


def test_request_without_meta_at_all_is_400_naming_both_keys(worker: Worker, token: str) -> None:
    body = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {}}
    response = post_json(worker.mcp_url, body, token, {"MCP-Protocol-Version": MODERN, "Mcp-Method": "tools/list"})
    error = jsonrpc_error(response, 400, -32602, request_id=7)
    assert VERSION_KEY in error["message"] and CAPABILITIES_KEY in error["message"]


ECHO_CALL = {"name": "echo", "arguments": {"message": "mirrored"}}


@pytest.mark.parametrize(
    ("method", "params", "meta", "headers"),
    [
        pytest.param("tools/list", None, None, {"Mcp-Method": None}, id="Mcp-Method-missing"),
        pytest.param("tools/list", None, None, {"Mcp-Method": "tools/call"}, id="Mcp-Method-different"),
        pytest.param("tools/list", None, None, {"Mcp-Method": ["tools/list", "tools/list"]}, id="Mcp-Method-twice"),
        pytest.param("tools/list", None, None, {"Mcp-Method": "TOOLS/LIST"}, id="Mcp-Method-other-case"),
        pytest.param("tools/call", ECHO_CALL, None, {"Mcp-Name": None}, id="Mcp-Name-missing"),
        pytest.param("tools/call", ECHO_CALL, None, {"Mcp-Name": "whoami"}, id="Mcp-Name-different"),
        pytest.param("tools/call", ECHO_CALL, None, {"Mcp-Name": ["echo", "echo"]}, id="Mcp-Name-twice"),
        pytest.param("tools/call", ECHO_CALL, None, {"Mcp-Name": b64_header("whoami")}, id="Mcp-Name-base64-different"),
        pytest.param("tools/call", ECHO_CALL, None, {"Mcp-Name": "=?base64?%%%?="}, id="Mcp-Name-base64-malformed"),
        pytest.param("tools/list", None, None, {"MCP-Protocol-Version": None}, id="version-header-missing"),
        pytest.param("tools/list", None, None, {"MCP-Protocol-Version": LEGACY}, id="version-header-2025-meta-2026"),
        pytest.param(
            "tools/list", None, modern_meta("2099-01-01"), {"MCP-Protocol-Version": MODERN},
            id="version-header-differs-from-meta",
        ),
    ],
)
def test_headers_that_do_not_mirror_the_body_are_400_header_mismatch(
    worker: Worker, token: str, method: str, params: dict | None, meta: dict | None, headers: dict
) -> None:
    response = post_modern(worker, token, method, params, meta=meta, headers=headers)
    error = jsonrpc_error(response, 400, -32020)
    assert error["message"].startswith("Header mismatch:"), error


def test_base64_mcp_name_is_accepted(worker: Worker, token: str) -> None:
    response = post_modern(worker, token, "tools/call", ECHO_CALL, headers={"Mcp-Name": b64_header("echo")})
    result = modern_result(response)
    assert result["structuredContent"] == {"message": "mirrored"}


def test_base64_mcp_name_is_decoded_as_utf8(worker: Worker, token: str) -> None:
    """A name no plain header could carry: the header check passes, the tool is then unknown."""
    name = "écho-✓"
    params = {"name": name, "arguments": {}}
    response = post_modern(worker, token, "tools/call", params, headers={"Mcp-Name": b64_header(name)})
    error = jsonrpc_error(response, 400, -32602)
    assert error["message"] == f"Unknown tool: '{name}'"


@pytest.mark.parametrize("version", ["2099-01-01", "2025-11-25", "2026-07-27"])
def test_unsupported_version_is_400_with_the_supported_list(worker: Worker, token: str, version: str) -> None:
    response = post_modern(worker, token, "tools/list", meta=modern_meta(version))
    error = jsonrpc_error(response, 400, -32022)
    assert error["message"] == "Unsupported protocol version"
    assert error["data"] == {"supported": SUPPORTED_VERSIONS, "requested": version}


def test_rules_are_checked_meta_then_headers_then_version(worker: Worker, token: str) -> None:
    unsupported = "2099-01-01"
    # All three wrong: the _meta key comes first.
    all_wrong = post_modern(
        worker, token, "tools/list", meta={VERSION_KEY: unsupported}, headers={"Mcp-Method": "tools/call"}
    )
    assert CAPABILITIES_KEY in jsonrpc_error(all_wrong, 400, -32602)["message"]
    # _meta complete, header and version wrong: the header.
    header_and_version = post_modern(
        worker, token, "tools/list", meta=modern_meta(unsupported), headers={"Mcp-Method": None}
    )
    jsonrpc_error(header_and_version, 400, -32020)
    # Only the version wrong.
    jsonrpc_error(post_modern(worker, token, "tools/list", meta=modern_meta(unsupported)), 400, -32022)
    # A version mismatch is reported even for an unknown method (rules come before dispatch).
    jsonrpc_error(post_modern(worker, token, "no/such", meta=modern_meta(unsupported)), 400, -32022)


@pytest.mark.parametrize("method", ["no/such/method", "initialize", "ping", "resources/list", "notifications/initialized"])
def test_unknown_methods_are_404_method_not_found(worker: Worker, token: str, method: str) -> None:
    params = None
    if method == "initialize":
        params = {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}
    response = post_modern(worker, token, method, params)
    error = jsonrpc_error(response, 404, -32601)
    assert method in error["message"]


def test_notification_is_202_with_an_empty_body(worker: Worker, token: str) -> None:
    params = {"requestId": 3, "reason": "no longer needed"}
    response = post_modern(worker, token, "notifications/cancelled", params, request_id=None)
    assert response.status_code == 202
    assert response.content == b""


def test_jsonrpc_response_from_a_modern_client_is_400_invalid_request(worker: Worker, token: str) -> None:
    body = {"jsonrpc": "2.0", "id": 9, "result": {"_meta": modern_meta()}}
    response = post_json(worker.mcp_url, body, token, {"MCP-Protocol-Version": MODERN})
    jsonrpc_error(response, 400, -32600, request_id=None)


def test_jsonrpc_response_from_a_legacy_client_is_still_accepted(worker: Worker, token: str) -> None:
    body = {"jsonrpc": "2.0", "id": 9, "result": {}}
    response = post_json(worker.mcp_url, body, token, {"MCP-Protocol-Version": LEGACY})
    assert response.status_code == 202


@pytest.mark.parametrize("version", [MODERN, LEGACY, None])
@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_are_405_allow_post_in_every_era(worker: Worker, token: str, method: str, version: str | None) -> None:
    headers = {"Accept": "application/json, text/event-stream", "Authorization": f"Bearer {token}"}
    if version:
        headers |= {"MCP-Protocol-Version": version, "Mcp-Method": "tools/list"}
    response = httpx.request(method, worker.mcp_url, headers=headers, timeout=HTTP_TIMEOUT_S, trust_env=False)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("server/discover", None),
        ("tools/list", None),
        ("tools/call", ECHO_CALL),
        ("tools/call", {"name": "echo", "arguments": {"message": 1}}),
    ],
    ids=["discover", "tools-list", "tools-call", "tools-call-invalid-arguments"],
)
def test_every_modern_result_has_result_type_and_server_info(
    worker: Worker, token: str, worker_version: str, method: str, params: dict | None
) -> None:
    result = modern_result(post_modern(worker, token, method, params))
    assert result["_meta"][SERVER_INFO_KEY] == {"name": "gatehouse", "title": "Gatehouse", "version": worker_version}


def test_legacy_results_are_unchanged(worker: Worker, token: str) -> None:
    listing = legacy_result(post_legacy(worker, token, "tools/list"))
    call = legacy_result(post_legacy(worker, token, "tools/call", ECHO_CALL))
    for result in (listing, call):
        assert "resultType" not in result and "_meta" not in result, result
    assert "ttlMs" not in listing and "cacheScope" not in listing


def test_server_discover_describes_the_server(worker: Worker, token: str) -> None:
    result = modern_result(post_modern(worker, token, "server/discover"))
    assert result["supportedVersions"] == SUPPORTED_VERSIONS
    assert result["capabilities"] == {"tools": {"listChanged": False}}
    assert isinstance(result["instructions"], str) and result["instructions"].strip()
    assert result["ttlMs"] == CACHE_TTL_MS
    assert result["cacheScope"] == "public"


def test_modern_tools_list_is_private_cacheable_and_sorted(tools_worker: Worker, get_token: TokenFactory) -> None:
    everything = modern_result(post_modern(tools_worker, get_token(ALL_SCOPES), "tools/list"))
    assert everything["ttlMs"] == CACHE_TTL_MS
    assert everything["cacheScope"] == "private"
    names = [tool["name"] for tool in everything["tools"]]
    assert names == sorted(TOOL_SCOPES)
    for tool in everything["tools"]:
        assert tool["_meta"][REQUIRED_SCOPE_KEY] == TOOL_SCOPES[tool["name"]]
        assert tool["title"] and tool["outputSchema"]["type"] == "object" and tool["annotations"]

    # Private because it depends on who asks: a read-only token sees only the mcp:read tools.
    reader = modern_result(post_modern(tools_worker, get_token("mcp:read"), "tools/list"))
    assert [tool["name"] for tool in reader["tools"]] == sorted(n for n, s in TOOL_SCOPES.items() if s == "mcp:read")
    assert reader["cacheScope"] == "private"


def test_traceparent_in_meta_reaches_the_access_log(worker: Worker, token: str) -> None:
    trace = traceparent()
    request_id = f"e2e-trace-{uuid4().hex}"
    response = post_modern(
        worker, token, "tools/call", ECHO_CALL,
        meta=modern_meta(extra={"traceparent": trace}), headers={"X-Request-ID": request_id},
    )
    modern_result(response)
    assert response.headers["x-request-id"] == request_id
    [line] = access_log_lines(worker, [request_id])
    assert line is not None, "no access-log line for the request"
    assert line["traceparent"] == trace
    assert (line["mcp_method"], line["mcp_tool"], line["mcp_version"]) == ("tools/call", "echo", MODERN)


@pytest.mark.parametrize(
    "value",
    [
        f"00-{'A' * 32}-{'b' * 16}-01",  # upper-case hex
        f"00-{'a' * 31}-{'b' * 16}-01",  # trace id one digit short
        f"00-{'a' * 32}-{'b' * 16}-01-extra",
        "not a traceparent",
        42,
    ],
    ids=["uppercase", "short-trace-id", "extra-part", "text", "number"],
)
def test_malformed_traceparent_is_not_logged(worker: Worker, token: str, value: object) -> None:
    request_id = f"e2e-bad-trace-{uuid4().hex}"
    response = post_modern(
        worker, token, "tools/call", ECHO_CALL,
        meta=modern_meta(extra={"traceparent": value}), headers={"X-Request-ID": request_id},
    )
    modern_result(response)  # a bad trace context does not fail the request
    [line] = access_log_lines(worker, [request_id])
    assert line is not None, "no access-log line for the request"
    assert "traceparent" not in line, line
    assert line["mcp_method"] == "tools/call"


# --------------------------------------------------------------------------------------------
# G. one rule, three routes: REST, 2025-11-25 MCP and 2026-07-28 MCP


@pytest.mark.parametrize(
    ("name", "arguments"),
    [
        ("echo", {"message": DATA_URL_MESSAGE}),
        ("echo", {"message": "plain text ✓ <&> \"quoted\"\nnext line"}),
        ("whoami", {}),
        ("summarize", {"text": SUMMARY_TEXT, "max_sentences": 2}),
        ("notes_delete", {"id": "never-created"}),
    ],
    ids=["echo-data-url", "echo-text", "whoami", "summarize", "notes_delete-absent"],
)
def test_three_routes_give_the_same_success(tools_worker: Worker, get_token: TokenFactory, name: str, arguments: dict) -> None:
    token = get_token(ALL_SCOPES)
    rest, legacy, modern = call_three_ways(tools_worker, token, name, arguments)

    assert rest.status_code == 200, rest.text
    rest_body = rest.json()
    assert set(rest_body) == {"content", "structuredContent", "isError"}
    assert rest_body["isError"] is False
    legacy_body = legacy_result(legacy)
    modern_body = modern_result(modern)
    assert answer_of(rest_body) == answer_of(legacy_body) == answer_of(modern_body)
    assert answer_of(modern_body)[2] is False and answer_of(modern_body)[0]
    if name == "echo":
        # Returned exactly as sent, a data: URL too (no decoding into binary and back).
        for body in (rest_body, legacy_body, modern_body):
            assert texts(body) == [arguments["message"]]
            assert body["structuredContent"] == {"message": arguments["message"]}


@pytest.mark.parametrize(
    ("name", "arguments", "field"),
    [
        ("echo", {"message": 5}, "message"),
        ("echo", {}, "message"),
        ("echo", {"message": "x", "loud": True}, "loud"),
        ("echo", {"message": "x" * 4097}, "message"),
        ("summarize", {"text": "One. Two.", "max_sentences": 0}, "max_sentences"),
        ("summarize", {"text": "One. Two.", "max_sentences": 1.5}, "max_sentences"),
        ("notes_put", {"id": "no spaces allowed", "text": "x"}, "id"),
        ("notes_put", {"id": "ok", "text": ""}, "text"),
    ],
    ids=["wrong-type", "missing", "unknown-field", "too-long", "below-minimum", "not-integer", "bad-characters", "too-short"],
)
def test_three_routes_give_the_same_invalid_arguments_message(
    tools_worker: Worker, get_token: TokenFactory, name: str, arguments: dict, field: str
) -> None:
    token = get_token(ALL_SCOPES)
    rest, legacy, modern = call_three_ways(tools_worker, token, name, arguments)

    assert rest.status_code == 422, rest.text
    rest_body = rest.json()
    message = rest_body["error_description"]
    assert message.startswith(f"Invalid arguments: '{field}' "), message
    assert rest_body == {"error": "invalid_arguments", "error_description": message, "pointer": f"/{field}"}
    # 2025: a JSON-RPC invalid-params error in a 200.
    assert jsonrpc_error(legacy, 200, -32602)["message"] == message
    # 2026-07-28: a tool execution error the model can read and correct.
    result = modern_result(modern)
    assert result["isError"] is True
    assert texts(result) == [message]
    assert "structuredContent" not in result


def test_three_routes_agree_on_an_unknown_tool(worker: Worker, token: str) -> None:
    rest, legacy, modern = call_three_ways(worker, token, "no_such_tool", {})

    assert rest.status_code == 404
    assert rest.json()["error"] == "unknown_tool"
    legacy_error = jsonrpc_error(legacy, 200, -32602)
    modern_error = jsonrpc_error(modern, 400, -32602)
    assert legacy_error["message"] == modern_error["message"] == "Unknown tool: 'no_such_tool'"


@pytest.mark.parametrize(("name", "arguments", "scope"), [
    ("summarize", {"text": "One. Two."}, "mcp:infer"),
    ("notes_put", {"id": "refused", "text": "x"}, "mcp:write"),
])
def test_three_routes_refuse_a_missing_scope_alike(
    tools_worker: Worker, get_token: TokenFactory, name: str, arguments: dict, scope: str
) -> None:
    reader = get_token("mcp:read")
    assert scope not in jwt_part(reader, 1)["scope"].split()
    rest, legacy, modern = call_three_ways(tools_worker, reader, name, arguments)

    challenges = [response.headers["www-authenticate"] for response in (rest, legacy, modern)]
    assert challenges[0] == challenges[1] == challenges[2]
    params = challenge_params(challenges[0])
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == scope
    assert params["resource_metadata"] == RESOURCE_METADATA_URL

    assert rest.status_code == 403
    assert rest.json()["error"] == "insufficient_scope" and rest.json()["error_description"]
    for response in (legacy, modern):
        error = jsonrpc_error(response, 403, 403, request_id=1)
        assert error["message"] == f"Forbidden: tool '{name}' needs scope {scope}"


@pytest.mark.parametrize("credential", ["none", "expired"])
def test_three_routes_refuse_a_missing_or_expired_token_alike(
    worker: Worker, idp: IdP, get_token: TokenFactory, credential: str
) -> None:
    token = None if credential == "none" else expired_token(idp, get_token)
    rest, legacy, modern = call_three_ways(worker, token, "echo", {"message": "x"})

    challenges = [response.headers["www-authenticate"] for response in (rest, legacy, modern)]
    assert challenges[0] == challenges[1] == challenges[2]
    assert challenge_params(challenges[0])["resource_metadata"] == RESOURCE_METADATA_URL
    assert rest.status_code == 401
    assert set(rest.json()) == {"error", "error_description"}
    messages = [jsonrpc_error(response, 401, 401, request_id=None)["message"] for response in (legacy, modern)]
    assert messages[0] == messages[1]
    assert messages[0].startswith("Unauthorized: ")
    if credential == "expired":
        assert rest.json()["error"] == "invalid_token"
        assert messages[0] == "Unauthorized: the access token expired"
