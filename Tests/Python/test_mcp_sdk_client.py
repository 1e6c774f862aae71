"""End-to-end: the official MCP Python SDK (PyPI `mcp`) against a real `gatehouse worker`.

The SDK's own client code does the MCP work (`ClientSession` over `streamable_http_client`, and
the high-level `mcp.Client`); raw `httpx` is used only to look at HTTP details the SDK does not
surface (status codes and `WWW-Authenticate` challenges).

SDK 2.x takes HTTP settings (headers, auth, timeouts) through an `httpx2.AsyncClient` passed
as `http_client=`; `streamable_http_client` has no `headers=` argument any more. The helpers for
that (and the OAuth plumbing) are in mcp_support.py, shared with test_mcp_2026.py.
"""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest
from mcp import Client, ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthToken
from mcp.shared.exceptions import MCPError
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS, LATEST_HANDSHAKE_VERSION

from conftest import (
    CLIENT_ID,
    RESOURCE,
    RESOURCE_METADATA_URL,
    IdP,
    TokenFactory,
    Worker,
)
from mcp_support import (
    STEP_TIMEOUT_S,
    MemoryTokenStorage,
    PublicHostTransport,
    Recorder,
    challenge_params,
    innermost,
    jwt_part,
    mcp_headers,
    oauth_provider,
    sdk_http_client,
    sdk_session,
)

pytestmark = pytest.mark.anyio

EXPECTED_TOOLS = {"echo", "timestamp", "whoami"}


# --------------------------------------------------------------------------------------------
# helpers


def raw_tools_call(worker: Worker, token: str | None, name: str, arguments: dict) -> httpx.Response:
    headers = mcp_headers() | {"MCP-Protocol-Version": LATEST_HANDSHAKE_VERSION}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    return httpx.post(worker.mcp_url, json=body, headers=headers, timeout=10.0, trust_env=False)


# --------------------------------------------------------------------------------------------
# the happy path through ClientSession


async def test_initialize_negotiates_a_version_the_sdk_supports(worker: Worker, token: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token) as session:
            result = await session.initialize()

    assert result.server_info.name == "gatehouse"
    assert result.protocol_version in HANDSHAKE_PROTOCOL_VERSIONS
    # The SDK offers its newest handshake version; Gatehouse supports it, so it is kept.
    assert result.protocol_version == LATEST_HANDSHAKE_VERSION
    assert result.capabilities.tools is not None
    assert session.protocol_version == result.protocol_version


async def test_list_tools_has_the_tools_with_input_schemas(worker: Worker, token: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token) as session:
            await session.initialize()
            listing = await session.list_tools()

    tools = {tool.name: tool for tool in listing.tools}
    assert EXPECTED_TOOLS <= tools.keys()
    for name in EXPECTED_TOOLS:
        schema = tools[name].input_schema
        assert schema["type"] == "object", (name, schema)
        assert tools[name].description
    echo_schema = tools["echo"].input_schema
    assert echo_schema["properties"]["message"]["type"] == "string"
    assert echo_schema["required"] == ["message"]
    assert tools["timestamp"].input_schema.get("properties", {}) == {}
    assert tools["whoami"].input_schema.get("properties", {}) == {}


async def test_call_echo_returns_the_message(worker: Worker, token: str) -> None:
    message = "hello from the Python SDK ✓ <&>"
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token) as session:
            await session.initialize()
            result = await session.call_tool("echo", {"message": message})

    assert not result.is_error
    texts = [block.text for block in result.content if block.type == "text"]
    assert texts == [message]
    assert result.structured_content == {"message": message}


async def test_call_whoami_shows_the_client_and_its_scope(worker: Worker, token: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token) as session:
            await session.initialize()
            result = await session.call_tool("whoami", {})

    assert not result.is_error
    structured = result.structured_content
    assert structured is not None
    assert structured["client_id"] == CLIENT_ID
    assert "mcp:read" in structured["scopes"]
    assert structured["subject"] == jwt_part(token, 1)["sub"]
    text = result.content[0].text
    assert f"client_id={CLIENT_ID}" in text
    assert "mcp:read" in text


async def test_call_timestamp_returns_the_server_time(worker: Worker, token: str) -> None:
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token) as session:
            await session.initialize()
            result = await session.call_tool("timestamp", {})

    assert not result.is_error
    structured = result.structured_content
    assert structured is not None
    assert abs(structured["unix"] - time.time()) < 60
    assert structured["rfc3339"].endswith("Z")


async def test_what_the_sdk_sends_on_the_wire(worker: Worker, token: str) -> None:
    """Documents the SDK's HTTP behaviour against a stateless, JSON-answering server."""
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, token, recorder=recorder) as session:
            await session.initialize()
            await session.call_tool("echo", {"message": "wire"})

    exchanges = recorder.exchanges
    # Stateless server: no Mcp-Session-Id, so the SDK opens no GET stream and sends no DELETE.
    # After a tools/call of a tool it has not listed yet, the SDK lists the tools itself (to
    # validate structured content against an output schema, if the tool declares one).
    assert [e.method for e in exchanges] == ["POST"] * 4
    assert [e.jsonrpc_method for e in exchanges] == [
        "initialize",
        "notifications/initialized",
        "tools/call",
        "tools/list",
    ]
    assert [e.status for e in exchanges] == [200, 202, 200, 200]
    for exchange in exchanges:
        assert exchange.request_headers["accept"] == "application/json, text/event-stream"
        assert exchange.request_headers["content-type"] == "application/json"
        assert exchange.request_headers["authorization"] == f"Bearer {token}"
        assert "mcp-session-id" not in exchange.request_headers
        assert "mcp-session-id" not in exchange.response_headers
    # No version header on initialize; the negotiated one on everything after it.
    assert "mcp-protocol-version" not in exchanges[0].request_headers
    for exchange in exchanges[1:]:
        assert exchange.request_headers["mcp-protocol-version"] == LATEST_HANDSHAKE_VERSION
    assert exchanges[0].response_headers["content-type"].startswith("application/json")


async def test_high_level_client_opens_with_discover_and_stays_on_2026_07_28(worker: Worker, token: str) -> None:
    """`mcp.Client` (mode='auto') probes 2026-07-28 `server/discover` first; Gatehouse answers it."""
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(token, recorder=recorder) as http:
            async with Client(streamable_http_client(worker.mcp_url, http_client=http)) as client:
                assert client.protocol_version == "2026-07-28"
                assert client.server_info is not None and client.server_info.name == "gatehouse"
                tools = await client.list_tools()
                result = await client.call_tool("echo", {"message": "via mcp.Client"})

    assert EXPECTED_TOOLS <= {tool.name for tool in tools.tools}
    assert result.structured_content == {"message": "via mcp.Client"}
    probe = recorder.exchanges[0]
    assert probe.jsonrpc_method == "server/discover"
    assert probe.request_headers["mcp-protocol-version"] == "2026-07-28"
    assert probe.status == 200
    # No fallback: nothing is ever sent with the handshake.
    assert "initialize" not in [e.jsonrpc_method for e in recorder.exchanges]


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_on_the_endpoint_answer_405(worker: Worker, token: str, method: str) -> None:
    """What the SDK would meet if it opened the GET stream or ended a session: it does neither
    here, because the server never hands out an Mcp-Session-Id."""
    headers = {"Accept": "text/event-stream", "Authorization": f"Bearer {token}"}
    response = httpx.request(method, worker.mcp_url, headers=headers, timeout=10.0, trust_env=False)
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


# --------------------------------------------------------------------------------------------
# no token


async def test_sdk_without_a_token_is_refused_with_401(worker: Worker) -> None:
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, None, recorder=recorder) as session:
            with pytest.raises(MCPError) as raised:
                await session.initialize()

    # The 401's body is a JSON-RPC error, so the SDK raises it as it is: the person at the
    # keyboard reads why (the challenge header is unchanged beside it).
    assert raised.value.code == 401
    assert str(raised.value.error.message).startswith("Unauthorized: an access token is required")
    assert recorder.statuses() == [401]
    assert "authorization" not in recorder.exchanges[0].request_headers
    assert "resource_metadata=" in recorder.exchanges[0].response_headers["www-authenticate"]


def test_401_challenge_points_at_the_resource_metadata(worker: Worker, idp: IdP) -> None:
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    response = httpx.post(worker.mcp_url, json=body, headers=mcp_headers(), timeout=10.0, trust_env=False)
    assert response.status_code == 401
    params = challenge_params(response.headers["www-authenticate"])
    assert params["resource_metadata"] == RESOURCE_METADATA_URL
    # RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
    resource = urlsplit(RESOURCE)
    assert params["resource_metadata"] == (
        f"{resource.scheme}://{resource.netloc}/.well-known/oauth-protected-resource{resource.path}"
    )

    # The advertised URL is on the public host; ask this worker for the same path.
    metadata_url = worker.base_url + urlsplit(params["resource_metadata"]).path
    metadata = httpx.get(metadata_url, timeout=10.0, trust_env=False)
    assert metadata.status_code == 200
    document = metadata.json()
    assert document["resource"] == RESOURCE
    assert document["authorization_servers"] == [idp.issuer]
    assert "mcp:read" in document.get("scopes_supported", [])


# --------------------------------------------------------------------------------------------
# a token without mcp:read


async def test_token_without_mcp_read_cannot_call_echo(worker: Worker, get_token: TokenFactory) -> None:
    narrow = get_token(scope="profile")
    granted = jwt_part(narrow, 1)["scope"].split()
    assert "mcp:read" not in granted and "profile" in granted

    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, narrow, recorder=recorder) as session:
            await session.initialize()  # the handshake itself needs no tool scope
            listing = await session.list_tools()
            with pytest.raises(MCPError):
                await session.call_tool("echo", {"message": "not allowed"})

    # Tools are listed by the token's scopes, so none of the mcp:read tools is offered.
    assert not EXPECTED_TOOLS & {tool.name for tool in listing.tools}
    refused = recorder.exchanges[-1]
    assert refused.jsonrpc_method == "tools/call"
    assert refused.status == 403

    response = raw_tools_call(worker, narrow, "echo", {"message": "not allowed"})
    assert response.status_code == 403
    params = challenge_params(response.headers["www-authenticate"])
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == "mcp:read"
    assert params["resource_metadata"] == RESOURCE_METADATA_URL


# --------------------------------------------------------------------------------------------
# key rotation at the IdP


async def test_token_signed_after_key_rotation_works_without_restart(
    worker: Worker, idp: IdP, get_token: TokenFactory
) -> None:
    before = get_token()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, before) as session:
            await session.initialize()
            pid_before = (await session.call_tool("whoami", {})).structured_content["worker_pid"]

    rotated = httpx.post(f"{idp.base_url}/admin/rotate", timeout=10.0, trust_env=False)
    assert rotated.status_code == 200, rotated.text
    new_kid = rotated.json()["rs256_kid"]

    after = get_token()
    assert jwt_part(after, 0)["kid"] == new_kid
    assert jwt_part(before, 0)["kid"] != new_kid

    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_session(worker, after) as session:
            await session.initialize()
            echoed = await session.call_tool("echo", {"message": "signed with the new key"})
            pid_after = (await session.call_tool("whoami", {})).structured_content["worker_pid"]
        # The previous key is still published, so a token it signed stays valid.
        async with sdk_session(worker, before) as session:
            await session.initialize()
            still = await session.call_tool("echo", {"message": "signed with the old key"})

    assert echoed.structured_content == {"message": "signed with the new key"}
    assert still.structured_content == {"message": "signed with the old key"}
    assert pid_after == pid_before  # the same worker process answered throughout


# --------------------------------------------------------------------------------------------
# the SDK's own OAuth discovery (client credentials, no interaction)


async def test_sdk_oauth_discovery_with_client_credentials(worker: Worker, idp: IdP) -> None:
    storage = MemoryTokenStorage()
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(
            recorder=recorder, auth=oauth_provider(idp, storage), transport=PublicHostTransport(worker)
        ) as http:
            async with streamable_http_client(RESOURCE, http_client=http) as (read_stream, write_stream):
                async with ClientSession(read_stream, write_stream) as session:
                    await session.initialize()
                    result = await session.call_tool("whoami", {})

    assert result.structured_content["client_id"] == CLIENT_ID
    assert "mcp:read" in result.structured_content["scopes"]
    assert storage.tokens is not None and storage.tokens.access_token

    urls = [(e.method, e.url, e.status) for e in recorder.exchanges]
    # 401 on the first POST, then RFC 9728 metadata from the challenge, then the IdP, then a retry.
    assert urls[0] == ("POST", RESOURCE, 401)
    assert ("GET", RESOURCE_METADATA_URL, 200) in urls
    token_requests = [e for e in recorder.exchanges if e.url == idp.token_endpoint]
    assert len(token_requests) == 1 and token_requests[0].status == 200
    form = parse_qs(token_requests[0].request_body.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["mcp:read"]  # taken from the challenge's scope=
    assert form["resource"] == [RESOURCE]  # RFC 8707
    assert token_requests[0].request_headers["authorization"].startswith("Basic ")
    retried = recorder.exchanges[recorder.exchanges.index(token_requests[0]) + 1]
    assert (retried.method, retried.url, retried.status) == ("POST", RESOURCE, 200)
    assert retried.request_headers["authorization"] == f"Bearer {storage.tokens.access_token}"


async def test_sdk_oauth_steps_up_on_insufficient_scope(
    worker: Worker, idp: IdP, get_token: TokenFactory
) -> None:
    """A stored token without mcp:read: the 403 challenge makes the SDK fetch one with it."""
    narrow = get_token(scope="profile")
    storage = MemoryTokenStorage(OAuthToken(access_token=narrow, token_type="Bearer", scope="profile email"))
    recorder = Recorder()
    with anyio.fail_after(STEP_TIMEOUT_S):
        async with sdk_http_client(
            recorder=recorder, auth=oauth_provider(idp, storage), transport=PublicHostTransport(worker)
        ) as http:
            async with streamable_http_client(RESOURCE, http_client=http) as (read_stream, write_stream):
                async with ClientSession(read_stream, write_stream) as session:
                    await session.initialize()
                    result = await session.call_tool("echo", {"message": "stepped up"})

    assert result.structured_content == {"message": "stepped up"}
    calls = [e for e in recorder.exchanges if e.jsonrpc_method == "tools/call"]
    assert [e.status for e in calls] == [403, 200]
    refused, retried = calls
    assert refused.request_headers["authorization"] == f"Bearer {narrow}"
    token_requests = [e for e in recorder.exchanges if e.url == idp.token_endpoint]
    assert len(token_requests) == 1
    form = parse_qs(token_requests[0].request_body.decode())
    # SEP-2350: the new request asks for what the stored token had plus the challenged scope.
    assert set(form["scope"][0].split()) == {"profile", "email", "mcp:read"}
    assert retried.request_headers["authorization"] == f"Bearer {storage.tokens.access_token}"
    assert storage.tokens.access_token != narrow
    assert "mcp:read" in jwt_part(storage.tokens.access_token, 1)["scope"].split()
