#!/usr/bin/env bash
# docker/Dockerfile and compose.yaml, built and run for real with podman. CI runs it last in
# scripts/test.sh.
#
#   scripts/container-test.sh [--keep]    (--keep leaves the stack up afterwards)
#
# No Docker engine and no image registry here, so:
#  1. The base images are made on this machine, under the names the Dockerfile and compose use:
#     debian:bookworm-slim from debootstrap, and a swift:6.3-bookworm stand-in (that base, the
#     toolchain's packages, and this machine's toolchain mounted read-only when building).
#  2. docker/Dockerfile is built as shipped, and its image runs: as its non-root user, on a
#     read-only root filesystem with a tmpfs; `gatehouse healthcheck` passes once it serves; a
#     token-validated tools/call through a published port, with the development IdP in its own
#     container as the provider; SIGTERM stops it within the grace period with status 0.
#  3. compose.yaml runs under podman-compose with Tests/Containers/compose.stand-ins.yaml, which
#     swaps only what cannot exist here (docs/deployment.md, "The stack tested with podman"), in
#     a scratch copy set up as the documentation says (.env, secrets). Services start in
#     dependency order and this script runs their healthchecks: podman 4.3 without systemd runs
#     none by itself, and podman-compose then ignores `condition: service_healthy`. Then, through
#     nginx over TLS: the 401 challenge, the protected resource metadata, a token from the IdP, a
#     tools/call, a note stored in the Redis container; the supervisor's /metrics for scrapers
#     on the internal network that present the metrics_token; `down` leaves nothing behind.
# Prints the time of each step and the total. One run at a time per machine (a lock): the stack
# publishes ports 80 and 443.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

keep=false
case "${1:-}" in
    --keep) keep=true ;;
    "") ;;
    *) echo "usage: $0 [--keep]" >&2; exit 64 ;;
esac

started=$SECONDS
scripts/install-deps.sh --containers

# podman reads this file instead of the machine's containers.conf: runc, ulimits, netavark.
export CONTAINERS_CONF="$repo/Tests/Containers/containers.conf"
podman_compose="$repo/Tests/Containers/.venv/bin/podman-compose"
python="$repo/Tests/Containers/.venv/bin/python"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"

# The names the Dockerfile's build arguments and compose.yaml use.
dockerfile_default() { sed -n "s/^ARG $1=//p" docker/Dockerfile; }
debian_image="docker.io/library/$(dockerfile_default RUNTIME_IMAGE)"
swift_image="docker.io/library/$(dockerfile_default SWIFT_IMAGE)"
gatehouse_image="gatehouse:local"
build_stage_image="gatehouse-build:local"
certs_image="gatehouse-certs:local"
# The stand-ins compose.stand-ins.yaml names.
idp_image="localhost/gatehouse-dev-idp:stand-in"
redis_image="localhost/gatehouse-stand-in/redis:7.0-bookworm"
nginx_image="localhost/gatehouse-stand-in/nginx:1.22-bookworm"

exec 9>/tmp/gatehouse-container-test.lock
if ! flock -n 9; then
    echo "waiting for another run of the container test on this machine"
    flock -w 3600 9
fi

work="$(mktemp -d /var/tmp/gatehouse-container-test.XXXXXX)"
logs="$work/logs"
mkdir -p "$logs"
stack="$work/stack"
image_network="gatehouse-ct"
image_containers=(gatehouse-ct-gatehouse gatehouse-ct-idp)

# ------------------------------------------------------------------------------------------
# Reporting

timings=()
step_name=""
step_started=0
step() {
    [[ -z "$step_name" ]] || timings+=("$(printf '%-72s %5d s' "$step_name" $((SECONDS - step_started)))")
    step_name="$1"
    step_started=$SECONDS
    [[ -z "$1" ]] || echo "== $1"
}

passed=0
failed=0
check() {
    local name="$1"
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "  ok    $name"
    else
        failed=$((failed + 1))
        echo "  FAIL  $name"
    fi
}

# Runs a logged command; on failure shows the end of its log and stops the run.
logged() {
    local log="$logs/$1"
    shift
    if ! "$@" > "$log" 2>&1; then
        echo "failed: $* (last lines of $log)"
        tail -n 40 "$log"
        exit 1
    fi
}

# poll SECONDS COMMAND...: until the command succeeds (0) or the deadline passes (1).
poll() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}

image_id() { podman image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

# A rebuilt image leaves its predecessor untagged, with the layers only it used; removing it
# (podman takes its untagged parents along, and keeps whatever a tagged image still uses) keeps
# repeated runs from filling the disk. Never a global prune: other builds on this machine keep
# their layer caches.
forget_replaced() {
    local id
    for id in "$@"; do
        [[ -n "$id" ]] || continue
        if podman image exists "$id" && [[ -z "$(podman image inspect --format '{{join .RepoTags ""}}' "$id" 2>/dev/null)" ]]; then
            podman rmi "$id" > /dev/null 2>> "$logs/podman-rmi.log" || true
        fi
    done
}

# build_image LOG TAG PODMAN_BUILD_ARGUMENT...: a logged, niced build in Docker's image format
# (podman's default, OCI, has no HEALTHCHECK and drops a Dockerfile's), never pulling, with the
# image it replaces under that tag removed.
build_image() {
    local log="$1" tag="$2" replaced
    shift 2
    replaced="$(image_id "$tag")"
    logged "$log" nice podman build --pull=never --format docker -t "$tag" "$@"
    forget_replaced "$replaced"
}

compose() {
    (cd "$stack" && nice "$podman_compose" -f compose.yaml -f Tests/Containers/compose.stand-ins.yaml "$@")
}

# The last lines each container logged, when something failed.
dump_logs() {
    local container
    for container in "$@"; do
        echo "---- podman logs $container (last 30 lines)"
        podman logs --tail 30 "$container" 2>&1 || true
    done
}
stack_containers() { podman ps -a --filter label=com.docker.compose.project=gatehouse --format '{{.Names}}'; }

# `down -v`, anonymous volumes included (the Redis image's /data): Docker Compose removes them,
# podman-compose 1.6 only the project's named ones.
compose_down() {
    local anonymous_volumes volume
    anonymous_volumes="$(stack_containers | xargs -r podman inspect \
        --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}')"
    compose down -v || return
    for volume in $anonymous_volumes; do
        podman volume rm "$volume" > /dev/null 2>&1 || true
    done
}

cleanup() {
    local status=$?
    step ""
    if ((status != 0 || failed != 0)) && [[ -d "$stack" ]]; then
        # shellcheck disable=SC2046 # one name per word
        dump_logs $(stack_containers)
    fi
    if $keep && [[ -d "$stack" ]]; then
        echo "the stack is still up (--keep): cd $stack && CONTAINERS_CONF=$CONTAINERS_CONF $podman_compose -f compose.yaml -f Tests/Containers/compose.stand-ins.yaml down -v"
    else
        [[ ! -d "$stack" ]] || compose_down >> "$logs/compose-down.log" 2>&1 || true
        if ((status != 0 || failed != 0)); then
            echo "the logs of this run are in $logs"
        else
            rm -rf "$work"
        fi
    fi
    podman rm -f -t 0 "${image_containers[@]}" >/dev/null 2>&1 || true
    podman network rm -f "$image_network" >/dev/null 2>&1 || true
    echo "== container test: times"
    printf '  %s\n' "${timings[@]}"
    printf '  %-72s %5d s\n' "total" $((SECONDS - started))
    echo "container-test: $passed passed, $failed failed"
    ((failed == 0)) || status=1
    exit "$status"
}
trap cleanup EXIT

# ------------------------------------------------------------------------------------------
# 1. Base images

step "base images: debian:bookworm-slim (debootstrap), swift stand-in"

# debian:bookworm-slim as the official image is made (debuerreotype): a minbase debootstrap
# without documentation, manual pages and translations (now and in every later install), apt
# cleaning its caches after each install, and the suites the official image lists.
make_debian_base() {
    local rootfs="$work/rootfs"
    logged debootstrap.log nice debootstrap --variant=minbase bookworm "$rootfs" "$mirror"
    cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'EXCLUDES'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/man/*
EXCLUDES
    echo force-unsafe-io > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
    cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CLEAN
    echo 'Acquire::Languages "none";' > "$rootfs/etc/apt/apt.conf.d/docker-no-languages"
    echo 'Acquire::GzipIndexes "true";' > "$rootfs/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo 'Apt::AutoRemove::SuggestsImportant "false";' > "$rootfs/etc/apt/apt.conf.d/docker-autoremove-suggests"
    find "$rootfs/usr/share/doc" -mindepth 1 -not -type d -not -name copyright -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{groff,info,linda,locale,man}/* "$rootfs"/usr/share/lintian/overrides/* \
        "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
        "$rootfs/etc/apt/sources.list"
    cat > "$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security_mirror
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
    tar -C "$rootfs" -c . | podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$debian_image" > "$logs/import.log" 2>&1
    rm -rf "$rootfs"
}
if podman image exists "$debian_image"; then
    echo "  $debian_image: already made"
else
    make_debian_base
fi

# The toolchain's root (the directory holding usr/bin/swift), mounted at the same path.
swift_bin="$(dirname "$(readlink -f "$(command -v swift)")")"
toolchain="$(cd "$swift_bin/../.." && pwd)"
if [[ "$toolchain" == "/" ]]; then
    echo "the Swift toolchain is installed in /usr; the build container needs it in a directory of its own" >&2
    exit 1
fi
build_image swift-image.log "$swift_image" -f Tests/Containers/swift.Containerfile \
    --build-arg "SWIFT_TOOLCHAIN=$toolchain" Tests/Containers

# What a build container needs besides: the machine's git mirror of the Swift packages and the
# system git configuration's insteadOf lines that map GitHub URLs onto it (none where the
# packages come from the network).
build_volumes=(-v "$toolchain:$toolchain:ro")
gitconfig="$work/gitconfig"
: > "$gitconfig"
declare -A mirrors=()
while read -r key value; do
    base="${key#url.}"
    base="${base%.insteadof}"
    git config --file "$gitconfig" --add "url.$base.insteadOf" "$value"
    [[ "$base" != /* ]] || mirrors["${base%/}"]=1
done < <(git config --system --get-regexp '^url\..*\.insteadof$' || true)
for mirror_path in "${!mirrors[@]}"; do
    build_volumes+=(-v "$mirror_path:$mirror_path:ro")
done
build_volumes+=(-v "$gitconfig:/etc/gitconfig:ro")

# ------------------------------------------------------------------------------------------
# 2. The image

step "gatehouse image: docker/Dockerfile (release build)"
# Two passes: the build stage with the mounts it needs, then the whole file without them, which
# takes the build stage from the layer cache (mounts are not part of its key). Mounts given to
# a build reach every stage, and podman leaves their mount points behind in the layers (empty
# /opt/swift, /etc/gitconfig): the runtime stage must never see them.
build_image gatehouse-build-stage.log "$build_stage_image" -f docker/Dockerfile --target build "${build_volumes[@]}" .
build_image gatehouse-image.log "$gatehouse_image" -f docker/Dockerfile .
image_bytes="$(podman image inspect --format '{{.Size}}' "$gatehouse_image")"
echo "  $gatehouse_image: $((image_bytes / 1000000)) MB"

step "stand-in images: development IdP, Redis, nginx, certs"
# The IdP from the test build (scripts/test.sh passes GATEHOUSE_BUILD_DIR), with the Swift
# runtime libraries it links.
if [[ -z "${GATEHOUSE_BUILD_DIR:-}" ]]; then
    logged dev-idp-build.log nice swift build -Xswiftc -assert-config -Xswiftc Release --product gatehouse-dev-idp
fi
build_dir="${GATEHOUSE_BUILD_DIR:-$(swift build -Xswiftc -assert-config -Xswiftc Release --show-bin-path)}"
idp_context="$work/dev-idp"
mkdir -p "$idp_context"
cp "$build_dir/gatehouse-dev-idp" "$idp_context/"
ldd "$build_dir/gatehouse-dev-idp" | awk -v root="$toolchain/" 'index($3, root) == 1 { print $3 }' \
    | xargs -r cp -t "$idp_context/"
build_image dev-idp-image.log "$idp_image" -f Tests/Containers/dev-idp.Containerfile "$idp_context"
build_image redis-image.log "$redis_image" -f Tests/Containers/redis.Containerfile Tests/Containers
build_image nginx-image.log "$nginx_image" -f Tests/Containers/nginx/Containerfile Tests/Containers/nginx
build_image certs-image.log "$certs_image" -f docker/certs.Dockerfile docker

step "the image alone: user, read-only root, healthcheck, tools/call, SIGTERM"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
port="$(free_port)"
idp_port="$(free_port)"
resource="http://127.0.0.1:$port/mcp"
client_secret="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
printf '%s\n' "$client_secret" > "$work/mcp_client_secret"
chmod 644 "$work/mcp_client_secret"

podman rm -f -t 0 "${image_containers[@]}" >/dev/null 2>&1 || true
podman network rm -f "$image_network" >/dev/null 2>&1 || true
podman network create "$image_network" >/dev/null
# The IdP as the provider: issuer http://idp:8080/realms/mcp-realm, which Gatehouse reaches by
# that name (discovery, then keys); this script asks for tokens through its published port.
podman run -d --name gatehouse-ct-idp --network "$image_network" --network-alias idp \
    -p "127.0.0.1:$idp_port:8080" -v "$work/mcp_client_secret:/run/secrets/mcp_client_secret:ro" \
    "$idp_image" --host=0.0.0.0 --port=8080 --hostname=http://idp:8080 --audience="$resource" \
    --client-secret-file=/run/secrets/mcp_client_secret > /dev/null 2>> "$logs/podman-run.log"
# As compose.yaml runs it: read-only root, a tmpfs /tmp, no capabilities, no new privileges;
# the user is the image's own.
podman run -d --name gatehouse-ct-gatehouse --network "$image_network" -p "127.0.0.1:$port:8000" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges \
    -e GATEHOUSE_RESOURCE="$resource" -e GATEHOUSE_ISSUER=http://idp:8080/realms/mcp-realm \
    -e GATEHOUSE_ALLOW_INSECURE_HTTP=true -e GATEHOUSE_WORKERS=2 \
    "$gatehouse_image" > /dev/null 2>> "$logs/podman-run.log"

token_from() {  # token_from TOKEN_ENDPOINT SECRET SCOPE [CURL_OPTION...]
    local endpoint="$1" secret="$2" scope="$3"
    shift 3
    curl -m 20 -fsS "$@" -u "mcp-client:$secret" -d grant_type=client_credentials -d "scope=$scope" "$endpoint" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])'
}

tool_call() {  # tool_call URL TOKEN TOOL ARGUMENTS_JSON [CURL_OPTION...]: the result's text
    local url="$1" token="$2" tool="$3" arguments="$4"
    shift 4
    curl -m 20 -fsS "$@" "$url" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -H 'Accept: application/json, text/event-stream' \
        -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"$tool\",\"arguments\":$arguments}}" \
        | python3 -c '
import json, sys
reply = json.load(sys.stdin)
result = reply["result"]
assert not result.get("isError"), reply
print(" ".join(item.get("text", "") for item in result["content"]))'
}

healthy() { podman healthcheck run "$1"; }

runs_as_image_user() {
    # Every process: the supervisor and its workers (podman top reads /proc from the host).
    local users
    users="$(podman top gatehouse-ct-gatehouse huser | tail -n +2 | sort -u)"
    echo "    processes run as uid: $users"
    [[ "$users" == "10001" ]] && [[ "$(podman image inspect --format '{{.Config.User}}' "$gatehouse_image")" == "10001:10001" ]]
}

read_only_root_with_tmpfs() {
    [[ "$(podman inspect --format '{{.HostConfig.ReadonlyRootfs}}' gatehouse-ct-gatehouse)" == "true" ]] \
        && ! podman exec gatehouse-ct-gatehouse sh -c 'echo x > /probe' 2>/dev/null \
        && podman exec gatehouse-ct-gatehouse sh -c 'echo x > /tmp/probe && grep -q "^tmpfs /tmp " /proc/mounts'
}

answers_tools_call() {
    local token answer
    token="$(token_from "http://127.0.0.1:$idp_port/realms/mcp-realm/protocol/openid-connect/token" "$client_secret" mcp:read)"
    answer="$(tool_call "http://127.0.0.1:$port/mcp" "$token" echo '{"message":"hello from the image"}')"
    echo "    echo answered: $answer"
    [[ "$answer" == *"hello from the image"* ]]
}

refuses_without_token() {
    curl -m 20 -sS -o /dev/null -D - -X POST "http://127.0.0.1:$port/mcp" \
        | grep -qi "^www-authenticate: Bearer resource_metadata=\"http://127.0.0.1:$port/.well-known/oauth-protected-resource/mcp\""
}

stops_on_sigterm() {
    # compose.yaml's stop_grace_period: podman sends the image's STOPSIGNAL, then SIGKILL.
    local grace=40 begin end status
    begin="$(date +%s%N)"
    podman stop -t "$grace" gatehouse-ct-gatehouse > /dev/null 2>> "$logs/podman-stop.log"
    end="$(date +%s%N)"
    status="$(podman inspect --format '{{.State.ExitCode}}' gatehouse-ct-gatehouse)"
    echo "    stopped in $(((end - begin) / 1000000)) ms with status $status (grace ${grace} s)"
    [[ "$status" == 0 ]] && (((end - begin) / 1000000000 < grace))
}

nothing_of_the_build_mounts() {
    # podman build -v mounts must leave nothing in the image (no toolchain, no git mapping).
    podman run --rm --entrypoint /bin/sh "$gatehouse_image" -c "! test -e '$toolchain' && ! test -e /etc/gitconfig" \
        2>> "$logs/podman-run.log"
}

check "the IdP container serves its discovery document" \
    poll 30 curl -m 2 -fsS "http://127.0.0.1:$idp_port/realms/mcp-realm/.well-known/openid-configuration"
check "gatehouse healthcheck passes once it serves" poll 60 healthy gatehouse-ct-gatehouse
check "supervisor and workers run as the image's user 10001" runs_as_image_user
check "read-only root filesystem, writable tmpfs /tmp" read_only_root_with_tmpfs
check "401 challenge without a token" refuses_without_token
check "token-validated tools/call through the published port" answers_tools_call
check "SIGTERM: stopped within the grace period, status 0" stops_on_sigterm
check "nothing of the build's mounts in the image" nothing_of_the_build_mounts
((failed == 0)) || dump_logs "${image_containers[@]}"
podman rm -f -t 0 "${image_containers[@]}" > /dev/null 2>> "$logs/podman-rm.log"
podman network rm -f "$image_network" > /dev/null

# ------------------------------------------------------------------------------------------
# 3. The stack

step "compose: up in dependency order, healthchecks run here"
# A scratch copy of the deployment files, set up as docs/deployment.md says; the checkout's own
# .env, secrets and certs are never touched.
mkdir -p "$stack/Tests/Containers"
cp -r compose.yaml .env.example docker nginx "$stack/"
cp Tests/Containers/compose.stand-ins.yaml "$stack/Tests/Containers/"
(cd "$stack" && cp .env.example .env && sh docker/make-dev-secrets.sh > /dev/null)
# Whatever an interrupted run left behind.
compose_down > "$logs/compose-down-before.log" 2>&1 || true
volumes_before="$(podman volume ls -q | sort)"
# compose.yaml publishes nginx on ports 80 and 443 of every interface, as shipped.
busy="$(ss -Hltn 'sport = :80 or sport = :443')"
if [[ -n "$busy" ]]; then
    echo "ports 80 and 443 must be free for the stack's nginx; in use:" >&2
    echo "$busy" >&2
    exit 1
fi

up_started=$SECONDS
logged compose-up.log compose up -d --no-start
compose config > "$work/compose-config.yaml" 2> "$logs/compose-config.log"
"$python" Tests/Containers/start_order.py < "$work/compose-config.yaml" > "$work/start-order"
container_of() {
    podman ps -a --filter "label=com.docker.compose.project=gatehouse" \
        --filter "label=com.docker.compose.service=$1" --format '{{.Names}}' | head -n 1
}
exited_with_zero() {
    [[ "$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$1")" == "exited 0" ]]
}
running() { [[ "$(podman inspect --format '{{.State.Status}}' "$1")" == "running" ]]; }
# On descriptor 3: podman reads standard input.
while IFS=$'\t' read -r service wait_for deadline _ <&3; do
    container="$(container_of "$service")"
    service_started=$SECONDS
    podman start "$container" > /dev/null 2>> "$logs/podman-start.log"
    case "$wait_for" in
        healthy) check "$service: healthy (healthcheck run by this script)" poll "$deadline" healthy "$container" ;;
        completed) check "$service: completed successfully" poll "$deadline" exited_with_zero "$container" ;;
        running) check "$service: running" poll "$deadline" running "$container" ;;
    esac
    echo "    $service after $((SECONDS - service_started)) s"
done 3< "$work/start-order"
up_seconds=$((SECONDS - up_started))
echo "  up to healthy: $up_seconds s"

step "compose: through nginx over TLS"
curl_tls=(--cacert "$stack/certs/ca.crt" --resolve localhost:443:127.0.0.1 --resolve localhost:80:127.0.0.1)
origin="https://localhost"

redirects_to_https() {
    curl -m 20 -sS -o /dev/null -D - "${curl_tls[@]}" http://localhost/readyz | grep -qi "^location: https://localhost/readyz"
}

stack_challenge() {
    local headers
    headers="$(curl -m 20 -sS -o /dev/null -D - "${curl_tls[@]}" -X POST "$origin/mcp")"
    grep -q "^HTTP/[0-9.]* 401" <<< "$headers" \
        && grep -qi "^www-authenticate: Bearer resource_metadata=\"$origin/.well-known/oauth-protected-resource/mcp\"" <<< "$headers" \
        && grep -qi "^strict-transport-security: max-age=" <<< "$headers"
}

stack_metadata() {
    curl -m 20 -fsS "${curl_tls[@]}" "$origin/.well-known/oauth-protected-resource/mcp" | python3 -c '
import json, sys
metadata = json.load(sys.stdin)
assert metadata["resource"] == "https://localhost/mcp", metadata
assert metadata["authorization_servers"] == ["https://localhost/realms/mcp-realm"], metadata'
}

stack_discovery() {
    # Where an MCP client looks for the authorization server's metadata (RFC 8414).
    curl -m 20 -fsS "${curl_tls[@]}" "$origin/.well-known/oauth-authorization-server/realms/mcp-realm" | python3 -c '
import json, sys
assert json.load(sys.stdin)["issuer"] == "https://localhost/realms/mcp-realm"'
}

stack_token=""
stack_token_is_keycloaks_shape() {
    stack_token="$(token_from "$origin/realms/mcp-realm/protocol/openid-connect/token" \
        "$(cat "$stack/secrets/mcp_client_secret")" "mcp:read mcp:write" "${curl_tls[@]}")" || return 1
    python3 - "$stack_token" <<'PY'
import base64, json, sys
payload = sys.argv[1].split(".")[1]
claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
assert claims["iss"] == "https://localhost/realms/mcp-realm", claims
audience = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
assert "https://localhost/mcp" in audience, claims
assert {"mcp:read", "mcp:write"} <= set(claims["scope"].split()), claims
PY
}

stack_tool_call() {
    local answer
    answer="$(tool_call "$origin/mcp" "$stack_token" echo '{"message":"hello through nginx"}' "${curl_tls[@]}")"
    echo "    echo answered: $answer"
    [[ "$answer" == *"hello through nginx"* ]]
}

note="written through nginx at $(date -u +%FT%TZ)"
redis_cli() {
    podman exec "$(container_of redis)" sh -c 'REDISCLI_AUTH="$(cat /run/secrets/redis_password)" exec redis-cli "$@"' redis-cli "$@"
}
note_lands_in_redis() {
    # The worker opened its notes connections when it started. A worker whose connection
    # broke reconnects on the next call, name lookup included, and podman 4.3's aardvark-dns now
    # and then answers no lookup on a network for tens of seconds after a container joins it
    # (containers/aardvark-dns#389); the tool then says the storage is unavailable and to try
    # again, and so the check does, as a client would, up to three times.
    local started=$EPOCHREALTIME attempt
    for attempt in 1 2 3; do
        if tool_call "$origin/mcp" "$stack_token" notes_put "{\"id\":\"container-test\",\"text\":\"$note\"}" \
            "${curl_tls[@]}" > /dev/null 2>> "$logs/notes-put.log"; then
            break
        fi
        ((attempt < 3)) || return 1
        echo "    notes_put attempt $attempt failed ($(tail -n 1 "$logs/notes-put.log" | cut -c1-160)); trying again"
    done
    echo "    notes_put answered in $(( (${EPOCHREALTIME/./} - ${started/./}) / 1000 )) ms, attempt $attempt"
    local key
    key="$(redis_cli --scan --pattern 'gatehouse:notes:*' | head -n 1)"
    echo "    Redis holds $key"
    [[ -n "$key" ]] && redis_cli hvals "$key" | grep -qF "$note"
}

keys_shared_through_redis() {
    local keys
    keys="$(redis_cli --scan --pattern 'gatehouse:*' | grep -v '^gatehouse:notes:' | tr '\n' ' ')"
    echo "    Redis keys: $keys"
    [[ "$keys" == *jwks* ]]
}

# The status code of a GET sent from inside a service's container (bash's /dev/tcp: none of
# the images has curl): status_in SERVICE HOST:PORT PATH [HEADER].
status_in() {
    podman exec "$(container_of "$1")" bash -c '
        exec 3<>"/dev/tcp/${1%:*}/${1##*:}"
        printf "GET %s HTTP/1.1\r\nHost: %s\r\n%bConnection: close\r\n\r\n" "$2" "$1" "${3:+$3\r\n}" >&3
        read -r _ status _ <&3
        echo "$status"' status_in "$2" "$3" "${4:-}"
}

idp_admin_is_off() {
    # The IdP's /admin controls sign anything; off when it listens beyond loopback, and nginx
    # does not proxy /admin/ either.
    [[ "$(status_in keycloak 127.0.0.1:8080 /admin/keys)" == 404 ]] \
        && [[ "$(curl -m 20 -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" "$origin/admin/keys")" == 404 ]]
}

metrics_on_the_internal_network_only() {
    # The supervisor's /metrics (GATEHOUSE_METRICS_BIND) answers scrapers on the internal
    # network that present the metrics_token secret, as Prometheus's scrape does; nginx never
    # proxies it.
    local with without outside
    with="$(status_in nginx gatehouse:9464 /metrics "Authorization: Bearer $(cat "$stack/secrets/metrics_token")")"
    without="$(status_in nginx gatehouse:9464 /metrics)"
    outside="$(curl -m 20 -s -o /dev/null -w '%{http_code}' "${curl_tls[@]}" "$origin/metrics")"
    echo "    /metrics: $with with the token, $without without, $outside through nginx"
    [[ "$with" == 200 && "$without" == 401 && "$outside" != 200 ]]
}

internal_network_is_internal() {
    [[ "$(podman network inspect --format '{{.Internal}}' gatehouse_internal)" == "true" ]]
}

# Compose calls nginx started once its process runs; it serves a moment later.
check "nginx answers over TLS: /readyz through to Gatehouse" poll 30 curl -m 2 -fsS "${curl_tls[@]}" "$origin/readyz"
check "HTTP redirects to HTTPS" redirects_to_https
check "401 challenge with resource_metadata and HSTS" stack_challenge
check "protected resource metadata names the IdP as authorization server" stack_metadata
check "authorization server metadata at the RFC 8414 path" stack_discovery
check "a token from the IdP: Keycloak's issuer, audience and scopes" stack_token_is_keycloaks_shape
check "token-validated tools/call" stack_tool_call
check "notes_put stores the note in the Redis container" note_lands_in_redis
check "the JWKS is shared through Redis" keys_shared_through_redis
check "the IdP's /admin controls are unreachable" idp_admin_is_off
check "/metrics: with the metrics_token on the internal network only" metrics_on_the_internal_network_only
check "the internal network is internal" internal_network_is_internal

if ((failed > 0)); then
    # shellcheck disable=SC2046 # one name per word
    dump_logs $(stack_containers)
fi
if $keep; then
    exit 0
fi

step "compose: stop and down"
# What `docker compose stop` does, dependents first: each service's stop signal, then SIGKILL
# once its stop_grace_period is over. Status 0 means it left by itself, in time.
stops_cleanly() {
    local container="$1" grace="$2" begin end status
    begin=$SECONDS
    podman stop -t "$grace" "$container" > /dev/null 2>> "$logs/podman-stop.log"
    end=$SECONDS
    status="$(podman inspect --format '{{.State.ExitCode}}' "$container")"
    echo "    $container: $((end - begin)) s, status $status"
    [[ "$status" == 0 ]] && ((end - begin < grace))
}
while IFS=$'\t' read -r service wait_for _ grace <&3; do
    [[ "$wait_for" != completed ]] || continue
    check "$service: stops by itself within its grace period, status 0" stops_cleanly "$(container_of "$service")" "$grace"
done 3< <(tac "$work/start-order")
logged compose-down.log compose_down
leftovers() {
    local containers networks volumes
    containers="$(stack_containers)"
    networks="$(podman network ls --format '{{.Name}}' | grep '^gatehouse_' || true)"
    volumes="$(comm -13 <(echo "$volumes_before") <(podman volume ls -q | sort))"
    [[ -z "$containers$networks$volumes" ]] || { echo "    left: $containers $networks $volumes"; return 1; }
}
check "down removes containers, networks and volumes" leftovers
rm -rf "$stack"
echo "  image size: $((image_bytes / 1000000)) MB; up to healthy: $up_seconds s"
