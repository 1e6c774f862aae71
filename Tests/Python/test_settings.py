"""The settings table is the one declaration of every GATEHOUSE_* setting: the files generated
from it (docs/configuration.md and the three deployments' environment files) are exactly what
`gatehouse settings` prints, scripts/generate-settings.sh writes each of them, and every
GATEHOUSE_* name the sources use is declared in it."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from deployment_support import (
    ENV_EXAMPLE,
    KUBERNETES_DIR,
    SECRET_NAME,
    SYSTEMD_DIR,
    gatehouse_settings,
    internal_variables,
    operator_variables,
    parse_env_file,
    secret_settings,
)

GENERATE_SCRIPT = REPO_ROOT / "scripts" / "generate-settings.sh"
# `gatehouse settings --format <key>` prints the file.
GENERATED = {
    "markdown": REPO_ROOT / "docs" / "configuration.md",
    "compose": ENV_EXAMPLE,
    "systemd": SYSTEMD_DIR / "gatehouse.env.example",
    "kubernetes": KUBERNETES_DIR / "gatehouse.env",
}


@pytest.mark.parametrize("format_name", GENERATED)
def test_generated_file_is_what_the_settings_table_gives(format_name: str) -> None:
    path = GENERATED[format_name]
    name = str(path.relative_to(REPO_ROOT))
    committed = path.read_text()
    generated = gatehouse_settings(format_name)
    if committed != generated:
        diff = "".join(difflib.unified_diff(
            committed.splitlines(keepends=True), generated.splitlines(keepends=True),
            f"{name} (committed)", f"{name} (gatehouse settings --format {format_name})",
        ))
        pytest.fail(
            f"{name} has drifted from the settings table: run scripts/generate-settings.sh "
            f"(it writes `gatehouse settings --format {format_name}` there) and commit the result.\n{diff}",
            pytrace=False,
        )


def test_the_generate_script_writes_every_generated_file() -> None:
    script = GENERATE_SCRIPT.read_text()
    for format_name, path in GENERATED.items():
        assert re.search(rf"\b{format_name}\s+{re.escape(str(path.relative_to(REPO_ROOT)))}\b", script), format_name


def source_names() -> dict[str, set[Path]]:
    """Every GATEHOUSE_* name written in the sources Gatehouse ships, and where."""
    found: dict[str, set[Path]] = {}
    for folder in ("Common", "Supervisor", "Worker"):
        for path in (REPO_ROOT / "Sources" / folder).rglob("*.swift"):
            for name in re.findall(r"\bGATEHOUSE_[A-Z][A-Z0-9_]*[A-Z0-9]\b", path.read_text()):
                found.setdefault(name, set()).add(path.relative_to(REPO_ROOT))
    return found


def test_every_name_the_sources_use_is_in_the_settings_table() -> None:
    declared = operator_variables() | internal_variables() | {"GATEHOUSE_DOTENV"}
    declared |= {name + "_FILE" for name in operator_variables()}
    found = source_names()
    assert {"GATEHOUSE_BIND", "GATEHOUSE_LISTEN_FDS"} <= set(found)
    undeclared = {name: sorted(map(str, paths)) for name, paths in found.items() if name not in declared}
    assert not undeclared, f"not in the settings table (SettingsTable.swift): {undeclared}"


def test_the_tables_secrets_are_the_names_that_look_secret() -> None:
    assert secret_settings() == {name for name in operator_variables() if SECRET_NAME.search(name)}
    assert secret_settings() >= {"GATEHOUSE_REDIS_PASSWORD", "GATEHOUSE_SHARED_CACHE_KEY", "GATEHOUSE_METRICS_TOKEN"}


@pytest.mark.parametrize("format_name", ["compose", "systemd", "kubernetes"])
def test_environment_files_give_no_secret_a_value_and_no_internal_variable_a_line(format_name: str) -> None:
    active, commented = parse_env_file(GENERATED[format_name])
    for name in secret_settings():
        assert name not in active and commented.get(name, "") == "", name
    assert not (set(active) | set(commented)) & internal_variables()
