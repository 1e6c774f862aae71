#!/bin/sh
# The compose stack's secrets, one random value per file in ./secrets (never in compose.yaml,
# .env or an image layer). Existing files are kept.
#
#   docker/make-dev-secrets.sh [SECRETS_DIR]
#
# Compose (without Swarm) bind-mounts a secret file with its own mode, and the containers read
# it as their non-root users, so each file is world-readable while the directory is not: only
# its owner (and the Docker daemon) can reach the files on the host.
set -eu

dir="${1:-$(dirname "$0")/../secrets}"
mkdir -p "$dir"
chmod 700 "$dir"
for name in postgres_password keycloak_admin_password mcp_client_secret redis_password shared_cache_key metrics_token; do
    file="$dir/$name"
    if [ -s "$file" ]; then
        echo "make-dev-secrets: keeping $file"
        continue
    fi
    # 32 random bytes, hex: no character that needs quoting in a URL, a shell or a config file.
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file"
    chmod 644 "$file"
    echo "make-dev-secrets: wrote $file"
done
