#!/usr/bin/env bash
# A fleet of three hosts on this one machine (issue 14), to prove what
# docs/architecture.md#several-hosts and docs/operations.md#scaling-workers-and-hosts claim.
#
# Each machine of the fleet is a Linux network namespace on a private bridge: three hosts
# running `gatehouse serve --workers 2`, one running redis-server, one the development IdP
# (behind an nginx on its address, as Keycloak sits behind a proxy), one nginx balancing over the
# hosts, and one for the test's own client. No container, and nothing of the fleet is in this
# machine's own namespace: its addresses are reachable only from its namespaces.
# scripts/fleet/fleet_test.py starts the processes and runs the scenarios; this script builds
# the network and tears it down, also when something fails. Needs root. Figures:
# .build/fleet-test/summary.txt.
#
#   scripts/fleet-test.sh                         binaries from .build/debug (GATEHOUSE_BUILD_PRODUCTS)
#   FLEET_SUBNET=10.232.7 scripts/fleet-test.sh   another /24 if 10.231.0.0/24 is taken here
#
# Build as scripts/test.sh does (swift build -Xswiftc -assert-config -Xswiftc Release): the
# reloads share listening sockets, which SwiftNIO's debug assertions refuse.
set -euo pipefail
cd "$(dirname "$0")/.."

products="${GATEHOUSE_BUILD_PRODUCTS:-.build/debug}"
subnet="${FLEET_SUBNET:-10.231.0}"
run_dir=.build/fleet-test
python=.venv/bin/python
prefix="gatehouse-fleet-$$-"
# name:last octet. The bridge lives in a namespace of its own ("net").
nodes=(client:2 lb:10 a:11 b:12 c:13 redis:20 idp:30)

fail() { echo "fleet-test: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (network namespaces); CI runs as root"
for product in gatehouse gatehouse-dev-idp; do
    [[ -x "$products/$product" ]] || fail "$products/$product is missing: build first (swift build) or set GATEHOUSE_BUILD_PRODUCTS"
done
for tool in ip nginx redis-server; do
    command -v "$tool" >/dev/null || fail "$tool is missing: run scripts/install-deps.sh"
done
[[ -x "$python" ]] || fail "$python is missing: run scripts/install-deps.sh --with-python"

# The namespaces have no link to this machine's network, so nothing can leave them; a range it
# routes would still make addresses in the logs ambiguous, and be one uplink from a real network.
if ip -4 route show table all root "$subnet.0/24" | grep -q . ||
    ip -4 route show table all match "$subnet.0/24" | grep -vE '^([a-z]+ )?default ' | grep -q .; then
    fail "$subnet.0/24 overlaps a route of this machine (ip route show table all); choose another with FLEET_SUBNET"
fi

namespace() { echo "$prefix$1"; }

# Every process in our namespaces was started by this run; SIGKILL them, then remove the
# namespaces (their veths and the bridge go with them).
remove_namespaces() {
    local run=$1 name pids
    for name in $(ip netns list | awk '{print $1}' | grep "^gatehouse-fleet-$run-" || true); do
        pids=$(ip netns pids "$name" 2>/dev/null || true)
        if [[ -n $pids ]]; then
            # shellcheck disable=SC2086  # one pid per word
            kill -KILL $pids 2>/dev/null || true
            for _ in $(seq 50); do
                pids=$(ip netns pids "$name" 2>/dev/null || true)
                [[ -z $pids ]] && break
                sleep 0.1  # Nothing to wait on for another process's exit but polling.
            done
        fi
        ip netns delete "$name"
    done
}

# A run killed before its trap could run leaves its namespaces behind: remove those whose
# script is gone (a live pid, even a reused one, is left alone).
for stale in $(ip netns list | awk '{print $1}' | sed -nE 's/^gatehouse-fleet-([0-9]+)-.*/\1/p' | sort -u); do
    if ! kill -0 "$stale" 2>/dev/null; then
        echo "removing the namespaces of an earlier run ($stale)"
        remove_namespaces "$stale"
    fi
done

trap 'remove_namespaces $$' EXIT
trap 'exit 130' INT TERM

net=$(namespace net)
ip netns add "$net"
ip -n "$net" link add br0 type bridge
ip -n "$net" link set br0 up
for node in "${nodes[@]}"; do
    name=${node%%:*}
    ns=$(namespace "$name")
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    # Created in place: no interface of the fleet ever exists in the host's namespace.
    ip link add eth0 netns "$ns" type veth peer name "v-$name" netns "$net"
    ip -n "$net" link set "v-$name" master br0 up
    ip -n "$ns" addr add "$subnet.${node#*:}/24" dev eth0
    ip -n "$ns" link set eth0 up
done

rm -rf "$run_dir"
mkdir -p "$run_dir"
ip netns exec "$(namespace client)" "$python" scripts/fleet/fleet_test.py \
    --namespace-prefix "$prefix" --subnet "$subnet" --nodes "${nodes[*]}" --products "$products" --run-dir "$run_dir"
