#!/usr/bin/env bash
# Installs what building and testing Gatehouse needs on Debian/Ubuntu: the C libraries the
# package links (libcurl with OpenSSL), and a Python virtual environment for the MCP SDK tests.
# Safe to run again: it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcurl4-openssl-dev libsystemd-dev libhiredis-dev redis-server pkg-config python3-venv systemd)
with_python=false
while (($#)); do
    case "$1" in
        --with-python) with_python=true ;;
        --packages) shift; packages+=("$@"); break ;;  # what a caller needs besides, e.g. bench/run.sh
        *) echo "usage: $0 [--with-python] [--packages NAME...]" >&2; exit 64 ;;
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

if $with_python; then
    if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import mcp, httpx2, pytest' 2>/dev/null; then
        echo "creating .venv with the Python MCP SDK test requirements"
        python3 -m venv .venv
        .venv/bin/pip install -q --disable-pip-version-check -r Tests/Python/requirements.txt
    fi
fi
