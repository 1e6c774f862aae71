#!/usr/bin/env bash
# Builds the libFuzzer targets of Tests/Fuzzing (release, libFuzzer + AddressSanitizer) and
# runs each for SECONDS (default 60) on a copy of its committed seed corpus plus the inputs
# that once crashed it (Tests/Fuzzing/Regressions). New corpus entries and any crashing input
# stay in Tests/Fuzzing/.build/fuzz/<target>/, never in the committed corpus. Exits non-zero
# on a crash, a leak, a timeout or running out of memory, naming the input that did it.
#
# usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
(($# > 0)) && shift
targets=("$@")
((${#targets[@]})) || targets=(FuzzBearerToken FuzzJWKS FuzzJSONRPC FuzzHTTPHandler)
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 64; }

package=Tests/Fuzzing
scratch="$package/.build/fuzz"
mkdir -p "$scratch"
started=$(date +%s)

echo "== fuzz build (Tests/Fuzzing: release, libFuzzer + AddressSanitizer)"
# `--sanitize` instruments the C dependencies too and keeps SwiftPM from renaming the
# executables' entry point (libFuzzer brings `main`). SwiftPM passes the two sanitizers to
# swiftc as separate -sanitize= flags, of which the driver keeps only the last one (in an
# order that varies): the -Xswiftc flag, which comes last, asks for both. -enable-testing lets
# the targets `@testable import Worker` instead of making its internals public. Assertions stay
# on (`assert`, SwiftNIO's state checks): optimized code, but every check that can fail does.
build_log="$scratch/build.log"
if ! swift build --package-path "$package" -c release --sanitize fuzzer --sanitize address \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -enable-testing \
    -Xswiftc -assert-config -Xswiftc Debug > "$build_log" 2>&1; then
    grep -vE '^\[[0-9]+/[0-9]+\]|Cannot export local symbol' "$build_log" | tail -40
    echo "fuzz build failed (full log: $build_log)"
    exit 1
fi
built=$(date +%s)
echo "built in $((built - started)) s"
bin="$package/.build/release"

# Swift's own crash reporter would hold the crash (and the run) for a symbolicated backtrace:
# libFuzzer and ASan report crashes here. NIO's process-wide thread pool lives until exit, and
# LeakSanitizer cannot follow Swift's tagged references to its queue.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1"
export LSAN_OPTIONS="suppressions=$PWD/$package/lsan.supp:print_suppressions=0"

failed=()
summary=()
for target in "${targets[@]}"; do
    work="$scratch/$target"
    rm -rf "$work"
    mkdir -p "$work/corpus" "$work/artifacts"
    cp "$package/Corpus/$target"/* "$work/corpus/"
    if [[ -d "$package/Regressions/$target" ]]; then cp "$package/Regressions/$target"/* "$work/corpus/"; fi
    options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
             -artifact_prefix="$work/artifacts/")
    if [[ -f "$package/Dictionaries/$target.dict" ]]; then options+=(-dict="$package/Dictionaries/$target.dict"); fi

    echo "== $target: ${seconds} s"
    set +e
    "$bin/$target" "${options[@]}" "$work/corpus" > "$work/fuzz.log" 2>&1
    status=$?
    set -e
    executions=$(awk '/^stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$work/fuzz.log")
    rate=$(awk '/^stat::average_exec_per_sec:/ { n = $2 } END { print n + 0 }' "$work/fuzz.log")
    coverage=$(grep -oE 'cov: [0-9]+' "$work/fuzz.log" | tail -1 | cut -d' ' -f2 || true)  # none if the first input failed
    summary+=("$(printf '%-16s %10s executions %7s/s  coverage %6s  status %s' "$target" "$executions" "$rate" "${coverage:-?}" "$status")")
    if ((status != 0)); then
        failed+=("$target")
        # The report: what libFuzzer and the sanitizer said, without the progress lines.
        grep -vE '^#[0-9]+\s+(NEW|REDUCE|pulse|RELOAD)|Cannot export local symbol' "$work/fuzz.log" | tail -60
        for artifact in "$work/artifacts"/*; do
            [[ -e $artifact ]] && echo "$target: failing input kept at $artifact (reproduce: $bin/$target $artifact)"
        done
        echo "$target: FAILED with status $status (log: $work/fuzz.log)"
    fi
done

echo "== fuzz summary (${seconds} s per target; build $((built - started)) s, total $(($(date +%s) - started)) s)"
printf '%s\n' "${summary[@]}"
if ((${#failed[@]})); then
    echo "fuzzing found problems in: ${failed[*]}"
    exit 1
fi
