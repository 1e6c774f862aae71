#!/bin/sh
# The Kubernetes secrets, one random value per file in deploy/kubernetes/secrets/, which
# kustomization.yaml's secretGenerator turns into the Secret gatehouse-secrets. Existing files
# are kept: to rotate a value, replace its file and apply again (the pods roll).
#
#   deploy/kubernetes/make-secrets.sh [SECRETS_DIR]
#
# An external Redis: write its password to secrets/redis_password yourself first. Every host of
# a fleet that shares one Redis needs the same shared_cache_key, in Kubernetes or not.
set -eu

dir="${1:-$(dirname "$0")/secrets}"
umask 077
mkdir -p "$dir"
chmod 700 "$dir"
for name in redis_password shared_cache_key; do
    file="$dir/$name"
    if [ -s "$file" ]; then
        echo "make-secrets: keeping $file"
        continue
    fi
    # 32 random bytes, hex: no character that needs quoting in a URL, a shell or a config file.
    od -An -N32 -tx1 /dev/urandom | tr -d ' \n' > "$file"
    echo "make-secrets: wrote $file"
done
