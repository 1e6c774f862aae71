"""The documentation: every relative link of the README and docs/ resolves (files, and anchors
to headings as GitHub names them), every page is reachable from the README, the README stays
short, and the pages that list things the code defines list all of them: each log event in
troubleshooting, each `auth.failure` reason, each `/readyz` state and each signal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
DOCS = REPO_ROOT / "docs"
SOURCES = REPO_ROOT / "Sources"
PAGES = [README, *sorted(DOCS.rglob("*.md"))]

FENCED = re.compile(r"^(```|~~~).*?^\1", re.S | re.M)
INLINE_CODE = re.compile(r"`[^`\n]*`")
# [text](target "title") and ![alt](target); reference definitions `[name]: target`.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)", re.M)
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.M)


def prose(text: str) -> str:
    """The text without code: a link in a code block or span is not a link."""
    return INLINE_CODE.sub("", FENCED.sub("", text))


def links(path: Path) -> list[str]:
    text = prose(path.read_text())
    return INLINE_LINK.findall(text) + REFERENCE.findall(text)


def is_relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) and not target.startswith("//")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to
    hyphens, and -1, -2, ... for repeats."""
    seen: dict[str, int] = {}
    result = set()
    for _, title in HEADING.findall(FENCED.sub("", path.read_text())):
        text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", title)  # a link keeps its text
        slug = re.sub(r"[^\w\- ]", "", text.strip().lower()).replace(" ", "-")
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def resolve(page: Path, target: str) -> tuple[Path, str]:
    location, _, fragment = target.partition("#")
    return (page.parent / location).resolve() if location else page, fragment


@pytest.mark.parametrize("page", PAGES, ids=lambda path: str(path.relative_to(REPO_ROOT)))
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for target in links(page):
        if not is_relative(target):
            continue
        path, fragment = resolve(page, target)
        if not path.exists():
            broken.append(f"{target}: no such file")
        elif REPO_ROOT not in path.parents and path != REPO_ROOT:
            broken.append(f"{target}: outside the repository")
        elif fragment and path.suffix == ".md" and fragment not in anchors(path):
            broken.append(f"{target}: no heading #{fragment} in {path.name}")
    assert not broken, "\n".join(broken)


def test_the_link_checker_sees_links_and_anchors(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# A title\n\n## What `/readyz` says\n\n## Repeat\n\n## Repeat\n\n"
        "[one](other.md#x) ![two](pic.svg) `[not](a-link.md)`\n\n```\n[nor](this.md)\n```\n\n[ref]: ref.md\n"
    )
    assert links(page) == ["other.md#x", "pic.svg", "ref.md"]
    assert anchors(page) == {"a-title", "what-readyz-says", "repeat", "repeat-1"}
    assert not is_relative("https://example.com/") and is_relative("docs/a.md#b")


def relative_targets(page: Path) -> set[Path]:
    return {resolve(page, target)[0] for target in links(page) if is_relative(target)}


def test_every_page_is_reachable_from_the_readme() -> None:
    index = DOCS / "README.md"
    assert index.resolve() in relative_targets(README)
    linked = relative_targets(index) | relative_targets(README)
    for page in DOCS.rglob("*.md"):
        if page != index:
            assert page.resolve() in linked, f"{page.name} is linked from neither README"
    # Every picture is shown somewhere.
    shown = set().union(*(relative_targets(page) for page in PAGES))
    for picture in DOCS.rglob("*.svg"):
        assert picture.resolve() in shown, picture.name


def test_the_readme_stays_short_and_keeps_the_two_newcomer_commands() -> None:
    text = README.read_text()
    assert "scripts/dev-run.sh" in text and "scripts/test.sh" in text
    # Long sections live in docs/; the README keeps the commands and the settings table.
    table = sum(1 for line in text.splitlines() if line.startswith("| `GATEHOUSE_"))
    assert len(text.splitlines()) - table <= 110, "move long sections into docs/"


def test_the_configuration_page_points_at_the_settings_for_now() -> None:
    text = (DOCS / "configuration.md").read_text()
    assert "generated from" in text and "settings table" in text
    assert "../README.md#configuration" in links(DOCS / "configuration.md")


def test_the_architecture_page_has_its_picture() -> None:
    assert any(target.endswith(".svg") for target in links(DOCS / "architecture.md"))
    svg = (DOCS / "architecture.svg").read_text()
    assert svg.lstrip().startswith("<svg") and "<title>" in svg


# --------------------------------------------------------------------------------------------
# Pages that list what the code defines


def source_text(*folders: str) -> str:
    return "\n".join(path.read_text() for folder in folders for path in sorted((SOURCES / folder).rglob("*.swift")))


def logged_events() -> set[str]:
    """Every `event` an operator may see: the supervisor's, the workers' and Common's (the
    development identity provider and the test hooks are not deployed)."""
    text = source_text("Supervisor", "Worker", "Common")
    events = set(re.findall(r'"event":\s*"([a-z_]+\.[a-z_]+)"', text))
    events |= set(re.findall(r'event:\s*"([a-z_]+\.[a-z_]+)"', text))
    return {event for event in events if not event.startswith("test.")}


def test_troubleshooting_explains_every_log_event() -> None:
    events = logged_events()
    assert {"auth.failure", "jwks.refresh", "worker.timeout", "reload.failed", "config.warning"} <= events
    text = (DOCS / "troubleshooting.md").read_text()
    missing = sorted(event for event in events if f"`{event}`" not in text)
    assert not missing, f"not in docs/troubleshooting.md: {missing}"


def test_troubleshooting_explains_every_auth_failure_reason() -> None:
    rejection = (SOURCES / "Worker" / "Auth" / "TokenRejection.swift").read_text()
    reasons = set()
    for name, raw in re.findall(r"^\s*case (\w+)(?: = \"([^\"]+)\")?$", rejection, re.M):
        reasons.add(raw or name)
    authenticator = (SOURCES / "Worker" / "Auth" / "Authenticator.swift").read_text()
    reasons |= set(re.findall(r'logFailure\("([a-z_]+)"', authenticator))
    assert {"expired", "aud_mismatch", "kid_unknown", "token_in_query", "keys_unavailable"} <= reasons
    text = (DOCS / "troubleshooting.md").read_text()
    section = text[text.index("### auth.failure"):]
    missing = sorted(reason for reason in reasons if f"`{reason}`" not in section)
    assert not missing, f"auth.failure reasons not in docs/troubleshooting.md: {missing}"


def test_operations_explains_every_readyz_state() -> None:
    health = (SOURCES / "Worker" / "Health" / "HealthEndpoints.swift").read_text()
    states = set(re.findall(r'"([a-z_]+)"', health.split("func readiness")[1])) - {"status"}
    assert {"ready", "degraded", "starting", "draining", "keys_expired"} <= states
    text = (DOCS / "operations.md").read_text()
    for state in states:
        assert re.search(rf"^\| `{state}` \| (200|503) \|", text, re.M), state


def test_operations_explains_every_signal() -> None:
    signals = (SOURCES / "Supervisor" / "Arbiter" / "ArbiterState+Signals.swift").read_text()
    handler = signals.split("func handle(signal:")[1].split("\n    }\n")[0]
    handled = set(re.findall(r"(SIG[A-Z0-9]+)", handler.split("default:")[0]))
    assert {"SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP", "SIGTTIN", "SIGTTOU", "SIGUSR1", "SIGUSR2"} <= handled
    text = (DOCS / "operations.md").read_text()
    for signal in handled:
        assert f"`{signal.removeprefix('SIG')}`" in text, signal


def test_the_security_model_names_its_rfcs() -> None:
    text = (DOCS / "security.md").read_text()
    for rfc in ("RFC 6750", "RFC 7515", "RFC 7519", "RFC 8707", "RFC 8725", "RFC 9068", "RFC 9728"):
        assert rfc in text, rfc
