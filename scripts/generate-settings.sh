#!/usr/bin/env bash
# Writes the files generated from Gatehouse's settings table
# (Sources/Common/Configuration/SettingsTable.swift, with each deployment's values and notes in
# Sources/Common/SettingsFiles/): the reference page and the three deployments' environment
# files. Tests/Python/test_settings.py fails while a committed copy differs from what this writes.
#
#   scripts/generate-settings.sh                                # builds gatehouse first
#   GATEHOUSE_BUILD_DIR=.build/debug scripts/generate-settings.sh   # uses that build as it is
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -n "${GATEHOUSE_BUILD_DIR:-}" ]]; then
    build_dir="$GATEHOUSE_BUILD_DIR"
else
    # The flags of scripts/test.sh, so this build and the test build share their products.
    swift build --product gatehouse -Xswiftc -assert-config -Xswiftc Release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' \
        || { echo "generate-settings.sh: build failed" >&2; exit 1; }
    build_dir="$(swift build --show-bin-path)"
fi
gatehouse="$build_dir/gatehouse"
[[ -x "$gatehouse" ]] || { echo "generate-settings.sh: $gatehouse is missing; build first" >&2; exit 1; }

# format, then the file it writes.
while read -r format file; do
    "$gatehouse" settings --format "$format" > "$file.tmp"
    mv "$file.tmp" "$file"
    echo "generate-settings.sh: wrote $file"
done <<'FILES'
markdown docs/configuration.md
compose .env.example
systemd systemd/gatehouse.env.example
kubernetes deploy/kubernetes/gatehouse.env
FILES
