"""The parts of bench/compare.py that go past one flat-out figure per route: latency at a steady
rate (load generator and servers on separate cores), and how cost grows with workers, body
size, distinct tokens and a storm of unknown key ids. Each phase returns rows; `markdown`
turns them into the sections of BENCHMARKS.md."""
from __future__ import annotations

import base64
import json
import os
import statistics
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from benchlib import ROOT, pin, wrk

SERVER_CPUS, WRK_CPU = "1", 0
# Each paced connection sends a request, waits for the answer, then waits a pause of 1 to 20 ms
# chosen so that about this many connections give the rate: wrk keeps its timers in a list it
# scans on every loop turn, so hundreds of paced connections would time wrk, not the server.
PACED_CONNECTIONS = 40


@dataclass
class SteadyResult:
    target: str
    route: str
    peak_rps: float
    asked_rps: float
    got_rps: float
    connections: int
    pause_ms: int
    p50_ms: float
    p99_ms: float
    p999_ms: float
    bad: int
    errors: int


@dataclass
class PairedRatio:
    """One target's ratio, from short runs of it and its reference taking turns."""
    name: str
    connections: int
    ratios: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.ratios) if self.ratios else 0.0


def paired_ratios(pairs: list[tuple[str, tuple[str, str], tuple[str, str]]], connections: list[int], token: str,
                  seconds: float, rounds: int) -> list[PairedRatio]:
    """Each (name, (url, script), (reference url, reference script)) measured in turn with its
    reference, `rounds` times: on a shared machine the load moves from minute to minute, and a
    ratio of two runs taken seconds apart, repeated, says more than one of two runs minutes apart.
    Each distinct (url, script) runs once per round, so a reference shared by several pairs is
    measured once beside all of them."""
    env = {"TOKEN": token}
    results = [PairedRatio(name, c, []) for c in connections for name, *_ in pairs]
    for _ in range(rounds):
        for c in connections:
            order = list(dict.fromkeys(run for _, ours, theirs in pairs for run in (theirs, ours)))
            rates = {run: wrk(run[0], run[1], c, seconds, env=env)["rps"] for run in order}
            for name, ours, theirs in pairs:
                if rates[theirs]:
                    next(r for r in results if (r.name, r.connections) == (name, c)).ratios.append(rates[ours] / rates[theirs])
    for r in results:
        print(f"paired {r.name:28} c={r.connections:<3} median={r.median:.3f} of {', '.join(f'{x:.3f}' for x in r.ratios)}", flush=True)
    return results


def paired_markdown(results: list[PairedRatio], seconds: float) -> list[str]:
    if not results:
        return []
    rounds = max(len(r.ratios) for r in results)
    lines = ["## Ratios measured in turns", "",
             f"The main table runs each figure once, minutes apart from its reference; on a shared machine the "
             f"load moves in between. Here each target and its reference take turns, {seconds:g} s each, "
             f"{rounds} rounds; the targets below are judged on the median.", "",
             "| ratio | conns | median | each round |", "|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.name} | {r.connections} | {r.median:.2f}× | {', '.join(f'{x:.2f}' for x in r.ratios)} |")
    return lines


def pause_ms(rate: float) -> int:
    return max(1, min(20, round(PACED_CONNECTIONS * 1000 / max(rate, 1))))


def paced(url: str, script: str, rate: float, seconds: float, env: dict) -> tuple[int, int, dict]:
    """Runs `script` at about `rate` requests a second: the connection count is calibrated in a
    short run first, since each connection's pace is its pause plus the server's latency.
    Returns (connections, pause in ms, wrk's figures)."""
    pause = pause_ms(rate)
    connections = max(1, round(rate * pause / 1000))
    calibration = wrk(url, script, connections, max(1.0, seconds / 5), env=env, threads=1, cpu=WRK_CPU, delay_ms=pause)
    if calibration["rps"] > 0:
        connections = max(1, round(connections * rate / calibration["rps"]))
    return connections, pause, wrk(url, script, connections, seconds, env=env, threads=1, cpu=WRK_CPU, delay_ms=pause)


def steady_latency(targets: list[tuple[str, str, str, str, list[int]]], token: str, seconds: float,
                   warmup: float = 1) -> list[SteadyResult]:
    """Each target's peak with wrk on one core and the server on the other, then its latency at
    half that peak; then every target at one common rate (half the slowest peak). Targets are
    (name, route, url, script, the server's top processes)."""
    env = {"TOKEN": token}
    if (os.cpu_count() or 1) < 2:
        return []
    peaks, results = {}, []
    try:
        for name, route, url, script, pids in targets:
            for pid in pids:
                pin(pid, SERVER_CPUS)
            peak = wrk(url, script, 32, seconds / 2, warmup=warmup, env=env, threads=1, cpu=WRK_CPU)["rps"]
            peaks[name] = peak
            connections, pause, figures = paced(url, script, peak / 2, seconds, env)
            results.append(steady_result(name, route, peak, peak / 2, connections, pause, figures))
            print(f"steady {name:18} peak={peak:8.0f} rate={figures['rps']:8.0f} p99={figures['p99_ms']:.3f} "
                  f"p99.9={figures['p999_ms']:.3f}", flush=True)
        common = min(peaks.values()) / 2
        for name, route, url, script, _ in targets:
            connections, pause, figures = paced(url, script, common, seconds, env)
            results.append(steady_result(name, route, peaks[name], common, connections, pause, figures))
    finally:
        for *_, pids in targets:
            for pid in pids:
                pin(pid, f"0-{(os.cpu_count() or 1) - 1}")
    return results


def steady_result(name, route, peak, asked, connections, pause, figures) -> SteadyResult:
    return SteadyResult(name, route, peak, asked, figures["rps"], connections, pause, figures["p50_ms"], figures["p99_ms"],
                        figures["p999_ms"], int(figures["bad"]), int(figures["errors"]))


@dataclass
class GrowthRow:
    group: str
    case: str
    rps: float
    p99_ms: float
    bad: int
    reference: str = ""
    reference_rps: float = 0.0


def fetch_tokens(fetch, count: int) -> list[str]:
    """`count` distinct access tokens, each from its own `fetch()` (the identity provider gives each its own jti)."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda _: fetch(), range(count)))


def unknown_kid_tokens(token: str, count: int) -> list[str]:
    """The token under headers naming key ids nobody publishes: each one asks for a key refresh."""
    _, payload, signature = token.split(".")
    def encoded(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return [".".join([encoded({"alg": "RS256", "typ": "JWT", "kid": f"storm-{n}"}), payload, signature]) for n in range(count)]


def write_lines(path: str, lines: list[str]) -> str:
    with open(path, "w") as file:
        file.write("\n".join(lines) + "\n")
    return path


def growth(*, gatehouse_url: str, uncached_url: str, token: str, tokens_file: str, storm_file: str,
           start_gatehouse, start_nio, seconds: float, warmup: float = 1, connections: int = 64) -> list[GrowthRow]:
    """The growth table's rows. `start_gatehouse(workers)` and `start_nio(processes)` start a
    server and return (url, stop)."""
    env = {"TOKEN": token}
    rows: list[GrowthRow] = []

    def measure(url, script, extra=None, c=connections):
        return wrk(url, script, c, seconds, warmup=warmup, env=dict(env, **(extra or {})))

    for count in (1, 2, 4):
        url, stop = start_gatehouse(count)
        try:
            ours = measure(url + "/mcp", "mcp-echo.lua")
        finally:
            stop()
        url, stop = start_nio(count)
        try:
            theirs = measure(url + "/", "mcp-echo.lua")
        finally:
            stop()
        rows.append(GrowthRow("workers", f"{count}", ours["rps"], ours["p99_ms"], int(ours["bad"]), "plain NIO", theirs["rps"]))
        print(f"growth workers={count} gatehouse={ours['rps']:.0f} nio={theirs['rps']:.0f}", flush=True)

    for size in (100, 10 * 1024, 100 * 1024):
        figures = measure(gatehouse_url + "/mcp", "mcp-echo-sized.lua", {"ECHO_BYTES": str(size)})
        label = f"{size // 1024} KB" if size >= 1024 else f"{size} B"
        rows.append(GrowthRow("echo size", label, figures["rps"], figures["p99_ms"], int(figures["bad"])))
        print(f"growth echo={label} rps={figures['rps']:.0f}", flush=True)

    rotation = {"TOKENS_FILE": tokens_file, "STATUS": "200", "NEEDLE": '"text":"hello"'}
    # The same script with a list of one token: wrk builds each request the same way in all three rows.
    one_token_file = write_lines(os.path.join(os.path.dirname(tokens_file), "one-token.txt"), [token])
    one = measure(gatehouse_url + "/mcp", "rotating.lua", dict(rotation, TOKENS_FILE=one_token_file))
    many = measure(gatehouse_url + "/mcp", "rotating.lua", rotation)
    uncached = measure(uncached_url + "/mcp", "rotating.lua", rotation)
    token_count = sum(1 for line in open(tokens_file) if line.strip())
    rows.append(GrowthRow("tokens", "one token", one["rps"], one["p99_ms"], int(one["bad"])))
    rows.append(GrowthRow("tokens", f"{token_count:,} tokens in rotation", many["rps"], many["p99_ms"], int(many["bad"])))
    rows.append(GrowthRow("tokens", f"{token_count:,} tokens, token cache off", uncached["rps"], uncached["p99_ms"], int(uncached["bad"])))
    print(f"growth tokens one={one['rps']:.0f} many={many['rps']:.0f} uncached={uncached['rps']:.0f}", flush=True)

    before = measure(gatehouse_url + "/mcp", "mcp-echo.lua", c=32)
    storm_env = dict(os.environ, TOKENS_FILE=storm_file, STATUS="401", NEEDLE="", ROUTE_SCRIPT="bench/wrk/rotating.lua",
                     DELAY_MS="50")
    # 50 connections, each pausing 50 ms after each answer: about 1000 unknown-kid tokens a
    # second, less the answers' latency (the rate it got is reported).
    storm = subprocess.Popen(["wrk", "-t1", "-c50", f"-d{round(seconds) + 2}s", "-s", "bench/wrk/steady.lua", "--latency",
                              gatehouse_url + "/mcp"], cwd=ROOT, env=storm_env, stdout=subprocess.PIPE, text=True)
    try:
        during = wrk(gatehouse_url + "/mcp", "mcp-echo.lua", 32, seconds, env=env)
    finally:
        out, _ = storm.communicate(timeout=seconds + 30)
    storm_line = next((l for l in out.splitlines() if l.startswith("RESULT")), "RESULT rps=0 bad=0")
    storm_figures = {k: float(v) for k, v in (pair.split("=") for pair in storm_line.split()[1:])}
    rows.append(GrowthRow("storm", "valid traffic alone", before["rps"], before["p99_ms"], int(before["bad"])))
    rows.append(GrowthRow("storm", f"valid traffic during {storm_figures['rps']:.0f} unknown-kid tokens/s",
                          during["rps"], during["p99_ms"], int(during["bad"]) + int(storm_figures.get("bad", 0))))
    print(f"growth storm before={before['rps']:.0f} during={during['rps']:.0f} storm={storm_figures['rps']:.0f}/s", flush=True)
    return rows


def shape(ratio: float, flat_within: float = 0.15) -> str:
    return "flat" if abs(ratio - 1) <= flat_within else ("lower" if ratio < 1 else "higher")


def table_row(what: str, r: GrowthRow, why: str) -> str:
    reference = f"{r.reference_rps:,.0f}" if r.reference_rps else ""
    return f"| {what} | {r.case} | {r.rps:,.0f} | {r.p99_ms:.2f} | {r.bad} | {reference} | {why} |"


def growth_markdown(rows: list[GrowthRow]) -> list[str]:
    lines = ["## How cost grows", "",
             "Each figure: tools/call echo, wrk -c64 (the storm rows -c32) on the same two cores as the servers, "
             "flat out. Cost per request is the inverse of the rate: the machine is saturated in every row.", "",
             "| what grows | case | req/s | p99 ms | wrong | reference req/s | shape, and why |", "|---|---|---|---|---|---|---|"]
    workers = [r for r in rows if r.group == "workers"]
    one = next((r for r in workers if r.case == "1"), None)
    for r in workers:
        ours, theirs = r.rps / one.rps if one and one.rps else 0, r.reference_rps / one.reference_rps if one and one.reference_rps else 0
        if r.case == "1":
            why = "the base: one process, one event loop, one core; wrk has the other core"
        else:
            why = (f"{ours:.2f}× one worker (plain NIO: {theirs:.2f}×). "
                   + ("Flat past two: two cores, so more processes only take turns on them; "
                      "the kernel spreads connections evenly over the SO_REUSEPORT sockets."
                      if int(r.case) > 2 else
                      "Up with the second core, as far as wrk (on the same cores) leaves it free."))
        lines.append(table_row("workers (plain NIO processes beside)", r, why))
    def add(what: str, group: list[GrowthRow], explain) -> None:
        lines.extend(table_row(what, r, explain(index, r)) for index, r in enumerate(group))

    sizes = [r for r in rows if r.group == "echo size"]
    if len(sizes) == 3 and all(r.rps for r in sizes):
        cost = [1e6 / r.rps for r in sizes]  # µs of the machine per request
        per_kb_small = (cost[1] - cost[0]) / (10 - 0.1)
        per_kb_large = (cost[2] - cost[1]) / 90
        kind = "linear" if per_kb_large <= 2 * max(per_kb_small, 0.01) else "worse than linear"
        add("echo message size", sizes, lambda index, r: "the base: the echo reply" if index == 0 else (
            f"{cost[index] - cost[0]:+.1f} µs per request over 100 B "
            f"({(cost[index] - cost[0]) / ((10 if index == 1 else 100) - 0.1):.2f} µs per KB): {kind}. Every byte is "
            "read once into the request buffer and once by the JSON reader; echo refuses more than 4096 characters, "
            "so no reply grows (the answer is the -32602 error)."))
    tokens = [r for r in rows if r.group == "tokens"]
    if tokens and tokens[0].rps:
        base = tokens[0].rps
        add("distinct tokens", tokens, lambda index, r: [
            "the base: every request a token-cache hit",
            f"{r.rps / base:.2f}× one token, {shape(r.rps / base)}: every token is verified once per worker, then the "
            "cache (an LRU of 10,000 by SHA-256, O(1)) answers; the first pass costs one full validation each",
            f"{r.rps / base:.2f}× one token: every request a full validation (RS256 signature and claims), a constant "
            "cost per request, so flat in the number of tokens but lower"][min(index, 2)])
    storm = [r for r in rows if r.group == "storm"]
    if len(storm) == 2 and storm[0].rps:
        ratio = storm[1].rps / storm[0].rps
        add("rotation storm", storm, lambda index, r: "the base" if index == 0 else (
            f"{ratio:.2f}× the valid traffic's rate, p99 {r.p99_ms / max(storm[0].p99_ms, 0.001):.1f}× before: "
            f"{shape(ratio, 0.2)}. An unknown kid costs a header decode and a lookup; the refresh it asks for happens "
            "at most once per cooldown, so the storm adds 401s, not key fetches"))
    return lines


def steady_markdown(results: list[SteadyResult]) -> list[str]:
    if not results:
        return []
    lines = ["## Latency at a steady rate", "",
             f"Servers pinned to core {SERVER_CPUS}, wrk to core {WRK_CPU} (`taskset`); each server runs one process "
             "(Gatehouse one worker, nginx one worker process, FastMCP one Gunicorn worker, plain NIO one process), "
             "since it has one core: two processes on one core take turns in the scheduler's time slices, which "
             "a request reaching the waiting one pays in milliseconds. Peak: wrk -t1 -c32 flat out. "
             "Then a steady rate, first half of each server's own peak, then one rate for all (half the slowest "
             "peak): every connection pauses after each answer (wrk's `delay()`), the connection count "
             "calibrated to the rate asked; wrk times each request from its send, so a stall shows in the "
             "tail only for the requests it delays (closed loop).", "",
             "| target | route | peak req/s (one core) | rate asked | rate got | conns × pause | p50 ms | p99 ms | p99.9 ms | wrong |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        lines.append(f"| {r.target} | {r.route} | {r.peak_rps:,.0f} | {r.asked_rps:,.0f} | {r.got_rps:,.0f} | "
                     f"{r.connections} × {r.pause_ms} ms | "
                     f"{r.p50_ms:.3f} | {r.p99_ms:.3f} | {r.p999_ms:.3f} | {r.bad} |")
    return lines
