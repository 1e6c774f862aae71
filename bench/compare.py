#!/usr/bin/env python3
"""Gatehouse next to its peer (FastMCP under Gunicorn + Uvicorn), the framework's ceiling (plain
SwiftNIO answering a fixed body, as many processes as Gatehouse has workers) and the machine's
limit (nginx answering `return 200`), under the same wrk load, on the same machine, in the same
run; then latency at a steady rate and how cost grows (bench/scaling.py).

Run it through `bench/run.sh`, which installs and builds what this needs; directly:

    bench/compare.py --bin DIR --nio-baseline PATH [--seconds 20] [--warmup 3] [--connections 16,64]
                     [--output DIR] [--smoke]

Every response is checked by the wrk scripts in bench/wrk (status and body); a wrong answer from
Gatehouse or nginx makes the run fail, the peer's are reported. Figures are ratios within this
run: the machine is shared, so absolute numbers move from run to run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone

import scaling
from benchlib import free_port, wait_for, wrk

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
ECHO_MESSAGE = "hello"


@dataclass
class Result:
    target: str
    route: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    bad: int
    errors: int
    requests: int
    p999_ms: float = 0.0


@dataclass
class Stack:
    """The processes under test; stopped in reverse order at exit."""
    tmp: str
    processes: list = field(default_factory=list)

    def start(self, name: str, argv: list[str], env: dict | None = None, cwd: str | None = None) -> subprocess.Popen:
        log = open(os.path.join(self.tmp, f"{name}.log"), "w")
        process = subprocess.Popen(argv, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.processes.append((name, process))
        return process

    def stop(self) -> None:
        for _, process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def http_get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def post_json(url: str, body: dict, token: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def fetch_token(issuer: str) -> str:
    data = b"grant_type=client_credentials&client_id=mcp-client&client_secret=mcp-secret&scope=mcp:read"
    with urllib.request.urlopen(f"{issuer}/protocol/openid-connect/token", data, timeout=5) as response:
        return json.load(response)["access_token"]


def memory_kib(pid: int) -> dict[str, int]:
    """RSS (every page the process touches, shared libraries included), PSS (shared pages split
    among the processes that map them) and USS (pages only this process has), in KiB."""
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                fields[parts[0][:-1]] = int(parts[1])
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields.get("Private_Clean", 0) + fields.get("Private_Dirty", 0)}


def distinct_resident_kib(pids: list[int]) -> int:
    """The resident pages of these processes, each page counted once however many of them map it
    (page frame numbers from /proc/PID/pagemap, which needs root): what their PSS would sum to if
    no other process on the machine mapped the same libraries. 0 when the frame numbers are hidden."""
    page = os.sysconf("SC_PAGE_SIZE")
    frames: set[int] = set()
    for pid in pids:
        with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/pagemap", "rb") as pagemap:
            for mapping in maps:
                start, end = (int(address, 16) for address in mapping.split()[0].split("-"))
                if mapping.rstrip().endswith("[vsyscall]"):
                    continue
                pagemap.seek(start // page * 8)
                entries = pagemap.read((end - start) // page * 8)
                for offset in range(0, len(entries), 8):
                    entry = int.from_bytes(entries[offset:offset + 8], "little")
                    if entry >> 63 & 1:
                        frames.add(entry & ((1 << 55) - 1))
    if frames == {0}:
        return 0
    return len(frames) * page // 1024


def children(pid: int) -> list[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        return [int(p) for p in f.read().split()]


def cpu_ticks(pid: int) -> int:
    """User and system time of one process so far, in clock ticks."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def scrape_cost(url: str, pid: int, count: int) -> dict:
    """What `count` scrapes of /metrics cost the supervisor that serves them."""
    before, started, size = cpu_ticks(pid), time.monotonic(), 0
    for _ in range(count):
        status, body = http_get(url)
        assert status == 200, status
        size = len(body)
    wall = time.monotonic() - started
    cpu = (cpu_ticks(pid) - before) / os.sysconf("SC_CLK_TCK")
    return {"scrapes": count, "bytes": size, "cpu_ms_per_scrape": cpu * 1000 / count, "wall_ms_per_scrape": wall * 1000 / count}


def run_wrk(url: str, script: str, connections: int, seconds: float, warmup: float, token: str) -> dict:
    return wrk(url, script, connections, seconds, warmup=warmup, env={"TOKEN": token})


def openssl_verify_rates(seconds: int) -> dict[str, float]:
    """`openssl speed` verify operations per second, one core, machine-readable output."""
    out = subprocess.run(["openssl", "speed", "-mr", "-seconds", str(seconds), "rsa2048", "ecdsap256"],
                         capture_output=True, text=True, check=True).stdout
    rates = {}
    for line in out.splitlines():
        parts = line.split(":")
        if line.startswith("+F2:") and parts[2] == "2048":
            rates["RS256"] = float(parts[4])
        elif line.startswith("+F4:") and parts[2] == "256":
            rates["ES256"] = float(parts[4])
    return rates


def validation_rates(bindir: str, seconds: float) -> dict[str, float]:
    """Gatehouse's own uncached validations per second (`gatehouse worker validation-speed`), one core."""
    argv = [os.path.join(bindir, "gatehouse"), "worker", "validation-speed", "--seconds", str(seconds)]
    if shutil.which("taskset"):
        argv = ["taskset", "-c", "0"] + argv
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"^(\w+) validations_per_second=([\d.]+)", out, re.M)}


def gatehouse_env(resource: str, issuer: str, bind: str, workers: int, extra: dict | None = None) -> dict:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "GATEHOUSE_RESOURCE": resource, "GATEHOUSE_ISSUER": issuer,
           "GATEHOUSE_ALLOW_INSECURE_HTTP": "true", "GATEHOUSE_BIND": bind, "GATEHOUSE_WORKERS": str(workers),
           "GATEHOUSE_DOTENV": "/dev/null", "GATEHOUSE_LOG_LEVEL": "info",
           "GATEHOUSE_METRICS_BIND": "127.0.0.1:0"}
    env.update(extra or {})
    return env


def time_to_ready(bindir: str, issuer: str, workers: int, tmp: str) -> float:
    """Seconds from spawning `gatehouse serve` to its READY=1 on a notification socket."""
    notify_path = os.path.join(tmp, f"notify-{workers}.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as notify:
        notify.bind(notify_path)
        port = free_port()
        env = gatehouse_env(f"http://127.0.0.1:{port}/mcp", issuer, f"127.0.0.1:{port}", workers,
                            {"NOTIFY_SOCKET": notify_path})
        started = time.monotonic()
        process = subprocess.Popen([os.path.join(bindir, "gatehouse"), "serve"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            notify.settimeout(30)
            while True:
                message = notify.recv(4096).decode()
                if "READY=1" in message.split("\n"):
                    return time.monotonic() - started
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
            os.unlink(notify_path)


def nginx_config(tmp: str, port: int, body: str, workers: int = 2, name: str = "nginx") -> str:
    escaped = body.replace("\\", "\\\\").replace("'", "\\'")
    path = os.path.join(tmp, f"{name}.conf")
    with open(path, "w") as conf:
        conf.write(f"""worker_processes {workers};
pid {tmp}/{name}.pid;
error_log {tmp}/{name}-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp};
    uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ default_type application/json; return 200 '{escaped}'; }}
    }}
}}
""")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory with gatehouse and gatehouse-dev-idp")
    parser.add_argument("--nio-baseline", required=True, help="the bench/nio-baseline executable")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--connections", default="16,64")
    parser.add_argument("--output", default=ROOT, help="where BENCHMARKS.md and bench/benchmarks.png go")
    parser.add_argument("--smoke", action="store_true", help="a short run that checks the harness works")
    args = parser.parse_args()
    args.load_at_start = os.getloadavg()
    connection_counts = [int(c) for c in args.connections.split(",")]
    if args.smoke:
        # wrk's shortest run is a second: one connection count, no warm-ups, every phase once.
        args.seconds, args.warmup, connection_counts = 1, 0, connection_counts[:1]
    bindir = os.path.abspath(args.bin)
    venv_bin = os.path.join(BENCH, ".venv", "bin")

    tmp = tempfile.mkdtemp(prefix="gatehouse-compare-")
    stack = Stack(tmp)
    try:
        idp_port, gatehouse_port, peer_port, nginx_port, nio_port = free_port(), free_port(), free_port(), free_port(), free_port()
        quiet_port, metrics_port = free_port(), free_port()
        quiet_url = f"http://127.0.0.1:{quiet_port}"
        metrics_url = f"http://127.0.0.1:{metrics_port}/metrics"
        gatehouse_url = f"http://127.0.0.1:{gatehouse_port}"
        peer_url = f"http://127.0.0.1:{peer_port}"
        resource = f"{gatehouse_url}/mcp"
        issuer = f"http://127.0.0.1:{idp_port}/realms/mcp-realm"

        stack.start("idp", [os.path.join(bindir, "gatehouse-dev-idp"), "--port", str(idp_port), "--audience", resource,
                            "--token-lifetime", "7200"])
        wait_for(lambda: http_get(f"{issuer}/.well-known/openid-configuration")[0] == 200, what="identity provider")
        discovery = json.loads(http_get(f"{issuer}/.well-known/openid-configuration")[1])
        token = fetch_token(issuer)

        supervisor = stack.start("gatehouse", [os.path.join(bindir, "gatehouse"), "serve"],
                                 env=gatehouse_env(resource, issuer, f"127.0.0.1:{gatehouse_port}", 2,
                                                   {"GATEHOUSE_METRICS_BIND": f"127.0.0.1:{metrics_port}"}))
        wait_for(lambda: http_get(f"{gatehouse_url}/readyz")[0] == 200, what="gatehouse ready")
        wait_for(lambda: len(children(supervisor.pid)) == 2, what="two gatehouse workers")
        # Idle memory before anything else of ours runs: a second Gatehouse would share its libraries and lower the PSS.
        gatehouse_workers = children(supervisor.pid)
        time.sleep(1)
        idle_gatehouse = {"gatehouse": [memory_kib(p) for p in gatehouse_workers],
                          "gatehouse supervisor": [memory_kib(supervisor.pid)],
                          "distinct": distinct_resident_kib([supervisor.pid] + gatehouse_workers)}
        # The same server with metrics off (nothing counted, nothing sent), for what metrics cost.
        quiet = stack.start("gatehouse-no-metrics", [os.path.join(bindir, "gatehouse"), "serve"],
                            env=gatehouse_env(resource, issuer, f"127.0.0.1:{quiet_port}", 2, {"GATEHOUSE_METRICS_BIND": ""}))
        wait_for(lambda: http_get(f"{quiet_url}/readyz")[0] == 200, what="gatehouse (metrics off) ready")
        wait_for(lambda: len(children(quiet.pid)) == 2, what="two gatehouse (metrics off) workers")
        wait_for(lambda: http_get(metrics_url)[0] == 200, what="gatehouse metrics")

        peer_env = dict(os.environ, PEER_JWKS_URI=discovery["jwks_uri"], PEER_ISSUER=issuer, PEER_AUDIENCE=resource,
                        PEER_BASE_URL=peer_url)
        peer = stack.start("peer", [os.path.join(venv_bin, "gunicorn"), "-k", "uvicorn.workers.UvicornWorker", "-w", "2",
                                    "-b", f"127.0.0.1:{peer_port}", "--log-level", "warning", "fastmcp_app:app"],
                           env=peer_env, cwd=os.path.join(BENCH, "peer"))
        wait_for(lambda: http_get(f"{peer_url}/readyz")[0] == 200, timeout=60, what="FastMCP peer ready")

        # nginx answers with exactly Gatehouse's echo response, so the same checks apply.
        call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                "params": {"name": "echo", "arguments": {"message": ECHO_MESSAGE}}}
        status, echo_body = post_json(resource, call, token)
        assert status == 200 and b'"text":"hello"' in echo_body, (status, echo_body)
        peer_status, peer_body = post_json(f"{peer_url}/mcp", call, token)
        assert peer_status == 200 and b'"text":"hello"' in peer_body, (peer_status, peer_body)
        nginx = stack.start("nginx", ["nginx", "-e", os.path.join(tmp, "nginx-error.log"), "-c",
                                      nginx_config(tmp, nginx_port, echo_body.decode())])
        wait_for(lambda: http_get(f"http://127.0.0.1:{nginx_port}/")[0] == 200, what="nginx")
        # The framework's ceiling: plain NIO, one process per Gatehouse worker on one SO_REUSEPORT port.
        echo_file = os.path.join(tmp, "echo-body.json")
        with open(echo_file, "wb") as file:
            file.write(echo_body)

        def start_nio(processes: int, port: int, name: str) -> list[subprocess.Popen]:
            started = [stack.start(f"{name}-{index}", [os.path.abspath(args.nio_baseline), str(port), "@" + echo_file])
                       for index in range(processes)]
            wait_for(lambda: http_get(f"http://127.0.0.1:{port}/")[0] == 200, what="plain NIO")
            return started
        nio = start_nio(2, nio_port, "nio")

        peer_workers = children(peer.pid)
        idle_memory = dict(idle_gatehouse, peer=[memory_kib(p) for p in peer_workers])

        routes = [
            ("tools/call echo", "/mcp", "mcp-echo.lua"),
            ("401 no token", "/mcp", "unauthenticated.lua"),
            ("metadata GET", "/.well-known/oauth-protected-resource/mcp", "metadata.lua"),
            ("/readyz", "/readyz", "readyz.lua"),
        ]
        # Both MCP eras on the same endpoint, next to each other; the peer speaks the 2025 one.
        gatehouse_routes = routes[:1] + [("tools/call 2026", "/mcp", "mcp-echo-2026.lua")] + routes[1:]
        plan = [("gatehouse", gatehouse_url, gatehouse_routes),
                ("gatehouse metrics off", quiet_url, routes[:1]), ("fastmcp", peer_url, routes),
                ("plain NIO", f"http://127.0.0.1:{nio_port}", [("fixed body", "/mcp", "mcp-echo.lua")]),
                ("nginx return 200", f"http://127.0.0.1:{nginx_port}", [("return 200", "/mcp", "mcp-echo.lua")])]
        results: list[Result] = []
        supervisor_ticks, load_started = cpu_ticks(supervisor.pid), time.monotonic()
        for connections in connection_counts:
            for target, base, target_routes in plan:
                for route, path, script in target_routes:
                    figures = run_wrk(base + path, script, connections, args.seconds, args.warmup, token)
                    result = Result(target, route, connections, figures["rps"], figures["p50_ms"], figures["p99_ms"],
                                    int(figures["bad"]), int(figures["errors"]), int(figures["requests"]), figures["p999_ms"])
                    results.append(result)
                    print(f"{target:18} {route:16} c={connections:<3} rps={result.rps:9.0f} p99={result.p99_ms:7.2f} ms "
                          f"bad={result.bad} errors={result.errors}", flush=True)
        supervisor_load = {"cpu_share": (cpu_ticks(supervisor.pid) - supervisor_ticks) / os.sysconf("SC_CLK_TCK")
                                        / (time.monotonic() - load_started)}
        supervisor_load.update(scrape_cost(metrics_url, supervisor.pid, 20 if args.smoke else 500))
        loaded_memory = {"gatehouse": [memory_kib(p) for p in gatehouse_workers],
                         "peer": [memory_kib(p) for p in peer_workers],
                         "gatehouse supervisor": [memory_kib(supervisor.pid)]}

        phase_seconds = 1 if args.smoke else max(5, args.seconds * 3 // 4)
        nio_url, ceiling_run = f"http://127.0.0.1:{nio_port}", (f"http://127.0.0.1:{nio_port}/mcp", "mcp-echo.lua")
        paired = scaling.paired_ratios([
            ("tools/call ÷ plain NIO", (f"{gatehouse_url}/mcp", "mcp-echo.lua"), ceiling_run),
            ("401 no token ÷ plain NIO", (f"{gatehouse_url}/mcp", "unauthenticated.lua"), ceiling_run),
            ("metadata GET ÷ plain NIO", (f"{gatehouse_url}/.well-known/oauth-protected-resource/mcp", "metadata.lua"), ceiling_run),
            ("tools/call ÷ peer", (f"{gatehouse_url}/mcp", "mcp-echo.lua"), (f"{peer_url}/mcp", "mcp-echo.lua")),
            ("tools/call, metrics on ÷ off", (f"{gatehouse_url}/mcp", "mcp-echo.lua"), (f"{quiet_url}/mcp", "mcp-echo.lua")),
        ], connection_counts, token, 1 if args.smoke else 5, 1 if args.smoke else 5)
        # Latency at a steady rate: the servers get one core, so each runs one process on it, as
        # workers are sized to cores. Two processes on one core take turns in the scheduler's
        # time slices, and a request that reaches the one waiting waits out the other's slice.
        steady_ports = {name: free_port() for name in ("gatehouse", "fastmcp", "nginx", "nio")}
        steady_servers = [
            stack.start("gatehouse-steady", [os.path.join(bindir, "gatehouse"), "serve"],
                        env=gatehouse_env(resource, issuer, f"127.0.0.1:{steady_ports['gatehouse']}", 1)),
            stack.start("peer-steady", [os.path.join(venv_bin, "gunicorn"), "-k", "uvicorn.workers.UvicornWorker", "-w", "1",
                                        "-b", f"127.0.0.1:{steady_ports['fastmcp']}", "--log-level", "warning", "fastmcp_app:app"],
                        env=peer_env, cwd=os.path.join(BENCH, "peer")),
            stack.start("nginx-steady", ["nginx", "-e", os.path.join(tmp, "nginx-steady-error.log"), "-c",
                                         nginx_config(tmp, steady_ports["nginx"], echo_body.decode(), 1, "nginx-steady")]),
        ] + start_nio(1, steady_ports["nio"], "nio-steady")
        steady_urls = {name: f"http://127.0.0.1:{port}" for name, port in steady_ports.items()}
        for name, url in steady_urls.items():
            wait_for(lambda: http_get(f"{url}/readyz" if name in ("gatehouse", "fastmcp") else url)[0] == 200,
                     timeout=60, what=f"{name} (one process) ready")
        steady = scaling.steady_latency([
            ("gatehouse", "tools/call echo", f"{steady_urls['gatehouse']}/mcp", "mcp-echo.lua", [steady_servers[0].pid]),
            ("fastmcp", "tools/call echo", f"{steady_urls['fastmcp']}/mcp", "mcp-echo.lua", [steady_servers[1].pid]),
            ("nginx return 200", "return 200", f"{steady_urls['nginx']}/mcp", "mcp-echo.lua", [steady_servers[2].pid]),
            ("plain NIO", "fixed body", f"{steady_urls['nio']}/mcp", "mcp-echo.lua", [steady_servers[3].pid]),
        ], token, phase_seconds, warmup=0 if args.smoke else 1)
        for process in steady_servers:
            stop_process(process)

        def start_gatehouse(workers: int, extra: dict | None = None) -> tuple[str, callable]:
            port = free_port()
            process = stack.start(f"gatehouse-{workers}-{port}", [os.path.join(bindir, "gatehouse"), "serve"],
                                  env=gatehouse_env(resource, issuer, f"127.0.0.1:{port}", workers, extra))
            wait_for(lambda: http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200, what=f"gatehouse ({workers} workers)")
            wait_for(lambda: len(children(process.pid)) == workers, what=f"{workers} gatehouse workers")
            return f"http://127.0.0.1:{port}", lambda: stop_process(process)

        def start_plain_nio(processes: int) -> tuple[str, callable]:
            port = free_port()
            started = start_nio(processes, port, f"nio-{processes}")
            return f"http://127.0.0.1:{port}", lambda: [stop_process(p) for p in started]

        token_count = 200 if args.smoke else 10_000
        tokens_file = scaling.write_lines(os.path.join(tmp, "tokens.txt"),
                                          scaling.fetch_tokens(lambda: fetch_token(issuer), token_count))
        storm_file = scaling.write_lines(os.path.join(tmp, "storm.txt"), scaling.unknown_kid_tokens(token, 1000))
        uncached_url, stop_uncached = start_gatehouse(2, {"GATEHOUSE_TOKEN_CACHE_SIZE": "0"})
        growth = scaling.growth(gatehouse_url=gatehouse_url, uncached_url=uncached_url, token=token, tokens_file=tokens_file,
                                storm_file=storm_file, start_gatehouse=start_gatehouse, start_nio=start_plain_nio,
                                seconds=phase_seconds, warmup=0 if args.smoke else 1)
        stop_uncached()
        stack.stop()
        stack = Stack(tmp)

        micro_seconds = 0.5 if args.smoke else 3
        openssl = openssl_verify_rates(1 if args.smoke else 3)
        validation = validation_rates(bindir, micro_seconds)
        ready = {}
        idp = stack.start("idp-ready", [os.path.join(bindir, "gatehouse-dev-idp"), "--port", str(idp_port)])
        wait_for(lambda: http_get(f"{issuer}/.well-known/openid-configuration")[0] == 200, what="identity provider")
        for workers in (2, 4):
            ready[workers] = statistics.median(time_to_ready(bindir, issuer, workers, tmp) for _ in range(1 if args.smoke else 3))

        report = Report(results, idle_memory, loaded_memory, openssl, validation, ready, args, supervisor_load, steady, growth,
                        paired)
        report.write(args.output)
        failures = [r for r in results if r.target != "fastmcp" and (r.bad or r.requests == 0)]
        failures += [r for r in steady if r.target != "fastmcp" and r.bad]
        failures += [r for r in growth if r.bad]
        for r in failures:
            print(f"FAILED: {r}: wrong answers", file=sys.stderr)
        return 1 if failures else 0
    finally:
        stack.stop()
        # The servers' logs (an access line per request: gigabytes a run) are kept only when the run
        # stopped on an error; a run that finished, even with wrong answers, removes them.
        if sys.exc_info()[0] is None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"the servers' logs are in {tmp}", file=sys.stderr)


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Report:
    def __init__(self, results, idle_memory, loaded_memory, openssl, validation, ready, args, supervisor_load, steady, growth,
                 paired):
        self.steady, self.growth, self.paired = steady, growth, paired
        self.load_at_start = getattr(args, "load_at_start", os.getloadavg())
        self.results, self.idle_memory, self.loaded_memory = results, idle_memory, loaded_memory
        self.openssl, self.validation, self.ready, self.args = openssl, validation, ready, args
        self.supervisor_load = supervisor_load

    def find(self, target, route, connections) -> Result | None:
        return next((r for r in self.results if (r.target, r.route, r.connections) == (target, route, connections)), None)

    def limit(self, connections) -> Result:
        return self.find("nginx return 200", "return 200", connections)

    @staticmethod
    def machine() -> str:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
        memory = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
        return f"{platform.node()}: {model}, {os.cpu_count()} cores, {memory / 1048576:.0f} GiB, Linux {platform.release()}"

    def ceiling(self, connections) -> Result | None:
        return self.find("plain NIO", "fixed body", connections)

    def idle_pss_mib(self) -> float:
        """The supervisor and its idle workers, PSS summed."""
        return sum(m["pss"] for m in self.idle_memory["gatehouse"] + self.idle_memory["gatehouse supervisor"]) / 1024

    def idle_alone_mib(self) -> float:
        """The same three, each resident page once: their summed PSS with nothing else mapping their libraries."""
        return self.idle_memory.get("distinct", 0) / 1024

    def targets(self):
        """The issue's targets, each with this run's figure and whether it held."""
        big = max(self.args_connections())
        rows = []
        # Judged on the ratios measured in turns; the main table's single figures are beside them.
        bounds = {"tools/call ÷ plain NIO": 0.5, "401 no token ÷ plain NIO": 0.8, "metadata GET ÷ plain NIO": 0.8,
                  "tools/call ÷ peer": 25}
        for c in self.args_connections():
            for name, bound in bounds.items():
                paired = next((r for r in self.paired if (r.name, r.connections) == (name, c)), None)
                ours_route, reference = name.split(" ÷ ")
                ours = self.find("gatehouse", "tools/call echo" if ours_route == "tools/call" else ours_route, c)
                theirs = self.ceiling(c) if reference == "plain NIO" else self.find("fastmcp", "tools/call echo", c)
                single = f"; main table {ours.rps / theirs.rps:.2f}×" if ours and theirs and theirs.rps else ""
                if paired and paired.ratios:
                    rows.append((f"{ours_route} ≥ {bound:g}× {reference} (c={c})",
                                 f"{paired.median:.2f}× (median of {len(paired.ratios)} in turns{single})", paired.median >= bound))
        steady = next((r for r in self.steady if r.target == "gatehouse"), None)
        if steady:
            rows.append((f"tools/call p99 ≤ 2 ms at half its peak, pinned ({steady.got_rps:,.0f} req/s)",
                         f"{steady.p99_ms:.2f} ms (p99.9 {steady.p999_ms:.2f} ms)", steady.p99_ms <= 2))
        modern, legacy = self.find("gatehouse", "tools/call 2026", big), self.find("gatehouse", "tools/call echo", big)
        if modern and legacy and legacy.rps:
            ratio = modern.rps / legacy.rps
            rows.append((f"tools/call 2026-07-28 ≥ 0.9× the 2025 era (c={big})", f"{ratio:.2f}×", ratio >= 0.9))
        for c in self.args_connections():
            on, off = self.find("gatehouse", "tools/call echo", c), self.find("gatehouse metrics off", "tools/call echo", c)
            paired = next((r for r in self.paired if (r.name, r.connections) == ("tools/call, metrics on ÷ off", c)), None)
            if paired and paired.ratios and on and off and off.rps:
                rows.append((f"tools/call with metrics ≥ 0.95× without (c={c})",
                             f"{paired.median:.3f}× (median of {len(paired.ratios)} in turns; main table {on.rps / off.rps:.3f}×)",
                             paired.median >= 0.95))
        for algorithm, bound in (("RS256", 0.8), ("ES256", 0.9)):
            if algorithm in self.validation and algorithm in self.openssl:
                ratio = self.validation[algorithm] / self.openssl[algorithm]
                rows.append((f"uncached {algorithm} validation ≥ {bound}× openssl verify", f"{ratio:.2f}×", ratio >= bound))
        # Judged on the figure that other programs on the machine cannot lower.
        pss, alone = self.idle_pss_mib(), self.idle_alone_mib()
        figure = f"{alone:.1f} MiB alone ({pss:.1f} MiB as measured beside other programs)" if alone else f"{pss:.1f} MiB"
        rows.append(("PSS of the supervisor and 2 idle workers, summed ≤ 30 MiB", figure, (alone or pss) <= 30))
        return rows

    def args_connections(self):
        return sorted({r.connections for r in self.results})

    def markdown(self, chart_name: str) -> str:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        load = os.getloadavg()
        lines = [
            "# Benchmarks", "",
            f"Run {now} on {self.machine()}; load average at the start {self.load_at_start[0]:.2f}, "
            f"at the end {load[0]:.2f} (the machine is shared: read the ratios, not the absolute figures).",
            f"`bench/run.sh`: wrk -t2, {self.args.seconds:g} s per figure after a {self.args.warmup:g} s warm-up; "
            "every response checked (status and body); release builds. Gatehouse: `gatehouse serve`, 2 workers, "
            "log level info (one access line per request). Peer: FastMCP (JWTVerifier in RemoteAuthProvider, "
            "stateless, JSON responses) under `gunicorn -k uvicorn.workers.UvicornWorker -w 2`. The framework's "
            "ceiling: plain SwiftNIO (bench/nio-baseline), 2 processes on one SO_REUSEPORT port, answering "
            "Gatehouse's echo response as a fixed body, no log. Limit: nginx, 2 worker processes, `return 200` "
            "with the same body, access log on. wrk runs on the same two cores as the server it measures, "
            "except in the steady-rate section.",
            "" if not self.args.smoke else "\n**Smoke run: durations too short for the figures to mean anything.**",
            "", f"![requests per second and p99 per target]({chart_name})", "",
            "| target | route | conns | req/s | p50 ms | p99 ms | p99.9 ms | wrong | socket errors | ÷ peer | ÷ plain NIO | ÷ nginx |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in self.results:
            peer = self.find("fastmcp", r.route, r.connections)
            limit, ceiling = self.limit(r.connections), self.ceiling(r.connections)
            vs_peer = f"{r.rps / peer.rps:.1f}×" if r.target == "gatehouse" and peer and peer.rps else ""
            vs_nio = f"{r.rps / ceiling.rps:.2f}×" if r.target.startswith("gatehouse") and ceiling and ceiling.rps else ""
            vs_nginx = f"{r.rps / limit.rps:.2f}×" if r.target != "nginx return 200" and limit.rps else ""
            lines.append(f"| {r.target} | {r.route} | {r.connections} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | "
                         f"{r.p999_ms:.2f} | {r.bad} | {r.errors} | {vs_peer} | {vs_nio} | {vs_nginx} |")
        lines += [""] + scaling.paired_markdown(self.paired, 1 if self.args.smoke else 5)
        lines += [""] + scaling.steady_markdown(self.steady)
        lines += [""] + scaling.growth_markdown(self.growth)
        lines += ["", "## Micro figures", "",
                  "| figure | Gatehouse | reference | ratio |", "|---|---|---|---|"]
        for algorithm, reference in (("RS256", "rsa2048"), ("ES256", "ecdsap256")):
            ours, theirs = self.validation.get(algorithm), self.openssl.get(algorithm)
            if ours and theirs:
                lines.append(f"| uncached {algorithm} validations/s, one core | {ours:,.0f} | openssl speed {reference} "
                             f"verify/s {theirs:,.0f} | {ours / theirs:.2f}× |")
        for workers, seconds in self.ready.items():
            lines.append(f"| start to READY=1, {workers} workers (median) | {seconds * 1000:.0f} ms | | |")
        load = self.supervisor_load
        lines.append(f"| supervisor CPU while the workers are loaded (snapshots every 0.5 s from each) | "
                     f"{load['cpu_share'] * 100:.2f} % of a core | | |")
        lines.append(f"| one scrape of /metrics: supervisor CPU, size | {load['cpu_ms_per_scrape']:.2f} ms, "
                     f"{load['bytes'] / 1024:.1f} KiB | {load['scrapes']} scrapes, {load['wall_ms_per_scrape']:.2f} ms each | |")
        for who, name in (("gatehouse", "Gatehouse worker"), ("peer", "FastMCP worker"),
                          ("gatehouse supervisor", "Gatehouse supervisor")):
            for kind in ("rss", "pss", "uss"):
                idle = ", ".join(f"{m[kind] / 1024:.1f}" for m in self.idle_memory[who])
                loaded = ", ".join(f"{m[kind] / 1024:.1f}" for m in self.loaded_memory[who])
                lines.append(f"| {name} {kind.upper()}, idle / after load (MiB each) | {idle} / {loaded} | | |")
        lines.append(f"| Gatehouse supervisor and 2 idle workers, PSS summed | {self.idle_pss_mib():.1f} MiB | | |")
        if self.idle_alone_mib():
            lines.append(f"| the same three, each resident page counted once (their PSS sum with nothing else running) | "
                         f"{self.idle_alone_mib():.1f} MiB | | |")
        lines += ["", "RSS counts every page a process touches, shared libraries included; PSS divides shared "
                  "pages among the processes that map them (on a shared machine, other Swift programs running "
                  "at the time share the toolchain's libraries too, and lower it: hence the figure that counts each "
                  "page of the three once, from /proc/PID/pagemap); USS is what only that process holds. Gatehouse's "
                  "idle figures are taken before any other server of the run starts. The binary is built as "
                  "shipped (`--static-swift-stdlib`, linked by lld with the functions a server runs at start "
                  "placed together, `Sources/Gatehouse/startup.order`): it carries its own Swift runtime and "
                  "Foundation, and the supervisor starts its workers from it (`gatehouse worker`), so the three "
                  "share its pages."]
        lines += ["", "## Targets (issue 15)", "", "| target | this run | held |", "|---|---|---|"]
        for name, figure, held in self.targets():
            lines.append(f"| {name} | {figure} | {'yes' if held else 'no'} |")
        lines += ["", "Rerun: `bench/run.sh` (about 20 minutes; `bench/run.sh --seconds 15`, as here, about 17; `bench/run.sh --smoke` checks the harness in about a minute)."]
        return "\n".join(lines) + "\n"

    def chart(self, path: str) -> None:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        labels, groups = [], {}
        for r in self.results:
            label = f"{r.route}\nc={r.connections}"
            if label not in labels:
                labels.append(label)
            groups.setdefault(r.target, {})[label] = r
        figure, (top, bottom) = plt.subplots(2, 1, figsize=(13, 8), sharex=True)
        width = 0.8 / len(groups)
        for index, (target, by_label) in enumerate(groups.items()):
            xs = [i + index * width for i, label in enumerate(labels) if label in by_label]
            top.bar(xs, [by_label[l].rps for l in labels if l in by_label], width, label=target)
            bottom.bar(xs, [by_label[l].p99_ms for l in labels if l in by_label], width, label=target)
        top.set_ylabel("requests per second")
        bottom.set_ylabel("p99 latency (ms)")
        bottom.set_yscale("log")
        bottom.set_xticks([i + 0.4 - width / 2 for i in range(len(labels))], labels, fontsize=8)
        top.legend()
        top.set_title("Gatehouse, FastMCP and nginx under the same wrk load")
        figure.tight_layout()
        figure.savefig(path, dpi=100)

    def write(self, output: str) -> None:
        chart_relative = os.path.join("bench", "benchmarks.png")
        os.makedirs(os.path.join(output, "bench"), exist_ok=True)
        self.chart(os.path.join(output, chart_relative))
        with open(os.path.join(output, "BENCHMARKS.md"), "w") as markdown:
            markdown.write(self.markdown(chart_relative))
        print(f"wrote {os.path.join(output, 'BENCHMARKS.md')} and {os.path.join(output, chart_relative)}")


if __name__ == "__main__":
    sys.exit(main())
