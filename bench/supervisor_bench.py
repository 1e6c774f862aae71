#!/usr/bin/env python3
"""Supervisor figures for the closing notes of the supervisor issue, from release binaries:
start to READY=1 with 2 and 4 workers, failed requests during 5 HUPs under wrk load,
supervisor RSS, and how long a killed worker's slot is without a ready worker.

    bench/supervisor_bench.py [--bin DIR] [--seconds 30]
"""
import argparse, json, os, signal, socket, statistics, subprocess, tempfile, time, urllib.request
from datetime import datetime

from benchlib import free_port, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Stack:
    def __init__(self, bindir, workers, extra=None):
        self.bindir, self.tmp = bindir, tempfile.mkdtemp(prefix="gh-bench-")
        self.idp_port, self.port = free_port(), free_port()
        self.resource = f"http://127.0.0.1:{self.port}/mcp"
        self.issuer = f"http://127.0.0.1:{self.idp_port}/realms/mcp-realm"
        self.idp = subprocess.Popen([f"{bindir}/gatehouse-dev-idp", "--port", str(self.idp_port), "--audience", self.resource,
                                     "--token-lifetime", "3600"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration").status == 200, what="idp")
        self.notify_path = os.path.join(self.tmp, "notify.sock")
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind(self.notify_path)
        self.notify.setblocking(False)
        self.log = os.path.join(self.tmp, "gatehouse.log")
        env = {"PATH": "/usr/bin:/bin", "GATEHOUSE_RESOURCE": self.resource, "GATEHOUSE_ISSUER": self.issuer,
               "GATEHOUSE_ALLOW_INSECURE_HTTP": "true", "GATEHOUSE_BIND": f"127.0.0.1:{self.port}",
               "GATEHOUSE_WORKERS": str(workers), "GATEHOUSE_DOTENV": "/dev/null", "NOTIFY_SOCKET": self.notify_path,
               "GATEHOUSE_LOG_LEVEL": "info", "GATEHOUSE_METRICS_BIND": "127.0.0.1:0"}
        env.update(extra or {})
        self.started = time.monotonic()
        self.supervisor = subprocess.Popen([f"{bindir}/gatehouse", "serve"], env=env,
                                           stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        self.messages = []

    def poll_notify(self):
        while True:
            try:
                self.messages.append((time.monotonic(), self.notify.recv(4096).decode()))
            except BlockingIOError:
                return self.messages

    def wait_ready(self, after=0.0):
        return wait_for(lambda: next((t for t, m in self.poll_notify() if t >= after and "READY=1" in m.split("\n")), None),
                        what="READY=1")

    def token(self):
        data = b"grant_type=client_credentials&client_id=mcp-client&client_secret=mcp-secret"
        with urllib.request.urlopen(f"{self.issuer}/protocol/openid-connect/token", data) as r:
            return json.load(r)["access_token"]

    def workers(self):
        with open(f"/proc/{self.supervisor.pid}/task/{self.supervisor.pid}/children") as f:
            return [int(p) for p in f.read().split()]

    def log_lines(self, event):
        out = []
        for line in open(self.log):
            try:
                j = json.loads(line)
            except ValueError:
                continue
            if j.get("event") == event:
                out.append(j)
        return out

    def rss_kib(self, pid):
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

    def stop(self):
        self.supervisor.send_signal(signal.SIGTERM)
        self.supervisor.wait(timeout=60)
        self.idp.terminate()
        self.idp.wait()
        self.notify.close()


def ts(line):
    return datetime.fromisoformat(line["ts"].replace("Z", "+00:00")).timestamp()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build-release/release"))
    parser.add_argument("--seconds", type=int, default=30)
    args = parser.parse_args()
    print(f"date={datetime.utcnow().isoformat(timespec='seconds')}Z cores={os.cpu_count()} bin={args.bin}")

    for workers in (2, 4):
        samples = []
        for _ in range(3):
            stack = Stack(args.bin, workers)
            samples.append((stack.wait_ready() - stack.started) * 1000)
            stack.stop()
        print(f"start_to_READY workers={workers} median_ms={statistics.median(samples):.0f} samples_ms={[round(s) for s in samples]}")

    stack = Stack(args.bin, 2)
    stack.wait_ready()
    print(f"supervisor_rss_kib idle={stack.rss_kib(stack.supervisor.pid)} worker_rss_kib={[stack.rss_kib(p) for p in stack.workers()]}")

    # Five HUPs under load, spread over the run; wrk counts anything but 200 with the echo body.
    env = dict(os.environ, TOKEN=stack.token())
    wrk = subprocess.Popen(["wrk", "-t2", "-c64", f"-d{args.seconds}s", "-s", "bench/wrk/mcp-echo.lua", stack.resource],
                           cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    interval = args.seconds / 6
    for _ in range(5):
        time.sleep(interval)  # Pacing the reloads across the run, not waiting for a condition.
        before = time.monotonic()
        stack.supervisor.send_signal(signal.SIGHUP)
        stack.wait_ready(after=before)
    result = next(line for line in wrk.communicate()[0].splitlines() if line.startswith("RESULT"))
    print(f"five_HUPs_under_load {result} reloads_completed={len(stack.log_lines('reload.completed'))}")
    print(f"supervisor_rss_kib after_load={stack.rss_kib(stack.supervisor.pid)}")

    # A killed worker's slot: from the kill to its replacement's `ready` (supervisor timestamps).
    gaps = []
    for _ in range(5):
        victim = stack.workers()[0]
        ready_before = len(stack.log_lines("worker.ready"))
        killed_at = time.time()
        os.kill(victim, signal.SIGKILL)
        wait_for(lambda: len(stack.log_lines("worker.ready")) > ready_before, what="replacement")
        gaps.append((ts(stack.log_lines("worker.ready")[-1]) - killed_at) * 1000)
    print(f"killed_worker_slot_gap median_ms={statistics.median(gaps):.0f} max_ms={max(gaps):.0f} samples_ms={[round(g) for g in gaps]}")
    stack.stop()


if __name__ == "__main__":
    main()
