"""systemd/: the units verify, the service's exposure stays at 2.0 or below, the binaries run
under MemoryDenyWriteExecute's kernel equivalent, and gatehouse serves on a socket passed the way
gatehouse.socket passes it, reaching READY=1 on a notification socket.

PID 1 here is not systemd, so the units are not started by systemd itself: `systemd-analyze`
checks them offline, and systemd-socket-activate stands in for the socket unit.
"""

from __future__ import annotations

import ctypes
import json
import os
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

import httpx
import pytest

from conftest import IdP, TokenFactory, _child_environment, _executable, _poll, _stop, _tail
from deployment_support import SYSTEMD_DIR, free_port, parse_env_file

SYSTEMD_ANALYZE = shutil.which("systemd-analyze") or "/usr/bin/systemd-analyze"
SOCKET_ACTIVATE = shutil.which("systemd-socket-activate") or "/usr/bin/systemd-socket-activate"
MAXIMUM_EXPOSURE = 2.0
START_DEADLINE_S = 30.0
TIMEOUT_S = 10.0
# prctl(2): memory-deny-write-execute, Linux 6.3+. Inherited by children and kept across execve.
PR_SET_MDWE = 65
PR_GET_MDWE = 66
PR_MDWE_REFUSE_EXEC_GAIN = 1


def unit_settings(path: Path) -> dict[str, list[str]]:
    """Key -> every value it is given, across sections (the units use each key in one section).
    A line ending in a backslash goes on on the next one, joined with a space, as systemd reads it."""
    settings: dict[str, list[str]] = {}
    for line in re.sub(r"\\\n\s*", " ", path.read_text()).splitlines():
        line = line.strip()
        if line and not line.startswith(("#", ";", "[")):
            key, _, value = line.partition("=")
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+)\s*(s|sec|min)?", value)
    assert match, value
    return int(match.group(1)) * (60 if match.group(2) == "min" else 1)


@pytest.fixture
def installed_units(tmp_path: Path) -> Path:
    """The units as systemd/install.sh installs them, with ExecStart at the built binary (verify
    insists that the program exists)."""
    prefix = _executable("gatehouse").parent
    directory = tmp_path / "units"
    directory.mkdir()
    for unit in ("gatehouse.service", "gatehouse.socket"):
        text = (SYSTEMD_DIR / unit).read_text().replace("/usr/local/bin/gatehouse", f"{prefix}/gatehouse")
        (directory / unit).write_text(text)
    return directory


def test_units_pass_systemd_analyze_verify(installed_units: Path) -> None:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", str(installed_units / "gatehouse.service"), str(installed_units / "gatehouse.socket")],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # verify also prints warnings (unknown keys, bad values) with status 0; for these files, none.
    complaints = [line for line in result.stderr.splitlines() if "gatehouse" in line]
    assert not complaints, complaints


def test_service_exposure_is_at_most_two(installed_units: Path) -> None:
    result = subprocess.run(
        [SYSTEMD_ANALYZE, "security", "--offline=true", "--no-pager", str(installed_units / "gatehouse.service")],
        capture_output=True, text=True, timeout=60,
    )
    match = re.search(r"Overall exposure level for gatehouse\.service: (\d+\.\d+)", result.stdout)
    assert match, result.stdout + result.stderr
    exposure = float(match.group(1))
    print(f"systemd-analyze security exposure: {exposure}")
    assert exposure <= MAXIMUM_EXPOSURE, result.stdout


def test_service_settings_match_the_supervisor() -> None:
    service = unit_settings(SYSTEMD_DIR / "gatehouse.service")
    single = {key: values[-1] for key, values in service.items()}
    assert single["Type"] == "notify" and single["NotifyAccess"] == "main"
    assert single["ExecStart"] == "/usr/local/bin/gatehouse serve"
    # The configuration is staged before the start and before each reload's SIGHUP.
    assert service["ExecReload"][-1] == "/bin/kill -HUP $MAINPID"
    assert len(service["ExecStartPre"]) == 1 and len(service["ExecReload"]) == 2
    assert single["KillMode"] == "mixed"
    assert single["Restart"] == "on-failure"
    assert single["RestartPreventExitStatus"] == "78"  # invalid configuration
    assert seconds(single["WatchdogSec"]) > 0
    graceful = float(parse_env_file(SYSTEMD_DIR / "gatehouse.env.example")[0]["GATEHOUSE_GRACEFUL_TIMEOUT"])
    assert seconds(single["TimeoutStopSec"]) > graceful
    # The supervisor reads the file itself, so a reload re-reads it; systemd's EnvironmentFile=
    # would fix it in the environment, which a reload cannot re-read and which wins over the file.
    assert "EnvironmentFile" not in service
    assert f"GATEHOUSE_DOTENV=/run/{single['RuntimeDirectory']}/gatehouse.env" in service["Environment"]
    assert single["DynamicUser"] == "yes"
    assert single["MemoryDenyWriteExecute"] == "yes"
    assert single["CapabilityBoundingSet"] == "" and single["AmbientCapabilities"] == ""
    assert single["RestrictAddressFamilies"] == "AF_UNIX AF_INET AF_INET6"
    assert "@system-service" in service["SystemCallFilter"]
    # The pidfile of the example configuration lives in the unit's runtime directory.
    pidfile = parse_env_file(SYSTEMD_DIR / "gatehouse.env.example")[0]["GATEHOUSE_PIDFILE"]
    assert pidfile.startswith(f"/run/{single['RuntimeDirectory']}/")


# --------------------------------------------------------------------------------------------
# Memory-deny-write-execute


def kernel_has_mdwe() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_GET_MDWE, 0, 0, 0, 0) >= 0


needs_mdwe = pytest.mark.skipif(not kernel_has_mdwe(), reason="prctl(PR_SET_MDWE) needs Linux 6.3 or later")


def deny_write_execute() -> None:
    """preexec_fn: the kernel's MDWE for this child and everything it starts."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_MDWE)")


MAP_WRITABLE_EXECUTABLE = (
    "import mmap; mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC); print('mapped')"
)


@needs_mdwe
def test_mdwe_refuses_writable_executable_memory() -> None:
    """The control: under the same preexec_fn a W+X mapping fails, and without it succeeds, so the
    test below would notice a binary that needs one."""
    python = [sys.executable, "-c", MAP_WRITABLE_EXECUTABLE]
    free = subprocess.run(python, capture_output=True, text=True, timeout=30)
    assert free.returncode == 0 and "mapped" in free.stdout, free.stderr
    denied = subprocess.run(python, capture_output=True, text=True, timeout=30, preexec_fn=deny_write_execute)
    assert denied.returncode != 0 and "PermissionError" in denied.stderr, denied.stdout + denied.stderr


def supervisor_environment(idp: IdP, tmp_path: Path, extra: dict[str, str]) -> dict[str, str]:
    dotenv = tmp_path / "empty.env"
    dotenv.write_text("")
    return _child_environment({
        "GATEHOUSE_RESOURCE": "https://mcp.gatehouse.test/mcp",
        "GATEHOUSE_ISSUER": idp.issuer,
        "GATEHOUSE_ALLOW_INSECURE_HTTP": "true",
        "GATEHOUSE_DOTENV": str(dotenv),
        "GATEHOUSE_WORKERS": "2",
        **extra,
    })


def start_logged(argv: list[str], env: dict[str, str], tmp_path: Path, name: str, **options: object) -> tuple[subprocess.Popen[bytes], Path]:
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(argv, env=env, cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, **options)
    return process, log_path


def wait_until_ready(base_url: str, process: subprocess.Popen[bytes], log_path: Path) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gatehouse exited with {process.returncode}:\n{_tail(log_path)}", pytrace=False)
        try:
            return httpx.get(f"{base_url}/readyz", timeout=1.0, trust_env=False).status_code == 200
        except httpx.TransportError:
            return False

    if not _poll(time.monotonic() + START_DEADLINE_S, ready):
        pytest.fail(f"gatehouse never became ready:\n{_tail(log_path)}", pytrace=False)


def call_echo(base_url: str, token: str, message: str) -> dict:
    response = httpx.post(
        f"{base_url}/mcp",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": message}}},
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        timeout=TIMEOUT_S, trust_env=False,
    )
    assert response.status_code == 200, response.text
    return response.json()


@needs_mdwe
def test_gatehouse_validates_tokens_under_mdwe(idp: IdP, get_token: TokenFactory, tmp_path: Path) -> None:
    port = free_port()
    env = supervisor_environment(idp, tmp_path, {"GATEHOUSE_BIND": f"127.0.0.1:{port}"})
    process, log_path = start_logged([str(_executable("gatehouse")), "serve"], env, tmp_path, "mdwe", preexec_fn=deny_write_execute)
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, process, log_path)
        # Signature checks, JSON and the tool: the worker's whole request path, in a worker
        # process that inherited MDWE through the supervisor's posix_spawn.
        body = call_echo(base_url, get_token(), "no jit")
        assert body["result"]["content"][0]["text"] == "no jit"
        assert process.poll() is None
    finally:
        _stop(process)
    assert process.returncode == 0, _tail(log_path)


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[str, socket.socket]]:
    path = str(tmp_path / "notify.sock")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    try:
        yield path, receiver
    finally:
        receiver.close()


def wait_for_datagram(receiver: socket.socket, wanted: Callable[[str], bool], seen: list[str]) -> bool:
    deadline = time.monotonic() + START_DEADLINE_S
    while time.monotonic() < deadline:
        receiver.settimeout(max(0.05, deadline - time.monotonic()))
        try:
            message = receiver.recv(4096).decode(errors="replace")
        except TimeoutError:
            break
        seen.extend(message.splitlines())
        if any(wanted(line) for line in message.splitlines()):
            return True
    return False


# --------------------------------------------------------------------------------------------
# SystemCallFilter


# Installed by scripts/install-deps.sh (missing, the test fails rather than skips).
STRACE = shutil.which("strace") or "/usr/bin/strace"
# systemd.exec(5): allowed whatever the filter says.
IMPLICITLY_ALLOWED = {"execve", "exit", "exit_group", "getrlimit", "rt_sigreturn", "sigreturn"}


@cache
def syscall_group(name: str) -> frozenset[str]:
    """A systemd system-call group, with its nested @groups expanded."""
    output = subprocess.run(
        [SYSTEMD_ANALYZE, "syscall-filter", "--no-pager", name], capture_output=True, text=True, check=True, timeout=30
    ).stdout
    members: set[str] = set()
    for line in output.splitlines()[1:]:
        item = line.strip()
        if item.startswith("@"):
            members |= syscall_group(item)
        elif item and not item.startswith("#"):
            members.add(item)
    return frozenset(members)


def unit_syscall_allow_list() -> set[str]:
    """What gatehouse.service's SystemCallFilter= lines allow (an allow list, then `~` removals)."""
    allowed = set(IMPLICITLY_ALLOWED) | syscall_group("@default")
    for value in unit_settings(SYSTEMD_DIR / "gatehouse.service")["SystemCallFilter"]:
        deny = value.startswith("~")
        for item in value.removeprefix("~").split():
            names = syscall_group(item) if item.startswith("@") else {item}
            allowed = allowed - names if deny else allowed | names
    return allowed


def traced_syscalls(summary: Path) -> set[str]:
    """The syscall column of `strace -c`'s table."""
    names = set()
    for line in summary.read_text().splitlines():
        columns = line.split()
        if columns and re.fullmatch(r"\d+\.\d+", columns[0]) and columns[-1] != "total":
            names.add(columns[-1])
    return names


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[int]:
    """A throw-away redis-server on a free port (its port)."""
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        yield port
    finally:
        _stop(process)


def test_every_syscall_gatehouse_makes_passes_the_units_filter(
    idp: IdP, get_token: TokenFactory, tmp_path: Path, notify_socket: tuple[str, socket.socket], redis_server: int
) -> None:
    """The supervisor and its workers under strace through start-up (with the Redis key cache), a
    validated token, a reload and a graceful stop: each system call they make is one the unit's
    filter lets through."""
    port = free_port()
    notify_path, receiver = notify_socket
    env = supervisor_environment(idp, tmp_path, {
        "GATEHOUSE_BIND": f"127.0.0.1:{port}",
        "NOTIFY_SOCKET": notify_path,
        "GATEHOUSE_REDIS_URL": f"redis://127.0.0.1:{redis_server}/0",
        "GATEHOUSE_SHARED_CACHE_KEY": "strace-fleet-shared-cache-key-0123456789abcdef",
    })
    summary = tmp_path / "strace.txt"
    tracer, log_path = start_logged(
        [STRACE, "-f", "-c", "-o", str(summary), str(_executable("gatehouse")), "serve"], env, tmp_path, "traced"
    )
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, tracer, log_path)
        assert wait_for_datagram(receiver, lambda line: line == "READY=1", [])
        token = get_token()
        assert call_echo(base_url, token, "traced")["result"]["content"][0]["text"] == "traced"
        supervisor = int(Path(f"/proc/{tracer.pid}/task/{tracer.pid}/children").read_text().split()[0])
        os.kill(supervisor, signal.SIGHUP)
        reloaded = lambda: "reload.completed" in log_path.read_text(errors="replace")
        assert _poll(time.monotonic() + START_DEADLINE_S, reloaded), _tail(log_path)
        assert call_echo(base_url, token, "reloaded")["result"]["content"][0]["text"] == "reloaded"
        os.kill(supervisor, signal.SIGTERM)
        tracer.wait(timeout=START_DEADLINE_S)
    finally:
        _stop(tracer)
    used = traced_syscalls(summary)
    assert {"clone", "clone3", "vfork"} & used and "execve" in used, used  # the table was read
    refused = used - unit_syscall_allow_list()
    assert not refused, f"the unit's SystemCallFilter would refuse {sorted(refused)}"


# --------------------------------------------------------------------------------------------
# Reload re-reads /etc/gatehouse/gatehouse.env


def unit_commands(key: str, moves: dict[str, str]) -> list[list[str]]:
    """The service's `key=` command lines as argv, with each path of `moves` moved (longest
    first) and the "+" (full privileges) dropped: what systemd would run, run as the test user."""
    commands = []
    for value in unit_settings(SYSTEMD_DIR / "gatehouse.service")[key]:
        for old in sorted(moves, key=len, reverse=True):
            value = value.replace(old, moves[old])
        commands.append(shlex.split(value.removeprefix("+")))
    return commands


def metadata_resource_name(base_url: str) -> str:
    response = httpx.get(f"{base_url}/.well-known/oauth-protected-resource/mcp", timeout=TIMEOUT_S, trust_env=False)
    assert response.status_code == 200, response.text
    return response.json()["resource_name"]


def test_reload_applies_an_edited_configuration_file_and_refuses_an_invalid_one(idp: IdP, tmp_path: Path) -> None:
    """The unit's own commands, with /etc/gatehouse and /run/gatehouse moved to the test's
    directories: the start stages the file, a reload stages an edit and the supervisor applies it
    (no restart), and an invalid edit fails the reload before anything is staged or signalled."""
    etc, run = tmp_path / "etc", tmp_path / "run"
    etc.mkdir()
    run.mkdir()
    config = etc / "gatehouse.env"
    port = free_port()
    settings = (
        "GATEHOUSE_RESOURCE=https://mcp.gatehouse.test/mcp\n"
        f"GATEHOUSE_ISSUER={idp.issuer}\nGATEHOUSE_ALLOW_INSECURE_HTTP=true\n"
        f"GATEHOUSE_BIND=127.0.0.1:{port}\nGATEHOUSE_METRICS_BIND=127.0.0.1:0\nGATEHOUSE_WORKERS=1\n"
    )
    config.write_text(settings + "GATEHOUSE_RESOURCE_NAME=Before\n")
    moves = {
        "/etc/gatehouse/gatehouse.env": str(config), "/run/gatehouse": str(run),
        "/usr/local/bin/gatehouse": str(_executable("gatehouse")),
    }
    service_environment = dict(
        entry.split("=", 1) for value in unit_settings(SYSTEMD_DIR / "gatehouse.service")["Environment"] for entry in shlex.split(value)
    )
    env = _child_environment({name: value.replace("/run/gatehouse", str(run)) for name, value in service_environment.items()})
    staged = Path(env["GATEHOUSE_DOTENV"])

    def run_commands(key: str, extra: dict[str, str] | None = None) -> list[subprocess.CompletedProcess[str]]:
        results = []
        for argv in unit_commands(key, moves | (extra or {})):
            results.append(subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60))
            if results[-1].returncode != 0:
                break  # as systemd does: the rest of the lines do not run
        return results

    assert all(result.returncode == 0 for result in run_commands("ExecStartPre"))
    assert staged.read_text() == config.read_text()
    assert stat.S_IMODE(staged.stat().st_mode) == 0o400 and staged.stat().st_uid == run.stat().st_uid
    process, log_path = start_logged([str(_executable("gatehouse")), "serve"], env, tmp_path, "reloaded")
    try:
        base_url = f"http://127.0.0.1:{port}"
        wait_until_ready(base_url, process, log_path)
        assert metadata_resource_name(base_url) == "Before"

        config.write_text(settings + "GATEHOUSE_RESOURCE_NAME=After\n")
        reload = run_commands("ExecReload", {"$MAINPID": str(process.pid)})
        assert [result.returncode for result in reload] == [0, 0], [result.stderr for result in reload]
        assert _poll(time.monotonic() + START_DEADLINE_S, lambda: metadata_resource_name(base_url) == "After"), _tail(log_path)

        config.write_text(settings + "GATEHOUSE_WORKERS=none\n")
        refused = run_commands("ExecReload", {"$MAINPID": str(process.pid)})
        assert len(refused) == 1 and refused[0].returncode == 78, refused
        assert "GATEHOUSE_WORKERS: 'none' is not a whole number" in refused[0].stderr
        assert "GATEHOUSE_RESOURCE_NAME=After" in staged.read_text()
        assert process.poll() is None and metadata_resource_name(base_url) == "After"
    finally:
        _stop(process)
    assert process.returncode == 0, _tail(log_path)


# --------------------------------------------------------------------------------------------
# Socket activation and readiness notification


def test_socket_activation_from_the_shipped_socket_unit(
    idp: IdP, get_token: TokenFactory, tmp_path: Path, notify_socket: tuple[str, socket.socket]
) -> None:
    listen = unit_settings(SYSTEMD_DIR / "gatehouse.socket")["ListenStream"]
    assert len(listen) == 1
    host, _, shipped_port = listen[0].rpartition(":")
    assert shipped_port.isdigit()
    port = free_port()  # the shipped host, a free port
    notify_path, receiver = notify_socket
    # GATEHOUSE_BIND names a port nobody may use: the inherited socket must be the one served.
    env = supervisor_environment(idp, tmp_path, {"GATEHOUSE_BIND": "127.0.0.1:1"})
    argv = [SOCKET_ACTIVATE, f"--listen={host}:{port}", f"--setenv=NOTIFY_SOCKET={notify_path}"]
    argv += [f"--setenv={name}={value}" for name, value in env.items() if name.startswith("GATEHOUSE_")]
    argv += [str(_executable("gatehouse")), "serve"]
    process, log_path = start_logged(argv, env, tmp_path, "activated")
    try:
        base_url = f"http://{host}:{port}"
        # systemd-socket-activate starts gatehouse on the first connection, as systemd would.
        wait_until_ready(base_url, process, log_path)
        seen: list[str] = []
        assert wait_for_datagram(receiver, lambda line: line == "READY=1", seen), seen
        body = call_echo(base_url, get_token(), "activated")
        assert body["result"]["content"][0]["text"] == "activated"
        events = [json.loads(line).get("event") for line in log_path.read_text().splitlines() if line.startswith("{")]
        assert "supervisor.socket_activation" in events
    finally:
        _stop(process)
    assert process.returncode == 0, _tail(log_path)


# --------------------------------------------------------------------------------------------
# install.sh


def test_install_script_installs_below_destdir_and_keeps_the_configuration(tmp_path: Path) -> None:
    build_dir = _executable("gatehouse").parent
    root = tmp_path / "root"
    env = {**os.environ, "DESTDIR": str(root)}
    run = lambda: subprocess.run(
        [str(SYSTEMD_DIR / "install.sh"), str(build_dir)], env=env, capture_output=True, text=True, timeout=120
    )
    first = run()
    assert first.returncode == 0, first.stderr
    assert os.access(root / "usr/local/bin/gatehouse", os.X_OK)
    assert not (root / "usr/local/bin/gatehouse-worker").exists()
    assert (root / "etc/systemd/system/gatehouse.service").read_text() == (SYSTEMD_DIR / "gatehouse.service").read_text()
    assert (root / "etc/systemd/system/gatehouse.socket").is_file()
    env_file = root / "etc/gatehouse/gatehouse.env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    env_file.write_text("GATEHOUSE_RESOURCE=https://edited.example/mcp\n")
    second = run()
    assert second.returncode == 0, second.stderr
    assert env_file.read_text() == "GATEHOUSE_RESOURCE=https://edited.example/mcp\n"
