"""Shared by the deployment tests (test_deployment_*.py): where the shipped files are, the
Gatehouse configuration contract as the settings table gives it (`gatehouse settings`), and small
process helpers."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

from conftest import REPO_ROOT, _child_environment, _executable

COMPOSE_FILE = REPO_ROOT / "compose.yaml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
DOCKERFILE = REPO_ROOT / "docker" / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
REALM_FILE = REPO_ROOT / "docker" / "keycloak" / "mcp-realm.json"
NGINX_TEMPLATE_DIR = REPO_ROOT / "nginx" / "templates"
SYSTEMD_DIR = REPO_ROOT / "systemd"
MAKE_DEV_CERTS = REPO_ROOT / "docker" / "make-dev-certs.sh"
KUBERNETES_DIR = REPO_ROOT / "deploy" / "kubernetes"

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


@cache
def settings_table() -> dict[str, Any]:
    """The settings table, as `gatehouse settings --format json` prints it: every setting with
    its section, value, default, help and whether it is a secret, and the internal variables."""
    return json.loads(gatehouse_settings("json"))


@cache
def gatehouse_settings(format_name: str) -> str:
    """What `gatehouse settings --format <format_name>` prints."""
    result = subprocess.run(
        [str(_executable("gatehouse")), "settings", "--format", format_name],
        env=_child_environment({}), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def operator_variables() -> set[str]:
    """Every GATEHOUSE_* setting an operator may set: the settings table's names."""
    names = {setting["name"] for setting in settings_table()["settings"]}
    assert len(names) > 20, names
    return names


def internal_variables() -> set[str]:
    """Set by the supervisor for its workers or by one supervisor for the next: never by operators."""
    return set(settings_table()["internal"])


def secret_settings() -> set[str]:
    """The settings the table marks as secrets."""
    return {setting["name"] for setting in settings_table()["settings"] if setting["secret"]}


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
