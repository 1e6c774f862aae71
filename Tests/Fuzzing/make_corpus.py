#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpus (Tests/Fuzzing/Corpus) and the key set its tokens are
signed with (Sources/FuzzSupport/FixtureJWKS.swift): fresh keys each run, so both are written
together and committed together. Signing here (pyca/cryptography) rather than with jwt-kit is
also a cross-check: the targets refuse to start when a sample token does not verify.

Run by hand when the seeds should change: `.venv/bin/python Tests/Fuzzing/make_corpus.py`
(the end-to-end tests' virtual environment has `cryptography`). CI only reads the result.
"""

import base64
import json
import shutil
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "Corpus"
FIXTURE_SWIFT = HERE / "Sources" / "FuzzSupport" / "FixtureJWKS.swift"

# Tests/Fuzzing/Sources/FuzzSupport/Fixture.swift names the same values.
ISSUER = "https://auth.fuzz.test/realms/mcp"
RESOURCE = "https://mcp.fuzz.test/mcp"
NOW = 1_900_000_000
FAR_FUTURE = 4_102_444_800  # 2100-01-01: the seed tokens stay valid on the real clock too.


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact_json(value) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def uint(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


class Key:
    def __init__(self, kid: str, alg: str):
        self.kid, self.alg = kid, alg
        if alg in ("RS256", "PS256"):
            self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif alg == "ES256":
            self.private = ec.generate_private_key(ec.SECP256R1())
        else:
            self.private = ed25519.Ed25519PrivateKey.generate()

    def jwk(self, **extra) -> dict:
        public = self.private.public_key()
        if self.alg in ("RS256", "PS256"):
            numbers = public.public_numbers()
            members = {"kty": "RSA", "n": b64url(uint(numbers.n)), "e": b64url(uint(numbers.e))}
        elif self.alg == "ES256":
            numbers = public.public_numbers()
            members = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
                       "y": b64url(numbers.y.to_bytes(32, "big"))}
        else:
            from cryptography.hazmat.primitives import serialization
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            members = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        return {**members, "kid": self.kid, "alg": self.alg, "use": "sig", **extra}

    def sign_input(self, signing_input: bytes) -> bytes:
        if self.alg == "RS256":
            return self.private.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        if self.alg == "PS256":
            return self.private.sign(signing_input, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())
        if self.alg == "ES256":
            r, s = utils.decode_dss_signature(self.private.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return self.private.sign(signing_input)

    def header(self, **changes) -> dict:
        header = {"alg": self.alg, "typ": "at+jwt", "kid": self.kid}
        header.update(changes)
        return {name: value for name, value in header.items() if value is not None}

    def token(self, payload: dict | None = None, header: dict | None = None, *, header_json: bytes | None = None,
              payload_json: bytes | None = None) -> str:
        header_bytes = header_json if header_json is not None else compact_json(header or self.header())
        payload_bytes = payload_json if payload_json is not None else compact_json(payload if payload is not None else claims())
        signing_input = (b64url(header_bytes) + "." + b64url(payload_bytes)).encode()
        return signing_input.decode() + "." + b64url(self.sign_input(signing_input))


def claims(**changes) -> dict:
    payload = {
        "iss": ISSUER, "aud": [RESOURCE, "account"], "sub": "fuzz-user", "azp": "fuzz-client",
        "exp": FAR_FUTURE, "iat": 1_700_000_000, "jti": "seed-token", "typ": "Bearer",
        "scope": "openid mcp:read mcp:write mcp:infer", "realm_access": {"roles": ["offline_access", "mcp:read"]},
    }
    payload.update(changes)
    return {name: value for name, value in payload.items() if value is not None}


def write(target: str, name: str, content: str | bytes) -> None:
    directory = CORPUS / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(content.encode() if isinstance(content, str) else content)


def main() -> None:
    keys = [Key("rs256-key", "RS256"), Key("ps256-key", "PS256"), Key("es256-key", "ES256"), Key("eddsa-key", "EdDSA")]
    rs256, ps256, es256, eddsa = keys
    attacker = Key("rs256-key", "RS256")  # Our kid, another key: a forgery.
    jwks = {"keys": [key.jwk() for key in keys]}
    samples = {key.alg: key.token() for key in keys}
    caller_token = eddsa.token()  # Ed25519 verifies fastest: the JSON-RPC target's caller.

    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    write_bearer(keys, attacker)
    write_jwks(keys, jwks)
    write_jsonrpc()
    write_http(rs256, es256, eddsa)
    write_fixture(jwks, samples, caller_token)


def write_bearer(keys, attacker) -> None:
    rs256, ps256, es256, eddsa = keys
    target = "FuzzBearerToken"
    for key in keys:
        write(target, f"valid-{key.alg.lower()}.token", key.token())
    write(target, "header-bearer.txt", "Bearer " + es256.token())
    write(target, "header-lowercase-scheme-spaces.txt", "bearer   " + eddsa.token())
    write(target, "header-basic.txt", "Basic ZnV6ejpmdXp6")
    write(target, "header-dpop.txt", "DPoP " + es256.token())
    write(target, "header-empty-bearer.txt", "Bearer")
    write(target, "header-bearer-space-only.txt", "Bearer   ")
    write(target, "expired.token", rs256.token(claims(exp=1_700_000_600)))
    write(target, "not-yet-valid.token", es256.token(claims(nbf=4_000_000_000)))
    write(target, "issued-in-future.token", es256.token(claims(iat=4_000_000_000)))
    write(target, "no-exp.token", eddsa.token(claims(exp=None)))
    write(target, "wrong-issuer.token", eddsa.token(claims(iss=ISSUER + "/")))
    write(target, "audience-string.token", eddsa.token(claims(aud=RESOURCE)))
    write(target, "wrong-audience.token", eddsa.token(claims(aud="https://other.fuzz.test/mcp")))
    write(target, "scp-array.token", es256.token(claims(scope=None, scp=["mcp:read", "mcp:write"])))
    write(target, "keycloak-id-token.token", rs256.token(claims(typ="ID")))
    write(target, "client-id-claim.token", rs256.token(claims(azp=None, client_id="fuzz-client")))
    write(target, "typ-jwt.token", ps256.token(header=ps256.header(typ="JWT")))
    write(target, "typ-application-at-jwt.token", ps256.token(header=ps256.header(typ="application/at+jwt")))
    write(target, "typ-absent.token", ps256.token(header=ps256.header(typ=None)))
    write(target, "typ-jose.token", ps256.token(header=ps256.header(typ="JOSE")))
    write(target, "wrong-alg-ps256-on-rs256-key.token", rs256.token(header=rs256.header(alg="PS256")))
    write(target, "alg-none.token", b64url(compact_json({"alg": "none", "typ": "JWT"})) + "." + b64url(compact_json(claims())) + ".")
    write(target, "alg-None-with-kid.token",
          b64url(compact_json({"alg": "None", "kid": "rs256-key"})) + "." + b64url(compact_json(claims())) + ".")
    write(target, "alg-hs256.token", b64url(compact_json({"alg": "HS256", "kid": "rs256-key"})) + "."
          + b64url(compact_json(claims())) + "." + b64url(b"\x00" * 32))
    write(target, "crit.token", es256.token(header=es256.header(crit=["exp"], exp=1)))
    write(target, "jku.token", es256.token(header=es256.header(jku="https://evil.fuzz.test/jwks")))
    write(target, "no-kid.token", es256.token(header=es256.header(kid=None)))
    write(target, "unknown-kid.token", es256.token(header=es256.header(kid="no-such-key")))
    write(target, "forged-signature.token", attacker.token())
    write(target, "stripped-signature.token", rs256.token().rsplit(".", 1)[0] + ".")
    write(target, "padded.token", es256.token() + "==")
    # A 64-byte ES256 signature ends in a character with 4 unused bits: set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    canonical = es256.token()
    write(target, "stray-bits.token", canonical[:-1] + alphabet[alphabet.index(canonical[-1]) | 1])
    write(target, "duplicate-alg-header.token",
          es256.token(header_json=b'{"alg":"ES256","kid":"es256-key","alg":"none"}'))
    write(target, "duplicate-escaped-claim.token",
          eddsa.token(payload_json=compact_json(claims())[:-1] + b',"\\u0069ss":"https://evil.fuzz.test"}'))
    write(target, "escaped-names.token",
          eddsa.token(header_json=b'{"\\u0061lg":"EdDSA","ki\\u0064":"eddsa-key","typ":"at+jwt"}'))
    write(target, "deep-claims.token", eddsa.token(payload_json=compact_json(claims())[:-1] + b',"x":' + b"[" * 70 + b"]" * 70 + b"}"))
    write(target, "jwe-shaped.token", ".".join(b64url(part) for part in
          [compact_json({"alg": "RSA-OAEP", "enc": "A256GCM", "kid": "enc"}), b"k" * 32, b"iv" * 6, b"ct" * 16, b"tag" * 5]))
    write(target, "raw-claims.json", compact_json(claims(nbf=1_800_000_000)))
    write(target, "raw-header.json", b'{"alg":"RS256","typ":"at+jwt","kid":"rs256-key","crit":null}')


def write_jwks(keys, jwks) -> None:
    rs256, ps256, es256, eddsa = keys
    target = "FuzzJWKS"
    write(target, "fixture.json", compact_json(jwks))
    rsa_public = rs256.jwk()
    keycloak = {"keys": [
        {**rsa_public, "x5c": ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"], "x5t": "abc", "x5t#S256": "def"},
        {**{name: rsa_public[name] for name in ("kty", "n", "e")}, "kid": "enc-key", "use": "enc", "alg": "RSA-OAEP"},
        {**es256.jwk(), "alg": None, "kid": "es-no-alg"},
    ]}
    keycloak["keys"] = [{k: v for k, v in key.items() if v is not None} for key in keycloak["keys"]]
    write(target, "keycloak-like.json", json.dumps(keycloak, indent=2))
    write(target, "rsa-no-alg.json", compact_json({"keys": [{k: v for k, v in rsa_public.items() if k != "alg"}]}))
    p384 = ec.generate_private_key(ec.SECP384R1()).public_key().public_numbers()
    p521 = ec.generate_private_key(ec.SECP521R1()).public_key().public_numbers()
    write(target, "ec-p384-p521.json", compact_json({"keys": [
        {"kty": "EC", "crv": "P-384", "kid": "p384", "x": b64url(p384.x.to_bytes(48, "big")), "y": b64url(p384.y.to_bytes(48, "big"))},
        {"kty": "EC", "crv": "P-521", "kid": "p521", "alg": "ES512",
         "x": b64url(p521.x.to_bytes(66, "big")), "y": b64url(p521.y.to_bytes(66, "big"))},
    ]}))
    write(target, "okp-ed25519-x25519.json", compact_json({"keys": [
        eddsa.jwk(), {"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": eddsa.jwk()["x"], "use": "enc"},
        {"kty": "OKP", "crv": "Ed448", "kid": "ed448", "x": b64url(b"\x01" * 57)},
    ]}))
    write(target, "private-key.json", compact_json({"keys": [{**es256.jwk(), "d": b64url(b"\x07" * 32)}]}))
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024).public_key().public_numbers()
    write(target, "rsa-1024.json", compact_json({"keys": [{"kty": "RSA", "kid": "short", "n": b64url(uint(short.n)), "e": "AQAB"}]}))
    write(target, "rsa-odd-exponents.json", compact_json({"keys": [
        {**rsa_public, "kid": "e1", "e": "AQ"}, {**rsa_public, "kid": "e3", "e": "Aw"},
        {**rsa_public, "kid": "ebig", "e": b64url(b"\xff" * 64)}, {**rsa_public, "kid": "ezero", "e": "AA"},
        {**rsa_public, "kid": "n-leading-zeros", "n": b64url(b"\x00\x00" + base64.urlsafe_b64decode(rsa_public["n"] + "=="))},
    ]}))
    write(target, "ec-off-curve.json", compact_json({"keys": [
        {"kty": "EC", "crv": "P-256", "kid": "off", "x": b64url(b"\x01" * 32), "y": b64url(b"\x02" * 32)},
        {"kty": "EC", "crv": "P-256", "kid": "short", "x": b64url(b"\x01" * 31), "y": b64url(b"\x02" * 33)},
    ]}))
    write(target, "duplicate-kid.json", compact_json({"keys": [rs256.jwk(), {**ps256.jwk(), "kid": "rs256-key"}, eddsa.jwk()]}))
    write(target, "key-ops-and-use.json", compact_json({"keys": [
        {**es256.jwk(), "key_ops": ["verify"]}, {**eddsa.jwk(), "key_ops": ["encrypt"]}, {**ps256.jwk(), "use": "enc"},
        {**rs256.jwk(), "alg": "RS512", "kid": "rs512"}, {**rs256.jwk(), "alg": "ES256", "kid": "mismatch"},
    ]}))
    write(target, "odd-entries.json", b'{"keys":[1,"x",null,[],{"kty":"oct","k":"c2VjcmV0","kid":"hmac"},'
          b'{"kty":"RSA","kid":7,"n":"AQAB","e":"AQAB"},{"kid":""},{"kty":"EC","crv":"P-256","kid":"e","x":null}],"extra":{"keys":[]}}')
    write(target, "not-a-jwks.json", b'{"keys":{"kty":"RSA"}}')
    write(target, "empty.json", b'{"keys":[]}')


def write_jsonrpc() -> None:
    target = "FuzzJSONRPC"
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {"elicitation": {}},
            "io.modelcontextprotocol/clientInfo": {"name": "fuzz", "version": "1"},
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    text = ("Gatehouse validates every token before a tool runs. It reads the header itself! "
            "Keys come from the issuer's JWKS? Unknown kids refresh at most once per cooldown.\n\n"
            "Ein zweiter Absatz mit Umlauten: äöü. 日本語の文。Emoji 👩‍👩‍👧 and e\u0301 combining.")
    messages = {
        "initialize-2025.json": {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}},
        "initialized-notification.json": {"jsonrpc": "2.0", "method": "notifications/initialized"},
        "ping.json": {"jsonrpc": "2.0", "id": "ping-1", "method": "ping"},
        "tools-list-2025.json": {"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
        "tools-call-echo-2025.json": {"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                      "params": {"name": "echo", "arguments": {"message": "hello \u00e9 \U0001F600"}}},
        "tools-call-summarize-2025.json": {"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                                           "params": {"name": "summarize", "arguments": {"text": text, "max_sentences": 2.0}}},
        "tools-call-whoami-null-args.json": {"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "whoami", "arguments": None}},
        "tools-call-unknown-tool.json": {"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "nope", "arguments": {}}},
        "tools-call-bad-arguments.json": {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "echo", "arguments": [1]}},
        "server-discover-2026.json": {"jsonrpc": "2.0", "id": 8, "method": "server/discover", "params": {"_meta": meta}},
        "tools-list-2026.json": {"jsonrpc": "2.0", "id": 9, "method": "tools/list", "params": {"_meta": meta}},
        "tools-call-timestamp-2026.json": {"jsonrpc": "2.0", "id": 10, "method": "tools/call",
                                           "params": {"name": "timestamp", "arguments": {}, "_meta": meta}},
        "tools-call-summarize-2026.json": {"jsonrpc": "2.0", "id": "s", "method": "tools/call",
                                           "params": {"name": "summarize", "arguments": {"text": text}, "_meta": meta}},
        "resources-read-2026.json": {"jsonrpc": "2.0", "id": 11, "method": "resources/read",
                                     "params": {"uri": "file:///etc/hosts", "_meta": meta}},
        "meta-wrong-types-2026.json": {"jsonrpc": "2.0", "id": 12, "method": "tools/list",
                                       "params": {"_meta": {"io.modelcontextprotocol/protocolVersion": 2026,
                                                            "io.modelcontextprotocol/clientCapabilities": [], "traceparent": "00-xyz"}}},
        "response-message.json": {"jsonrpc": "2.0", "id": 13, "result": {}},
        "error-message.json": {"jsonrpc": "2.0", "id": 14, "error": {"code": -32601, "message": "no"}},
        "id-null.json": {"jsonrpc": "2.0", "id": None, "method": "ping"},
        "id-float.json": {"jsonrpc": "2.0", "id": 1.5, "method": "ping"},
        "jsonrpc-1.json": {"jsonrpc": "1.0", "id": 1, "method": "ping"},
        "method-number.json": {"jsonrpc": "2.0", "id": 1, "method": 7},
        "batch.json": [{"jsonrpc": "2.0", "id": 1, "method": "ping"}, {"jsonrpc": "2.0", "method": "notifications/initialized"}],
        "rest-echo.json": {"message": "hi"},
        "rest-summarize.json": {"text": text, "max_sentences": 20},
        "rest-numbers.json": {"max_sentences": 1e400, "text": "-0", "n": -0.0, "big": 18446744073709551616},
        "rest-unknown-field.json": {"message": "hi", "extra": {"nested": [True, False, None]}},
    }
    for name, message in messages.items():
        write(target, name, json.dumps(message, ensure_ascii=False, separators=(",", ":")))
    write(target, "scalar.json", b'"just a string"')
    write(target, "whitespace.json", b" \r\n\t ")
    write(target, "not-json.json", b"{\"jsonrpc\":\"2.0\",")
    write(target, "escapes-and-lone-surrogate.json",
          b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"\\ud83d\\ude00 \\ud800 \\u0000\\n"}}}')
    write(target, "duplicate-keys.json", b'{"jsonrpc":"2.0","id":1,"method":"ping","method":"tools/list"}')


def http_request(method: str, path: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: mcp.fuzz.test"] + [f"{name}: {value}" for name, value in headers]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def write_http(rs256, es256, eddsa) -> None:
    target = "FuzzHTTPHandler"
    auth = ("Authorization", "Bearer " + eddsa.token())
    json_headers = [auth, ("Content-Type", "application/json"), ("Accept", "application/json, text/event-stream")]
    modern = [("MCP-Protocol-Version", "2026-07-28"), ("Mcp-Method", "tools/call"), ("Mcp-Name", "echo")]
    meta = {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}
    initialize = compact_json({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "fuzz", "version": "1"}}})
    call = compact_json({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                         "params": {"name": "echo", "arguments": {"message": "hi"}, "_meta": meta}})
    requests = {
        "get-healthz.http": http_request("GET", "/healthz", []),
        "head-readyz.http": http_request("HEAD", "/readyz", []),
        "get-metadata.http": http_request("GET", "/.well-known/oauth-protected-resource/mcp", []),
        "get-openapi.http": http_request("GET", "/openapi.json?x=1", [("Connection", "close")]),
        "get-docs-http10.http": b"GET /docs HTTP/1.0\r\n\r\n",
        "post-mcp-initialize.http": http_request("POST", "/mcp", json_headers, initialize),
        "post-mcp-2026-tools-call.http": http_request("POST", "/mcp", json_headers + modern, call),
        "post-mcp-no-token.http": http_request("POST", "/mcp", [("Content-Type", "application/json")], initialize),
        "post-mcp-expired-token.http": http_request("POST", "/mcp", [("Authorization", "Bearer " + rs256.token(claims(exp=1_700_000_600))),
                                                                     ("Content-Type", "application/json")], initialize),
        "post-mcp-token-in-query.http": http_request("POST", "/mcp?access_token=abc", json_headers, initialize),
        "post-mcp-two-authorizations.http": http_request("POST", "/mcp", json_headers + [("Authorization", "Bearer x")], initialize),
        "get-mcp.http": http_request("GET", "/mcp", [auth, ("Accept", "text/event-stream")]),
        "options-preflight.http": http_request("OPTIONS", "/mcp", [("Origin", "https://app.fuzz.test"),
                                                                   ("Access-Control-Request-Method", "POST")]),
        "post-mcp-foreign-origin.http": http_request("POST", "/mcp", json_headers + [("Origin", "https://evil.fuzz.test")], initialize),
        "get-tools.http": http_request("GET", "/tools", [("Authorization", "Bearer " + es256.token())]),
        "post-tools-summarize.http": http_request("POST", "/tools/summarize", json_headers,
                                                  compact_json({"text": "One. Two! Three?", "max_sentences": 1})),
        "post-tools-echo-text-plain.http": http_request("POST", "/tools/echo", [auth, ("Content-Type", "text/plain")], b'{"message":"x"}'),
        "delete-tools.http": http_request("DELETE", "/tools/echo", [auth]),
        "pipelined.http": http_request("GET", "/healthz", []) + http_request("POST", "/tools/whoami", [auth])
                          + http_request("POST", "/mcp", json_headers, initialize),
        "chunked.http": b"POST /tools/echo HTTP/1.1\r\nHost: mcp.fuzz.test\r\n" + f"{auth[0]}: {auth[1]}\r\n".encode()
                        + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + b"5\r\n{\"mes\r\n9\r\nsage\":\"hi\r\n2\r\n\"}\r\n0\r\n\r\n",
        "expect-100-continue.http": http_request("POST", "/mcp", json_headers + [("Expect", "100-continue")], initialize),
        "content-length-twice.http": b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "content-length-too-large.http": b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n{",
        "oversized-header.http": http_request("GET", "/healthz", [("X-Padding", "a" * 17_000)]),
        "not-http.http": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        "request-id.http": http_request("GET", "/healthz", [("X-Request-ID", "fuzz-request-0001")]),
    }
    for name, request in requests.items():
        write(target, name, request)


def write_fixture(jwks: dict, samples: dict, caller_token: str) -> None:
    kids = ", ".join(f'"{key["kid"]}"' for key in jwks["keys"])
    sample_lines = "\n".join(f'        "{alg}": "{token}",' for alg, token in samples.items())
    FIXTURE_SWIFT.write_text(f"""// Written by Tests/Fuzzing/make_corpus.py together with the corpus, whose tokens these keys
// signed; do not edit. Public keys only: the private halves were never written down.
enum FixtureJWKS {{
    static let keyIDs = [{kids}]
    static let document = #\"\"\"
{json.dumps(jwks, indent=2, sort_keys=True)}
\"\"\"#
    /// One valid token per algorithm.
    static let sampleTokens: [String: String] = [
{sample_lines}
    ]
    /// A valid token with every scope: the JSON-RPC target's caller.
    static let callerToken = "{caller_token}"
}}
""")


if __name__ == "__main__":
    main()
