#!/bin/sh
# Development TLS for nginx: a throw-away CA and a server certificate it signs, for localhost,
# 127.0.0.1 and ::1 (plus any extra DNS names given). Clients trust the CA with
# `curl --cacert certs/ca.crt`. Run by compose's one-shot `certs` service and by the nginx test.
#
#   docker/make-dev-certs.sh OUTPUT_DIR [EXTRA_DNS_NAME...]
#
# Existing certificates valid for at least another day are kept, so `docker compose up` does not
# replace a CA that clients already trust. Production uses real certificates instead.
set -eu

out="${1:?usage: make-dev-certs.sh OUTPUT_DIR [EXTRA_DNS_NAME...]}"
shift

if ! command -v openssl >/dev/null 2>&1; then
    echo "make-dev-certs: openssl is missing (compose's certs service has it: docker/certs.Dockerfile)" >&2
    exit 69
fi

mkdir -p "$out"
if [ -s "$out/server.crt" ] && [ -s "$out/server.key" ] && [ -s "$out/ca.crt" ] \
    && openssl x509 -in "$out/server.crt" -noout -checkend 86400 >/dev/null 2>&1; then
    echo "make-dev-certs: keeping the certificates in $out"
    exit 0
fi

umask 077
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for name in "$@"; do
    san="$san,DNS:$name"
done

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 825 \
    -subj "/CN=Gatehouse development CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -keyout "$work/ca.key" -out "$work/ca.crt" 2>/dev/null

openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 \
    -subj "/CN=localhost" -keyout "$work/server.key" -out "$work/server.csr" 2>/dev/null

cat > "$work/server.ext" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san
EXT
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" -CAkey "$work/ca.key" -CAcreateserial \
    -sha256 -days 397 -extfile "$work/server.ext" -out "$work/server.crt" 2>/dev/null

# The CA key is not kept: nothing else is ever signed with it.
chmod 644 "$work/ca.crt" "$work/server.crt"
chmod 600 "$work/server.key"
mv "$work/ca.crt" "$work/server.crt" "$work/server.key" "$out/"
echo "make-dev-certs: wrote $out/ca.crt, $out/server.crt, $out/server.key ($san)"
