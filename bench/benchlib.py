"""Helpers the benchmark scripts share."""
import os
import shutil
import socket
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def wait_for(check, timeout=30.0, what="condition"):
    """Polls `check` until it returns something truthy; exceptions count as not yet."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception:
            pass
        time.sleep(0.01)
    raise TimeoutError(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wrk(url: str, script: str, connections: int, seconds: float, *, warmup: float = 0, env: dict | None = None,
        threads: int | None = None, cpu: int | None = None, delay_ms: int | None = None) -> dict:
    """One wrk run of a bench/wrk script; its RESULT line as numbers. `cpu` pins wrk to that core;
    `delay_ms` paces every connection (bench/wrk/steady.lua) instead of sending flat out."""
    environment = dict(os.environ, **(env or {}))
    if delay_ms is not None:
        environment.update(ROUTE_SCRIPT=os.path.join("bench", "wrk", script), DELAY_MS=str(delay_ms))
        script = "steady.lua"
    threads = threads or min(2, connections)
    base = ["wrk", f"-t{threads}", f"-c{connections}", "-s", os.path.join("bench", "wrk", script)]
    if cpu is not None and shutil.which("taskset"):
        base = ["taskset", "-c", str(cpu)] + base
    # wrk takes whole seconds.
    if warmup > 0:
        subprocess.run(base + [f"-d{max(1, round(warmup))}s", url], cwd=ROOT, env=environment, check=True, capture_output=True)
    out = subprocess.run(base + [f"-d{max(1, round(seconds))}s", "--latency", url], cwd=ROOT, env=environment, check=True,
                         capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith("RESULT"))
    return {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


def descendants(pid: int) -> list[int]:
    """The process and every process under it."""
    found = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as children:
                for child in children.read().split():
                    found += descendants(int(child))
    except FileNotFoundError:
        pass
    return found


def pin(pid: int, cpus: str) -> None:
    """Every thread of the process and its children onto `cpus` (a taskset list such as "1")."""
    for process in descendants(pid):
        subprocess.run(["taskset", "-a", "-p", "-c", cpus, str(process)], check=False, capture_output=True)
