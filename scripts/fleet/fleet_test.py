"""The fleet test's scenarios (run by scripts/fleet-test.sh inside the client's namespace).

Three hosts of `gatehouse serve --workers 2` share one Redis and one IdP behind nginx. Shown,
each with assertions that can fail, and measured into the summary:

1. a key rotation costs one provider fetch for all six workers, and each accepts new-key
   tokens within a second;
2. a note written through host A is read through host C;
3. a rolling HUP of every host under load fails no request;
4. a host killed with SIGKILL under load: nginx retries what it safely can elsewhere, and only
   requests that were already with the dead host (POSTs nginx must not resend) fail;
5. Redis killed: every host says `degraded`, keys still rotate, no valid token is refused and no
   invalid one accepted, and every host recovers once Redis is back.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import math
import signal
import sys
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx

from fleet import HOST_PORT, FleetError, Host, IdentityProvider, LoadBalancer, Node, Redis, log_time, poll, shared_cache_key
from load import Lane, Load, Outcome

HOSTS = ("a", "b", "c")
WORKERS_PER_HOST = 2
# Each load is bounded in both; the scenarios stop it much sooner.
LOAD_MAX_REQUESTS = 40_000
LOAD_MAX_SECONDS = 120.0
ACCEPT_WITHIN_S = 1.0
# /readyz answers in a row, on new connections, that must agree before a host counts as
# degraded or recovered: enough to reach both of its workers (the kernel picks one per connection).
READYZ_AGREEING = 8


class Checks:
    """Assertions that are all reported: a failed one marks the run failed and the run goes on."""

    def __init__(self) -> None:
        self.failed: list[str] = []

    def expect(self, condition: bool, message: str) -> None:
        print(f"  {'ok  ' if condition else 'FAIL'} {message}", flush=True)
        if not condition:
            self.failed.append(message)


class Summary:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines: list[str] = []

    def add(self, name: str, value: object) -> None:
        self.lines.append(f"{name}: {value}")

    def write(self) -> None:
        self.path.write_text("\n".join(self.lines) + "\n")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def token_kid(token: str) -> str:
    header = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["kid"]


def tool_call(name: str, arguments: dict | None = None) -> dict:
    return {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments or {}}}


MCP_HEADERS = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}


def call_tool(client: httpx.Client, base_url: str, token: str, name: str, arguments: dict | None = None,
              headers: dict[str, str] | None = None) -> tuple[httpx.Response, dict | None]:
    """An MCP tools/call; the structured result when it succeeded."""
    answer = client.post(f"{base_url}/mcp", json=tool_call(name, arguments),
                         headers=MCP_HEADERS | bearer(token) | (headers or {}))
    if answer.status_code != 200:
        return answer, None
    result = answer.json().get("result") or {}
    return answer, None if result.get("isError") else result.get("structuredContent")


# Lanes of load. A GET is safe for nginx to retry; a tools/call is a POST, which it is not.

def list_tools(base_url: str, token: str) -> Lane:
    def send(client: httpx.Client, headers: dict[str, str]) -> tuple[int | None, str | None]:
        answer = client.get(f"{base_url}/tools", headers=headers | bearer(token))
        return answer.status_code, None if answer.status_code == 200 else f"GET /tools answered {answer.status_code}"
    return Lane("GET /tools", send)


def whoami(base_url: str, token: str) -> Lane:
    def send(client: httpx.Client, headers: dict[str, str]) -> tuple[int | None, str | None]:
        answer, result = call_tool(client, base_url, token, "whoami", headers=headers)
        if answer.status_code != 200:
            return answer.status_code, f"POST /mcp whoami answered {answer.status_code}"
        if result is None or "worker_pid" not in result:
            return answer.status_code, f"POST /mcp whoami without a result: {answer.text[:120]}"
        return answer.status_code, None
    return Lane("POST /mcp", send)


def refused(base_url: str, token: str, kind: str) -> Lane:
    def send(client: httpx.Client, headers: dict[str, str]) -> tuple[int | None, str | None]:
        answer = client.get(f"{base_url}/tools", headers=headers | bearer(token))
        return answer.status_code, None if answer.status_code == 401 else f"{kind} token answered {answer.status_code}"
    return Lane(f"invalid ({kind})", send)


class FleetTest:
    def __init__(self, arguments: argparse.Namespace) -> None:
        run_dir = Path(arguments.run_dir).resolve()
        self.nodes = {}
        for node in arguments.nodes.split():
            name, octet = node.split(":")
            self.nodes[name] = Node(name, f"{arguments.subnet}.{octet}", arguments.namespace_prefix + name, run_dir)
        products = Path(arguments.products).resolve()
        resource = f"http://{self.nodes['lb'].address}/mcp"
        self.redis = Redis(self.nodes["redis"])
        self.idp = IdentityProvider(self.nodes["idp"], products, audience=resource)
        dotenv = run_dir / "empty.env"  # Never a developer's ./.env.
        dotenv.write_text("")
        environment = {
            "GATEHOUSE_RESOURCE": resource,
            "GATEHOUSE_ISSUER": self.idp.issuer,
            "GATEHOUSE_ALLOW_INSECURE_HTTP": "true",  # The IdP speaks plain HTTP inside the test network.
            "GATEHOUSE_DOTENV": str(dotenv),
            "GATEHOUSE_REDIS_URL": self.redis.url,
            "GATEHOUSE_SHARED_CACHE_KEY": shared_cache_key(),  # The same on every host: one fleet.
            "GATEHOUSE_LOG_LEVEL": "info",
            # /__test/slow: GETs that stay in flight on a host until it is killed.
            "GATEHOUSE_ENV": "development",
            "GATEHOUSE_TEST_HOOKS": "true",
        }
        self.hosts = [Host(self.nodes[name], products, environment, WORKERS_PER_HOST) for name in HOSTS]
        self.lb = LoadBalancer(self.nodes["lb"], self.hosts)
        self.http = httpx.Client(timeout=10, trust_env=False)
        self.checks = Checks()
        self.summary = Summary(run_dir / "summary.txt")

    # -- the fleet

    def start(self) -> None:
        self.redis.start()
        self.idp.start()
        for host in self.hosts:
            host.start()
        self.lb.start()
        self.token = self.idp.token()
        fetches = self.idp.jwks_fetches()
        print(f"fleet up: {len(self.hosts)} hosts, Redis, the IdP, nginx", flush=True)
        self.checks.expect(all(len(host.worker_pids()) == WORKERS_PER_HOST for host in self.hosts),
                           f"every host runs {WORKERS_PER_HOST} workers")
        self.checks.expect(fetches == 1, f"starting {len(self.workers())} workers on {len(self.hosts)} hosts fetched the JWKS once ({fetches})")
        self.summary.add(f"start: provider JWKS fetches for {len(self.hosts)} hosts x {WORKERS_PER_HOST} workers", fetches)

    def stop(self) -> None:
        for node in self.nodes.values():
            node.stop_all()

    def workers(self) -> dict[int, Host]:
        return {pid: host for host in self.hosts for pid in host.worker_pids()}

    def accepted_by_every_worker(self, token: str) -> tuple[dict[int, float], list[str], float]:
        """Rounds of four new connections per host, opened beforehand and sent on at one instant
        (as clients holding fresh tokens arrive together after a rotation), until each worker has
        answered `token` with 200. Returns the seconds until each one first did, every refusal,
        and when the first request went out (Unix time)."""
        expected = set(self.workers())
        first_accept: dict[int, float] = {}
        refusals: list[str] = []
        body = json.dumps(tool_call("whoami"))
        headers = MCP_HEADERS | bearer(token) | {"Connection": "close"}
        sent: list[float] = []

        def ask(host: Host, connection: http.client.HTTPConnection, barrier: threading.Barrier) -> tuple[int | None, str | None, float]:
            barrier.wait()
            sent.append(time.time())
            try:
                connection.request("POST", "/mcp", body, headers)
                response = connection.getresponse()
                answer = json.loads(response.read() or b"{}")
            except (OSError, http.client.HTTPException, ValueError) as error:
                return None, f"host {host.name}: {type(error).__name__}: {error}", 0.0
            finally:
                connection.close()
            pid = ((answer.get("result") or {}).get("structuredContent") or {}).get("worker_pid")
            if response.status != 200 or pid is None:
                return None, f"host {host.name}: {response.status} {response.getheader('WWW-Authenticate', '')}", 0.0
            return pid, None, time.time()

        with ThreadPoolExecutor(max_workers=4 * len(self.hosts)) as pool:
            for _ in range(25):  # Bounded: 300 requests.
                askers = [(host, http.client.HTTPConnection(host.node.address, HOST_PORT, timeout=10))
                          for host in self.hosts for _ in range(4)]
                for _, connection in askers:
                    connection.connect()  # The kernel picks the worker now.
                barrier = threading.Barrier(len(askers))
                for pid, refusal, answered_at in pool.map(lambda asker: ask(*asker, barrier), askers):
                    if refusal:
                        refusals.append(refusal)
                    else:
                        first_accept[pid] = min(first_accept.get(pid, math.inf), answered_at - min(sent))
                if expected <= set(first_accept):
                    break
        return first_accept, refusals, min(sent)

    def key_refreshes(self, kid: str, since: float) -> dict[int, dict]:
        """Each worker's first `jwks.refresh` since `since` that brought `kid`."""
        first: dict[int, dict] = {}
        for host in self.hosts:
            for event in host.events("jwks.refresh", since=since):
                if kid in event.get("keys", []) and event["pid"] not in first:
                    first[event["pid"]] = event
        return first

    # -- the scenarios

    def key_rotation(self) -> None:
        print("== 1. key rotation across the fleet", flush=True)
        fetches_before = self.idp.jwks_fetches()
        rotated_at = time.time()
        kid = self.idp.rotate()
        token = self.idp.token()
        self.checks.expect(token_kid(token) == kid, "the IdP signs new tokens with the new key")
        first_accept, refusals, first_request_at = self.accepted_by_every_worker(token)
        workers = self.workers()
        slowest = max(first_accept.values(), default=math.inf)
        self.checks.expect(set(first_accept) == set(workers),
                           f"every worker accepted a new-key token ({len(first_accept)} of {len(workers)})")
        self.checks.expect(not refusals, f"no new-key token was refused ({len(refusals)}: {refusals[:3]})")
        self.checks.expect(slowest < ACCEPT_WITHIN_S, f"the last worker accepted {slowest * 1000:.0f} ms after the first new-key request")

        def every_worker_logged_it() -> dict[int, dict] | None:
            found = self.key_refreshes(kid, rotated_at)
            return found if set(workers) <= set(found) else None

        refreshes = poll("every worker to log the new key", 10, every_worker_logged_it)
        loaded_after = {pid: log_time(event) - first_request_at for pid, event in refreshes.items() if pid in workers}
        sources = [event["source"] for event in refreshes.values()]
        fetches = self.idp.jwks_fetches() - fetches_before
        self.checks.expect(fetches == 1, f"the rotation cost {fetches} provider JWKS fetch(es) for {len(workers)} workers")
        self.checks.expect(sources.count("provider") == 1,
                           f"one worker fetched from the provider, {sources.count('redis')} took the keys from Redis")
        self.summary.add(f"rotation: provider JWKS fetches for {len(workers)} workers", fetches)
        self.summary.add("rotation: ms from the first new-key requests until every worker had answered one with 200",
                         f"{slowest * 1000:.0f}")
        self.summary.add("rotation: ms from the first new-key requests until every worker had logged the new key",
                         f"{max(loaded_after.values()) * 1000:.0f}")
        self.summary.add("rotation: new-key tokens refused", len(refusals))

    def shared_notes(self) -> None:
        print("== 2. a note written through host A, read through host C", flush=True)
        host_a, host_b, host_c = self.hosts
        note_id = f"fleet-{uuid.uuid4().hex[:8]}"
        text = f"written through host {host_a.name} at {time.time():.3f}"
        _, written = call_tool(self.http, host_a.url, self.token, "notes_put", {"id": note_id, "text": text})
        self.checks.expect(bool(written) and written.get("created") is True, f"host {host_a.name} saved note {note_id}")
        _, listed = call_tool(self.http, host_c.url, self.token, "notes_list")
        notes = (listed or {}).get("notes", [])
        self.checks.expect({"id": note_id, "text": text} in notes, f"host {host_c.name} lists it with its text")
        _, deleted = call_tool(self.http, host_b.url, self.token, "notes_delete", {"id": note_id})
        _, listed = call_tool(self.http, host_c.url, self.token, "notes_list")
        gone = note_id not in [note["id"] for note in (listed or {}).get("notes", [])]
        self.checks.expect(bool(deleted) and deleted.get("deleted") is True and gone,
                           f"deleted through host {host_b.name}, host {host_c.name} no longer lists it")
        self.summary.add("notes: written through A, read through C", "yes" if {"id": note_id, "text": text} in notes else "NO")

    def retried(self, outcomes: list[Outcome]) -> int:
        """Requests that nginx sent to more than one host."""
        entries = self.lb.requests()
        return sum(1 for outcome in outcomes if "," in entries.get(outcome.request_id, {}).get("upstream_addr", ""))

    def load_lanes(self) -> list[Lane]:
        return [list_tools(self.lb.url, self.token)] * 3 + [whoami(self.lb.url, self.token)] * 3

    def rolling_reload(self) -> None:
        print("== 3. a rolling HUP of every host under load", flush=True)
        fetches_before = self.idp.jwks_fetches()
        started = time.monotonic()
        with Load(self.load_lanes(), LOAD_MAX_REQUESTS, LOAD_MAX_SECONDS) as load:
            load.wait_for_progress(100, timeout=30)
            for host in self.hosts:
                old = host.worker_pids()
                completed = host.count("reload.completed")
                host.signal(signal.SIGHUP)
                poll(f"host {host.name} to complete its reload", 60, lambda: host.count("reload.completed") > completed)
                poll(f"host {host.name}'s old workers to leave", 60, lambda: not (old & host.worker_pids()))
                # The new generation serves for a while before the next host reloads.
                load.wait_for_progress(100, timeout=30)
        outcomes = load.snapshot()
        failures = load.failures()
        retried = self.retried(outcomes)
        fetches = self.idp.jwks_fetches() - fetches_before
        seconds = time.monotonic() - started
        self.checks.expect(not failures, f"{len(outcomes)} requests in {seconds:.1f} s, {len(failures)} failed: {describe(failures)}")
        self.checks.expect(retried == 0, f"nginx had to retry {retried} of them elsewhere (the hosts themselves failed none)")
        self.checks.expect(fetches == 0, f"the new workers took their keys from Redis: {fetches} provider fetch(es)")
        self.summary.add("rolling HUP of 3 hosts under load: requests / failed / retried by nginx / seconds",
                         f"{len(outcomes)} / {len(failures)} / {retried} / {seconds:.1f}")

    def slow_get(self, request_id: str) -> int | None:
        """A GET through nginx that a worker answers after two seconds (the test hook)."""
        try:
            with httpx.Client(timeout=10, trust_env=False) as client:
                return client.get(f"{self.lb.url}/__test/slow?ms=2000", headers={"X-Request-ID": request_id}).status_code
        except httpx.TransportError:
            return None

    def host_killed(self) -> None:
        print("== 4. a host killed with SIGKILL under load", flush=True)
        victim = self.hosts[1]
        victim_workers = victim.worker_pids()
        with Load(self.load_lanes(), LOAD_MAX_REQUESTS, LOAD_MAX_SECONDS) as load, ThreadPoolExecutor(max_workers=12) as pool:
            load.wait_for_progress(200, timeout=30)
            # Besides the load's short requests, which may or may not be with the host when it
            # dies: slow GETs through nginx, six at a time, until some are being served by it.
            slow: dict[str, Future[int | None]] = {}

            def started(hosts: list[Host]) -> set[str]:
                return {line.get("request_id") for host in hosts for line in host.events("test.slow_started")} & set(slow)

            while not started([victim]) and len(slow) < 12:
                for request_id in [uuid.uuid4().hex for _ in range(6)]:
                    slow[request_id] = pool.submit(self.slow_get, request_id)
                poll("the slow GETs to start", 10, lambda: started(self.hosts) == set(slow))
            in_flight = started([victim])
            killed_at = time.time()
            victim.kill_group()
            poll(f"host {victim.name}'s workers to be gone", 10,
                 lambda: not any(Path(f"/proc/{pid}").exists() for pid in victim_workers))
            gone_at = time.time()
            load.wait_for_progress(300, timeout=30)
            slow_statuses = {request_id: future.result() for request_id, future in slow.items()}
        outcomes = load.snapshot()
        failures = load.failures()
        entries = self.lb.requests()
        victim_address = f"{victim.node.address}:{HOST_PORT}"
        after_kill = [outcome for outcome in outcomes if outcome.ended >= killed_at]
        retried = [outcome for outcome in after_kill if "," in entries.get(outcome.request_id, {}).get("upstream_addr", "")]
        post_lanes = sum(1 for lane in self.load_lanes() if lane.name.startswith("POST"))

        def was_in_flight_at_victim(outcome: Outcome) -> bool:
            entry = entries.get(outcome.request_id, {})
            return (outcome.lane.startswith("POST") and outcome.started <= gone_at
                    and entry.get("upstream_addr", "").split(", ")[-1] == victim_address)

        moved = [request_id for request_id in in_flight
                 if entries.get(request_id, {}).get("upstream_addr", "").startswith(victim_address + ", ")]
        self.checks.expect(len(in_flight) >= 1 and all(slow_statuses[request_id] == 200 for request_id in in_flight)
                           and sorted(moved) == sorted(in_flight),
                           f"the {len(in_flight)} slow GETs host {victim.name} was serving were answered by another host")
        self.checks.expect(not [f for f in failures if f.lane.startswith("GET")],
                           f"no GET failed: nginx retried {sum(1 for o in retried if o.lane.startswith('GET'))} elsewhere")
        self.checks.expect(all(was_in_flight_at_victim(f) for f in failures),
                           f"each of the {len(failures)} failures was a POST nginx had already sent to host {victim.name}: {describe(failures)}")
        self.checks.expect(len(failures) <= post_lanes,
                           f"at most one per POST lane ({post_lanes}) was in flight to lose: {len(failures)}")
        moved_posts = sum(1 for outcome in retried if outcome.lane.startswith("POST"))
        self.summary.add(f"host {victim.name} SIGKILLed under load: requests / failed",
                         f"{len(outcomes)} / {len(failures)} (POSTs already sent to {victim.name}, which nginx must not resend: "
                         f"{describe(failures)})")
        self.summary.add("host kill: requests nginx moved to another host (GETs / POSTs not yet sent / slow GETs in flight)",
                         f"{len(retried) - moved_posts} / {moved_posts} / {len(moved)} of {len(in_flight)}")

        restarted_at = time.time()
        victim.start()
        # nginx takes the host back after fail_timeout (2 s) once it answers again.
        with httpx.Client(timeout=10, trust_env=False) as client:
            def served_by_victim() -> bool:
                client.get(f"{self.lb.url}/tools", headers=bearer(self.token) | {"X-Request-ID": (request_id := uuid.uuid4().hex)})
                entry = self.lb.requests().get(request_id, {})
                return entry.get("upstream_addr") == victim_address and entry.get("status") == "200"
            poll(f"nginx to send requests to host {victim.name} again", 30, served_by_victim, interval=0.1)
        self.summary.add(f"host kill: host {victim.name} back in nginx's rotation after restart, s",
                         f"{time.time() - restarted_at:.1f}")

    def await_readiness(self, status: str, event: str, since: float) -> float:
        """Seconds from `since` until every host's /readyz says `status`; checks that every
        worker logged `event` meanwhile."""
        poll(f"every host's /readyz to say {status}", 30, lambda: self.every_host_says(status), interval=0.1)
        seconds = time.time() - since
        self.checks.expect(self.workers_logged(event, since), f"every worker logged {event}")
        return seconds

    def every_host_says(self, status: str) -> bool:
        """Every host answers /readyz with `status`, READYZ_AGREEING times in a row on new connections."""
        for host in self.hosts:
            for _ in range(READYZ_AGREEING):
                try:
                    answer = self.http.get(f"{host.url}/readyz", headers={"Connection": "close"})
                except httpx.TransportError:
                    return False
                if answer.json().get("status") != status:
                    return False
        return True

    def workers_logged(self, event: str, since: float) -> bool:
        return all(host.worker_pids() <= {line["pid"] for line in host.events(event, since=since)} for host in self.hosts)

    def redis_outage(self) -> None:
        print("== 5. Redis killed and restarted under load", flush=True)
        claims = self.idp.claims
        now = int(time.time())
        payload, signature = self.token.rsplit(".", 1)
        forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
        invalid = [
            refused(self.lb.url, self.idp.sign(claims(exp=now - 3600, iat=now - 7200)), "expired"),
            refused(self.lb.url, self.idp.sign(claims(aud=["https://elsewhere.example/mcp"])), "wrong audience"),
            refused(self.lb.url, forged, "forged signature"),
        ]
        valid = [list_tools(self.lb.url, self.token), whoami(self.lb.url, self.token), whoami(self.lb.url, self.token)]
        with Load(valid + invalid, LOAD_MAX_REQUESTS, LOAD_MAX_SECONDS) as load:
            load.wait_for_progress(100, timeout=30)
            killed_at = time.time()
            self.redis.kill()
            degraded_after = self.await_readiness("degraded", "redis.unavailable", since=killed_at)

            # Keys rotate during the outage: every worker has to fetch them itself.
            fetches_before = self.idp.jwks_fetches()
            token = (self.idp.rotate(), self.idp.token())[1]
            first_accept, refusals, _ = self.accepted_by_every_worker(token)
            outage_fetches = self.idp.jwks_fetches() - fetches_before
            self.checks.expect(set(first_accept) == set(self.workers()) and not refusals,
                               f"keys rotated during the outage: every worker accepted the new key, {len(refusals)} refused")
            self.checks.expect(1 <= outage_fetches <= len(first_accept),
                               f"at most one provider fetch per worker without Redis: {outage_fetches}")
            load.wait_for_progress(100, timeout=30)

            restarted_at = time.time()
            self.redis.start()
            recovered_after = self.await_readiness("ready", "redis.recovered", since=restarted_at)
            load.wait_for_progress(100, timeout=30)
        outcomes = load.snapshot()
        during = [o for o in outcomes if killed_at <= o.started and o.ended <= restarted_at]
        valid_refused = [o for o in outcomes if not o.lane.startswith("invalid") and o.error]
        invalid_accepted = [o for o in outcomes if o.lane.startswith("invalid") and o.status is not None and o.status < 300]
        invalid_other = [o for o in outcomes if o.lane.startswith("invalid") and o.error]
        self.checks.expect(not valid_refused, f"valid tokens refused or failed: {len(valid_refused)} {describe(valid_refused)}")
        self.checks.expect(not invalid_accepted, f"invalid tokens accepted: {len(invalid_accepted)}")
        self.checks.expect(not invalid_other, f"invalid tokens answered other than 401: {len(invalid_other)} {describe(invalid_other)}")
        self.summary.add("Redis outage: s until every host said degraded", f"{degraded_after:.1f}")
        self.summary.add("Redis outage: s until every host said ready after Redis was back", f"{recovered_after:.1f}")
        self.summary.add("Redis outage: requests during the outage (valid / invalid)",
                         f"{sum(1 for o in during if not o.lane.startswith('invalid'))} / {sum(1 for o in during if o.lane.startswith('invalid'))}")
        self.summary.add("Redis outage: valid tokens refused / invalid accepted (whole scenario)",
                         f"{len(valid_refused)} / {len(invalid_accepted)}")
        self.summary.add("Redis outage: provider JWKS fetches for a rotation without Redis", outage_fetches)


def describe(failures: list[Outcome]) -> str:
    """The kinds of failure and how many of each."""
    kinds: dict[str, int] = {}
    for failure in failures:
        kinds[f"{failure.lane}: {failure.error}"] = kinds.get(f"{failure.lane}: {failure.error}", 0) + 1
    return "; ".join(f"{count} × {kind}" for kind, count in kinds.items()) or "none"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace-prefix", required=True)
    parser.add_argument("--subnet", required=True, help="the first three octets of the fleet's /24")
    parser.add_argument("--nodes", required=True, help="name:last-octet, space-separated")
    parser.add_argument("--products", required=True)
    parser.add_argument("--run-dir", required=True)
    test = FleetTest(parser.parse_args())
    started = time.monotonic()
    try:
        test.start()
        test.key_rotation()
        test.shared_notes()
        test.rolling_reload()
        test.host_killed()
        test.redis_outage()
    except (FleetError, TimeoutError) as error:
        test.checks.failed.append(str(error))
        print(f"fleet-test: {error}", file=sys.stderr)
    finally:
        test.stop()
        test.summary.add("checks failed", len(test.checks.failed))
        test.summary.add("seconds", f"{time.monotonic() - started:.0f}")
        test.summary.write()
    print(f"== summary ({test.summary.path})\n" + "\n".join(test.summary.lines))
    for failure in test.checks.failed:
        print(f"FAILED: {failure}", file=sys.stderr)
    return 1 if test.checks.failed else 0


if __name__ == "__main__":
    sys.exit(main())
