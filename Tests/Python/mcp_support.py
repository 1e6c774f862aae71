"""Shared by the tests that drive Gatehouse with the official MCP Python SDK
(test_mcp_sdk_client.py, test_mcp_2026.py): recording what the SDK's HTTP client sends, the
SDK's HTTP client and session set up for a worker, OAuth plumbing (token storage, the public
host routed to the local worker, the client-credentials provider), and reading the JSON logs.

SDK 2.x takes HTTP settings (headers, auth, timeouts) through an `httpx2.AsyncClient` passed
as `http_client=`; `streamable_http_client` has no `headers=` argument any more.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx2
from mcp import ClientSession
from mcp.client.auth import TokenStorage
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from conftest import CLIENT_ID, CLIENT_SECRET, RESOURCE, IdP, Worker

# Every SDK interaction runs under this deadline, so a hang fails one test instead of the run.
STEP_TIMEOUT_S = 20.0
# How long a log line may take to reach the file after its response was read.
LOG_DEADLINE_S = 5.0


# --------------------------------------------------------------------------------------------
# what the SDK sends


@dataclass
class Exchange:
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: bytes
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def jsonrpc_method(self) -> str | None:
        try:
            return json.loads(self.request_body).get("method")
        except ValueError:
            return None

    @property
    def request_json(self) -> dict | None:
        try:
            value = json.loads(self.request_body)
        except ValueError:
            return None
        return value if isinstance(value, dict) else None

    @property
    def request_id(self) -> str | None:
        """The worker's `X-Request-ID` for this exchange (the key of its access-log line)."""
        return self.response_headers.get("x-request-id")


class Recorder:
    """httpx2 event hooks that record every request the SDK's HTTP client sends and its answer."""

    def __init__(self) -> None:
        self.exchanges: list[Exchange] = []

    async def on_request(self, request: httpx2.Request) -> None:
        body = request.content if request.stream is not None else b""
        self.exchanges.append(
            Exchange(
                method=request.method,
                url=str(request.url),
                request_headers={k.lower(): v for k, v in request.headers.items()},
                request_body=body,
            )
        )
        request.extensions["recorder_index"] = len(self.exchanges) - 1

    async def on_response(self, response: httpx2.Response) -> None:
        index = response.request.extensions.get("recorder_index")
        if index is None:
            return
        exchange = self.exchanges[index]
        exchange.status = response.status_code
        exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}

    @property
    def hooks(self) -> dict[str, list]:
        return {"request": [self.on_request], "response": [self.on_response]}

    def statuses(self) -> list[int | None]:
        return [exchange.status for exchange in self.exchanges]


def sdk_http_client(
    token: str | None = None,
    *,
    recorder: Recorder | None = None,
    auth: httpx2.Auth | None = None,
    transport: httpx2.AsyncBaseTransport | None = None,
) -> httpx2.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else None
    return httpx2.AsyncClient(
        headers=headers,
        auth=auth,
        transport=transport,
        timeout=httpx2.Timeout(10.0),
        trust_env=False,
        event_hooks=recorder.hooks if recorder else None,
    )


@asynccontextmanager
async def sdk_session(
    worker: Worker, token: str | None = None, *, recorder: Recorder | None = None
) -> AsyncIterator[ClientSession]:
    """A `ClientSession` over the SDK's Streamable HTTP transport; not yet initialized."""
    async with sdk_http_client(token, recorder=recorder) as http:
        async with streamable_http_client(worker.mcp_url, http_client=http) as (read_stream, write_stream):
            async with ClientSession(read_stream, write_stream) as session:
                yield session


# --------------------------------------------------------------------------------------------
# tokens, challenges, errors


def jwt_part(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def challenge_params(header: str) -> dict[str, str]:
    """The auth-params of a `Bearer` WWW-Authenticate challenge (quoted-string values)."""
    assert header.lower().startswith("bearer "), header
    return {key.lower(): value for key, value in re.findall(r'([A-Za-z_]+)="([^"]*)"', header)}


def innermost(error: BaseException) -> BaseException:
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


def mcp_headers() -> dict[str, str]:
    return {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


# --------------------------------------------------------------------------------------------
# the SDK's own OAuth (client credentials, no interaction)


class MemoryTokenStorage(TokenStorage):
    def __init__(self, tokens: OAuthToken | None = None) -> None:
        self.tokens = tokens
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class PublicHostTransport(httpx2.AsyncBaseTransport):
    """Sends requests for the resource's public https host to the worker over plain HTTP.

    It stands in for DNS plus the TLS-terminating proxy of a deployment, so the SDK sees the
    real public URLs (the resource, the metadata URL in the challenge) and checks them as it
    would in production. The Host header stays the public one. Everything else (the IdP on
    127.0.0.1) passes through unchanged.
    """

    def __init__(self, worker: Worker) -> None:
        self.public_host = urlsplit(RESOURCE).hostname
        self.worker = worker
        self.inner = httpx2.AsyncHTTPTransport(trust_env=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.host == self.public_host:
            # A new request: the original is reused when the auth flow retries it.
            request = httpx2.Request(
                request.method,
                request.url.copy_with(scheme="http", host="127.0.0.1", port=self.worker.port),
                headers=request.headers,
                stream=request.stream,
                extensions=request.extensions,
            )
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def oauth_provider(idp: IdP, storage: TokenStorage, *, scope: str | None = None) -> ClientCredentialsOAuthProvider:
    return ClientCredentialsOAuthProvider(
        server_url=RESOURCE,
        storage=storage,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        scope=scope,
        issuer=idp.issuer,
    )


# --------------------------------------------------------------------------------------------
# the JSON log files of the worker and the IdP


def log_events(path: Path) -> list[dict]:
    """Every JSON object line of a log file, in order (anything else is skipped)."""
    events = []
    for line in path.read_text(errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def log_length(path: Path) -> int:
    """How many JSON lines the log has now: pass it as `after` to see only later ones."""
    return len(log_events(path))


def wait_for_events(
    path: Path, ready: Callable[[list[dict]], bool], *, after: int = 0, deadline_s: float = LOG_DEADLINE_S
) -> list[dict]:
    """The log's events from index `after` on, once `ready` accepts them (polled with a deadline).

    Lines are written after the response has left, so a test that has its answer may still
    have to wait a moment for the line; on timeout the events seen last are returned.
    """
    deadline = time.monotonic() + deadline_s
    while True:
        events = log_events(path)[after:]
        if ready(events) or time.monotonic() >= deadline:
            return events
        time.sleep(0.02)


def access_log_lines(worker: Worker, request_ids: list[str]) -> list[dict]:
    """The worker's `http.request` lines for these request ids, in the order of the ids.

    Waits (with a deadline) until every id has its line; a missing one is None in the result.
    """

    def by_id(events: list[dict]) -> dict[str, dict]:
        return {e["request_id"]: e for e in events if e.get("event") == "http.request" and "request_id" in e}

    events = wait_for_events(worker.log_path, lambda events: set(request_ids) <= by_id(events).keys())
    found = by_id(events)
    return [found.get(request_id) for request_id in request_ids]
