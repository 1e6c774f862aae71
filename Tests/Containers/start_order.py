"""The order in which scripts/container-test.sh starts a compose project's services, and what it
waits for after each, from the merged configuration (`podman-compose config` on stdin).

podman 4.3 runs no healthchecks by itself without systemd and podman-compose then ignores
`condition: service_healthy`, so the script does what Docker Compose would: start a service once
everything it depends on has met its condition, and run healthchecks itself.

Prints one line per service that starts (none whose profiles were not selected), dependencies
first: name, what to wait for (`healthy` when it has a healthcheck, `completed` when a dependent
needs it to finish successfully, `running` otherwise), the seconds to allow for that (what
Docker allows before it calls a container unhealthy: the start period, then every retry's
interval and timeout; or a fixed minute), and its stop_grace_period in seconds (Compose's 10 by
default): how long a stop may take before the container is killed.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import yaml

DEFAULT_DEADLINE_S = 60
DEFAULT_STOP_GRACE_S = 10


def seconds(value: Any, default: float) -> float:
    """A Compose duration (`1m30s`, `10s`, `500ms`) in seconds."""
    if value is None:
        return default
    if isinstance(value, (int, float)):
        return float(value)
    total = 0.0
    for amount, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|us|ns|h|m|s)", str(value)):
        total += float(amount) * {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "ns": 1e-9}[unit]
    return total


def dependencies(service: dict[str, Any]) -> dict[str, str]:
    depends = service.get("depends_on") or {}
    if isinstance(depends, list):
        return {name: "service_started" for name in depends}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in depends.items()}


def has_healthcheck(service: dict[str, Any]) -> bool:
    check = service.get("healthcheck") or {}
    test = check.get("test")
    return bool(test) and not check.get("disable") and test != ["NONE"]


def start_order(compose: dict[str, Any], profiles: set[str]) -> list[tuple[str, str, int, int]]:
    services = {
        name: service for name, service in (compose.get("services") or {}).items()
        if not service.get("profiles") or profiles & set(service["profiles"])
    }
    needs = {name: {dep: cond for dep, cond in dependencies(service).items() if dep in services}
             for name, service in services.items()}
    completed = {dep for deps in needs.values() for dep, cond in deps.items() if cond == "service_completed_successfully"}
    order: list[str] = []
    while len(order) < len(services):
        ready = sorted(name for name in services if name not in order and set(needs[name]) <= set(order))
        if not ready:
            raise SystemExit(f"dependency cycle among {sorted(set(services) - set(order))}")
        order.extend(ready)
    lines = []
    for name in order:
        service = services[name]
        grace = int(seconds(service.get("stop_grace_period"), DEFAULT_STOP_GRACE_S))
        if has_healthcheck(service):
            check = service["healthcheck"]
            allowed = seconds(check.get("start_period"), 0) + int(check.get("retries", 3)) * (
                seconds(check.get("interval"), 30) + seconds(check.get("timeout"), 30))
            lines.append((name, "healthy", int(allowed) + 1, grace))
        elif name in completed:
            lines.append((name, "completed", DEFAULT_DEADLINE_S, grace))
        else:
            lines.append((name, "running", DEFAULT_DEADLINE_S, grace))
    return lines


def main() -> None:
    profiles = set(sys.argv[1:])
    for line in start_order(yaml.safe_load(sys.stdin), profiles):
        print("\t".join(map(str, line)))


if __name__ == "__main__":
    main()
