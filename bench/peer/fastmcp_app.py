"""The peer Gatehouse replaces: FastMCP behind Gunicorn with Uvicorn workers, validating the same
provider's tokens (JWTVerifier wrapped in RemoteAuthProvider), stateless, JSON responses, one
`echo` tool that needs mcp:read, and a /readyz route like Gatehouse's.

    PEER_JWKS_URI=... PEER_ISSUER=... PEER_AUDIENCE=... PEER_BASE_URL=http://127.0.0.1:PORT \
        gunicorn -k uvicorn.workers.UvicornWorker -w 2 -b 127.0.0.1:PORT fastmcp_app:app
"""
import os

from fastmcp import FastMCP
from fastmcp.server.auth import RemoteAuthProvider, require_scopes
from fastmcp.server.auth.providers.jwt import JWTVerifier
from starlette.requests import Request
from starlette.responses import JSONResponse

verifier = JWTVerifier(
    jwks_uri=os.environ["PEER_JWKS_URI"],
    issuer=os.environ["PEER_ISSUER"],
    audience=os.environ["PEER_AUDIENCE"],
)
auth = RemoteAuthProvider(
    token_verifier=verifier,
    authorization_servers=[os.environ["PEER_ISSUER"]],
    base_url=os.environ["PEER_BASE_URL"],
)
mcp = FastMCP("fastmcp-peer", auth=auth)


@mcp.tool(auth=require_scopes("mcp:read"))
def echo(message: str) -> str:
    """Returns the given message unchanged."""
    return message


@mcp.custom_route("/readyz", methods=["GET"])
async def readyz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ready"})


app = mcp.http_app(path="/mcp", stateless_http=True, json_response=True)
