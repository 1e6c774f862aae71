#!/usr/bin/env bash
# Installs Gatehouse for systemd: the release binary to $PREFIX/bin, the units, and the
# environment file (never overwriting an existing one), then reloads systemd.
#
#   swift build -c release --static-swift-stdlib
#   sudo systemd/install.sh [BUILD_DIR]          # default: .build/release
#
# DESTDIR=/some/root installs below that directory instead, for packaging and tests, and skips
# `systemctl daemon-reload`. PREFIX (default /usr/local) must match the units' ExecStart path.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir="${1:-.build/release}"
destdir="${DESTDIR:-}"
prefix="${PREFIX:-/usr/local}"
unit_dir="${UNIT_DIR:-/etc/systemd/system}"
config_dir="${CONFIG_DIR:-/etc/gatehouse}"

[[ -x "$build_dir/gatehouse" ]] || { echo "install.sh: $build_dir/gatehouse is missing; build first" >&2; exit 1; }

# One program: the supervisor starts its workers as `gatehouse worker`, the same file.
install -d -m 0755 "$destdir$prefix/bin" "$destdir$unit_dir"
install -m 0755 "$build_dir/gatehouse" "$destdir$prefix/bin/"
for unit in gatehouse.service gatehouse.socket; do
    sed "s|/usr/local/bin/gatehouse|$prefix/bin/gatehouse|g" "systemd/$unit" > "$destdir$unit_dir/$unit"
    chmod 0644 "$destdir$unit_dir/$unit"
done

install -d -m 0755 "$destdir$config_dir"
if [[ -e "$destdir$config_dir/gatehouse.env" ]]; then
    echo "install.sh: keeping $destdir$config_dir/gatehouse.env"
else
    # Root-only: it may hold settings worth keeping private; systemd reads it as root.
    install -m 0600 systemd/gatehouse.env.example "$destdir$config_dir/gatehouse.env"
    echo "install.sh: wrote $destdir$config_dir/gatehouse.env; edit GATEHOUSE_RESOURCE and GATEHOUSE_ISSUER"
fi

if [[ -z "$destdir" ]] && command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    echo "install.sh: installed; start with: systemctl enable --now gatehouse.service (or gatehouse.socket)"
else
    echo "install.sh: installed below ${destdir:-/} (no daemon-reload)"
fi
