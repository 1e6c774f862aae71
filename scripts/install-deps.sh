#!/usr/bin/env bash
# Installs what building and testing Gatehouse needs on Debian/Ubuntu: the C libraries the
# package links (libcurl with OpenSSL), and a Python virtual environment for the MCP SDK tests.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcurl4-openssl-dev libsystemd-dev libhiredis-dev redis-server pkg-config python3-venv systemd)
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

if [[ "${1:-}" == "--with-python" ]]; then
    # The venv is (re)installed whenever Tests/Python/requirements.txt changes: a stamp in .venv
    # holds the hash of the requirements it was installed from.
    requirements=Tests/Python/requirements.txt
    stamp=.venv/.requirements.sha256
    wanted="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [[ ! -x .venv/bin/python ]] || [[ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]]; then
        echo "installing the Python test requirements into .venv ($requirements changed or .venv is new)"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check -r "$requirements"
        echo "$wanted" > "$stamp"
    fi
fi
