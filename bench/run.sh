#!/usr/bin/env bash
# Gatehouse beside FastMCP (its Python peer), plain SwiftNIO (the framework's ceiling) and nginx
# (the machine's limit), same load, same run; then latency at a steady rate and how cost grows.
# Installs what it needs (wrk, nginx, a bench/.venv with FastMCP, Gunicorn, Uvicorn, matplotlib),
# builds release binaries, runs bench/compare.py, and writes BENCHMARKS.md and bench/benchmarks.png.
#   bench/run.sh [compare.py options]      e.g. --seconds 20 --connections 16,64
#   bench/run.sh --smoke                   a short run on the debug build that checks the harness
#                                          (CI runs this; its output goes to a temporary directory)
set -euo pipefail
cd "$(dirname "$0")/.."

smoke=false
for argument in "$@"; do [[ "$argument" == "--smoke" ]] && smoke=true; done

scripts/install-deps.sh --bench-python --packages wrk util-linux

if $smoke; then
    # The test build is already there in CI; a release build would add ten minutes.
    bin="${GATEHOUSE_BUILD_DIR:-$(swift build -Xswiftc -assert-config -Xswiftc Release --show-bin-path)}"
    output="$(mktemp -d)"
    set -- --output "$output" "$@"
    nio_configuration=debug
else
    # As the image and systemd/install.sh build it: the Swift runtime linked in.
    echo "== release build (--static-swift-stdlib, as shipped)"
    swift build -c release --static-swift-stdlib --scratch-path .build-release 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || { echo "build failed"; exit 1; }
    bin="$(swift build -c release --static-swift-stdlib --scratch-path .build-release --show-bin-path)"
    nio_configuration=release
fi
echo "== plain NIO baseline ($nio_configuration)"
# Built the way Gatehouse is, so the ratios compare servers, not linking.
nio_flags=(); [[ $nio_configuration == release ]] && nio_flags=(--static-swift-stdlib)
nio=(swift build -c "$nio_configuration" "${nio_flags[@]}" --package-path bench/nio-baseline --scratch-path "$PWD/.build-nio-baseline")
"${nio[@]}" 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || { echo "build failed"; exit 1; }
nio_baseline="$("${nio[@]}" --show-bin-path)/NIOBaseline"
exec bench/.venv/bin/python bench/compare.py --bin "$bin" --nio-baseline "$nio_baseline" "$@"
