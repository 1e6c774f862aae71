"""Shared by the deployment tests (test_deployment_*.py): where the shipped files are, how the
Gatehouse configuration contract is read from the settings table, and small process helpers."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from conftest import REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "compose.yaml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
REALM_FILE = REPO_ROOT / "docker" / "keycloak" / "mcp-realm.json"
NGINX_TEMPLATE_DIR = REPO_ROOT / "nginx" / "templates"
SYSTEMD_DIR = REPO_ROOT / "systemd"
MAKE_DEV_CERTS = REPO_ROOT / "docker" / "make-dev-certs.sh"
SETTINGS_TABLE = REPO_ROOT / "Sources" / "Common" / "Configuration" / "SettingsTable.swift"
KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"

# Set by the supervisor for its workers or by one supervisor for the next: never by operators.
INTERNAL_VARIABLES = {
    "GATEHOUSE_LISTEN_FDS",
    "GATEHOUSE_CONTROL_FD",
    "GATEHOUSE_WORKER_SLOT",
    "GATEHOUSE_SUPERVISOR_PID",
    "GATEHOUSE_UPGRADE_SOCKETS",
    "GATEHOUSE_UPGRADE_CONTROL_FD",
    "GATEHOUSE_UPGRADE_PARENT",
}

# Names that say "this value is a credential".
# "token" only as the last word (AUTH_TOKEN), not in GATEHOUSE_TOKEN_TYPE or access.token.claim.
SECRET_NAME = re.compile(r"pass(word|wd)|secret|api[_-]?key|private[_-]?key|(^|[_.-])token$|cache[_-]?key", re.IGNORECASE)


# A long run of hex or base64 characters: what a pasted key, password or token looks like
# ("/" left out, so paths and URLs do not count).
HIGH_ENTROPY = re.compile(r"(?<![A-Za-z0-9+_-])[A-Za-z0-9+_-]{32,}={0,2}(?![A-Za-z0-9+_-])")


def looks_random(candidate: str) -> bool:
    # Digits and letters mixed, and not a kebab- or snake-case name.
    return (
        any(c.isdigit() for c in candidate)
        and any(c.isalpha() for c in candidate)
        and not re.fullmatch(r"[a-z]+([_-][a-z0-9]+)*", candidate, re.IGNORECASE)
    )


def high_entropy_literals(text: str) -> list[str]:
    """What in `text` looks like a pasted secret."""
    return [match for match in HIGH_ENTROPY.findall(text) if looks_random(match)]


def operator_variables() -> set[str]:
    """Every GATEHOUSE_* setting an operator may set: the declarations of the settings table."""
    names = set(re.findall(r'Setting\(\s*"(GATEHOUSE_[A-Z_]+)"', SETTINGS_TABLE.read_text()))
    assert len(names) > 20, names
    return names - INTERNAL_VARIABLES


def parse_env_file(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(active NAME=value lines, commented `# NAME=value` lines) of a dotenv-style file."""
    active: dict[str, str] = {}
    commented: dict[str, str] = {}
    for line in path.read_text().splitlines():
        if match := re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line):
            active[match.group(1)] = match.group(2)
        elif match := re.fullmatch(r"#\s*([A-Z][A-Z0-9_]*)=(.*)", line):
            commented[match.group(1)] = match.group(2)
    return active, commented


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick, released at once)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def group_alive(process_group: int) -> bool:
    """Whether any process of the group is still there."""
    try:
        os.killpg(process_group, 0)
    except ProcessLookupError:
        return False
    return True
