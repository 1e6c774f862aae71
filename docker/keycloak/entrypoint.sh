#!/bin/bash
# Keycloak reads no *_FILE variables, so the Docker secrets it needs become environment
# variables of its own process here (never of the image or the compose file): the database
# password, the first admin's password, and MCP_CLIENT_SECRET for the realm import's
# ${MCP_CLIENT_SECRET} placeholder. Then Keycloak starts with the compose file's arguments.
set -euo pipefail

read_secret() {
    local path="/run/secrets/$1"
    [[ -r $path ]] || { echo "keycloak: missing secret $path (run docker/make-dev-secrets.sh)" >&2; exit 1; }
    # $(<file) drops trailing newlines, which secret files usually end with.
    printf '%s' "$(<"$path")"
}

KC_DB_PASSWORD="$(read_secret postgres_password)"
KC_BOOTSTRAP_ADMIN_PASSWORD="$(read_secret keycloak_admin_password)"
MCP_CLIENT_SECRET="$(read_secret mcp_client_secret)"
export KC_DB_PASSWORD KC_BOOTSTRAP_ADMIN_PASSWORD MCP_CLIENT_SECRET

exec /opt/keycloak/bin/kc.sh "$@"
