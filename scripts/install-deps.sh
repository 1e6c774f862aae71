#!/usr/bin/env bash
# Installs what building and testing Gatehouse needs on Debian/Ubuntu: the C libraries the
# package links (libcurl with OpenSSL), the tools the deployment tests run for real (nginx,
# openssl, systemd-analyze, strace, prometheus and promtool; iproute2 for the fleet test's
# network namespaces), and a Python virtual environment for the end-to-end tests.
# --containers adds podman and what scripts/container-test.sh makes images with (debootstrap),
# and podman-compose in Tests/Containers/.venv.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcurl4-openssl-dev libsystemd-dev libhiredis-dev redis-server pkg-config python3-venv systemd nginx openssl strace iproute2 prometheus)
venvs=()
while (($#)); do
    case "$1" in
        --with-python) venvs+=(".venv:Tests/Python/requirements.txt") ;;
        --bench-python) venvs+=("bench/.venv:bench/requirements.txt") ;;
        # runc: crun refuses this host's hybrid cgroups; netavark and aardvark-dns: name
        # resolution between containers, also on internal networks.
        --containers)
            packages+=(podman runc netavark aardvark-dns debootstrap)
            venvs+=("Tests/Containers/.venv:Tests/Containers/requirements.txt") ;;
        --packages) shift; packages+=("$@"); break ;;  # what a caller needs besides, e.g. bench/run.sh
        *) echo "usage: $0 [--with-python] [--bench-python] [--containers] [--packages NAME...]" >&2; exit 64 ;;
    esac
    shift
done
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing Debian packages: ${missing[*]}"
    sudo_cmd=()
    [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

for venv in "${venvs[@]}"; do
    directory="${venv%%:*}"
    requirements="${venv#*:}"
    # A stamp of the requirements in the venv: an edited requirements file updates the venv
    # instead of being skipped because an older set of packages still imports.
    stamp="$directory/requirements.sha256"
    wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [[ ! -x "$directory/bin/python" ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
        echo "creating or updating $directory from $requirements"
        [[ -x "$directory/bin/python" ]] || python3 -m venv "$directory"
        "$directory/bin/pip" install -q --disable-pip-version-check -r "$requirements"
        echo "$wanted" > "$stamp"
    fi
done
