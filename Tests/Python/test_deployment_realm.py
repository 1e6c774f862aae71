"""The Keycloak realm import (docker/keycloak/mcp-realm.json): scopes, audience, clients.

Keycloak is not run here; each check names the realm setting that makes Keycloak issue tokens
Gatehouse accepts (scope claim, aud = the resource, sub) and keeps its clients safe.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

from deployment_support import COMPOSE_FILE, ENV_EXAMPLE, REALM_FILE, parse_env_file

MCP_SCOPES = ("mcp:read", "mcp:write", "mcp:infer")


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    return json.loads(REALM_FILE.read_text())


def scope_named(realm: dict[str, Any], name: str) -> dict[str, Any]:
    matches = [scope for scope in realm["clientScopes"] if scope["name"] == name]
    assert len(matches) == 1, f"client scope {name}: {len(matches)} definitions"
    return matches[0]


def client_named(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    matches = [client for client in realm["clients"] if client["clientId"] == client_id]
    assert len(matches) == 1, client_id
    return matches[0]


def mappers(scope: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [mapper for mapper in scope.get("protocolMappers", []) if mapper["protocolMapper"] == kind]


def test_realm_is_mcp_realm_and_enabled(realm: dict[str, Any]) -> None:
    assert realm["realm"] == "mcp-realm"
    assert realm["enabled"] is True
    # The issuer Gatehouse expects ends with the realm name.
    assert parse_env_file(ENV_EXAMPLE)[0]["GATEHOUSE_ISSUER"].endswith("/realms/" + realm["realm"])


@pytest.mark.parametrize("name", MCP_SCOPES)
def test_mcp_scope_is_in_the_token_scope_and_adds_the_resource_audience(realm: dict[str, Any], name: str) -> None:
    scope = scope_named(realm, name)
    assert scope["protocol"] == "openid-connect"
    assert scope["attributes"]["include.in.token.scope"] == "true"
    audience = mappers(scope, "oidc-audience-mapper")
    assert len(audience) == 1
    config = audience[0]["config"]
    assert config["included.custom.audience"] == "${GATEHOUSE_RESOURCE}"
    assert config["access.token.claim"] == "true"
    # The resource is an access-token audience only; ID tokens are for the client.
    assert config.get("id.token.claim", "false") == "false"


def test_audience_placeholder_is_filled_from_the_same_variable_gatehouse_uses() -> None:
    keycloak_env = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["keycloak"]["environment"]
    assert keycloak_env["GATEHOUSE_RESOURCE"].startswith("${GATEHOUSE_RESOURCE")
    assert "GATEHOUSE_RESOURCE" in parse_env_file(ENV_EXAMPLE)[0]


def test_basic_scope_is_redeclared_with_sub_and_auth_time(realm: dict[str, Any]) -> None:
    # Declaring clientScopes replaces Keycloak's built-ins; without `basic` tokens have no sub.
    basic = scope_named(realm, "basic")
    sub = mappers(basic, "oidc-sub-mapper")
    assert len(sub) == 1 and sub[0]["config"]["access.token.claim"] == "true"
    auth_time = mappers(basic, "oidc-usersessionmodel-note-mapper")
    assert auth_time and auth_time[0]["config"]["claim.name"] == "auth_time"
    assert auth_time[0]["config"]["user.session.note"] == "AUTH_TIME"


def test_roles_scope_maps_realm_roles_into_realm_access(realm: dict[str, Any]) -> None:
    roles = mappers(scope_named(realm, "roles"), "oidc-usermodel-realm-role-mapper")
    assert len(roles) == 1
    assert roles[0]["config"]["claim.name"] == "realm_access.roles"
    assert roles[0]["config"]["multivalued"] == "true"
    assert roles[0]["config"]["access.token.claim"] == "true"


def test_every_scope_a_client_names_is_declared(realm: dict[str, Any]) -> None:
    declared = {scope["name"] for scope in realm["clientScopes"]}
    named = set(realm.get("defaultDefaultClientScopes", [])) | set(realm.get("defaultOptionalClientScopes", []))
    for client in realm["clients"]:
        named |= set(client.get("defaultClientScopes", [])) | set(client.get("optionalClientScopes", []))
    assert named <= declared, named - declared


def test_confidential_client_uses_client_credentials_with_a_placeholder_secret(realm: dict[str, Any]) -> None:
    client = client_named(realm, "mcp-client")
    assert client["publicClient"] is False
    assert client["serviceAccountsEnabled"] is True
    assert client["clientAuthenticatorType"] == "client-secret"
    assert re.fullmatch(r"\$\{[A-Z_]+\}", client["secret"])
    # Machines only: no browser flow, no passwords.
    assert client["standardFlowEnabled"] is False
    assert client["implicitFlowEnabled"] is False
    assert client["directAccessGrantsEnabled"] is False
    assert "mcp:read" in client["defaultClientScopes"] and "basic" in client["defaultClientScopes"]
    assert {"mcp:write", "mcp:infer"} <= set(client["optionalClientScopes"])
    assert not {"mcp:write", "mcp:infer"} & set(client["defaultClientScopes"])


def test_public_client_requires_pkce_s256_and_loopback_redirects(realm: dict[str, Any]) -> None:
    client = client_named(realm, "mcp-public")
    assert client["publicClient"] is True
    assert client["standardFlowEnabled"] is True
    assert client["implicitFlowEnabled"] is False
    assert client["directAccessGrantsEnabled"] is False
    assert client.get("serviceAccountsEnabled", False) is False
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert sorted(client["redirectUris"]) == ["http://127.0.0.1/*", "http://localhost/*"]
    assert not client.get("webOrigins")
    assert "mcp:read" in client["defaultClientScopes"]
    assert {"mcp:write", "mcp:infer"} <= set(client["optionalClientScopes"])


def test_every_placeholder_is_provided_to_keycloak() -> None:
    placeholders = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", REALM_FILE.read_text()))
    keycloak = yaml.safe_load(COMPOSE_FILE.read_text())["services"]["keycloak"]
    wrapper = (COMPOSE_FILE.parent / "docker" / "keycloak" / "entrypoint.sh").read_text()
    exported = set(re.findall(r"^export (.+)$", wrapper, re.M)[0].split()) if "export" in wrapper else set()
    assert placeholders == {"GATEHOUSE_RESOURCE", "MCP_CLIENT_SECRET"}
    assert placeholders <= set(keycloak["environment"]) | exported
