#!/usr/bin/env python3
"""The Redis-outage timeline for the shared JWKS cache: two workers under a steady mix of
valid and invalid (expired) tokens while Redis is killed and brought back. Prints when each
thing happened and, per phase, valid requests served/refused and invalid ones refused/accepted.

    bench/redis_outage.py [--bin DIR]      (default: the debug build)
"""
import argparse, json, os, signal, socket, subprocess, tempfile, threading, time, urllib.error, urllib.request

from benchlib import free_port, wait_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def post(url, token, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/json", "Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def main():
    parser = argparse.ArgumentParser()
    default_bin = subprocess.run(["swift", "build", "-Xswiftc", "-assert-config", "-Xswiftc", "Release", "--show-bin-path"],
                                 cwd=ROOT, capture_output=True, text=True).stdout.strip()
    parser.add_argument("--bin", default=default_bin)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="gh-outage-")
    redis_port, idp_port, port = free_port(), free_port(), free_port()
    redis_cmd = ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", tmp]
    redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL)
    resource, issuer = f"http://127.0.0.1:{port}/mcp", f"http://127.0.0.1:{idp_port}/realms/mcp-realm"
    idp = subprocess.Popen([f"{args.bin}/gatehouse-dev-idp", "--port", str(idp_port), "--audience", resource],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(lambda: urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration").status == 200)
    env = {"PATH": "/usr/bin:/bin", "GATEHOUSE_RESOURCE": resource, "GATEHOUSE_ISSUER": issuer, "GATEHOUSE_DOTENV": "/dev/null",
           "GATEHOUSE_ALLOW_INSECURE_HTTP": "true", "GATEHOUSE_BIND": f"127.0.0.1:{port}", "GATEHOUSE_WORKERS": "2", "GATEHOUSE_METRICS_BIND": "127.0.0.1:0",
           "GATEHOUSE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
           "GATEHOUSE_SHARED_CACHE_KEY": "bench-fleet-shared-cache-key-0123456789abcdef"}
    log = os.path.join(tmp, "gatehouse.log")
    gatehouse = subprocess.Popen([f"{args.bin}/gatehouse", "serve"], env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_for(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz").status == 200)

    data = b"grant_type=client_credentials&client_id=mcp-client&client_secret=mcp-secret"
    valid = json.load(urllib.request.urlopen(f"{issuer}/protocol/openid-connect/token", data))["access_token"]
    now = int(time.time())
    claims = {"iss": issuer, "aud": [resource, "account"], "exp": now - 3600, "iat": now - 7200, "sub": "s", "typ": "Bearer",
              "azp": "mcp-client", "scope": "mcp:read"}
    sign = urllib.request.Request(f"http://127.0.0.1:{idp_port}/admin/sign", data=json.dumps({"payload": claims}).encode(),
                                  headers={"Content-Type": "application/json"}, method="POST")
    invalid = json.load(urllib.request.urlopen(sign))["token"]

    t0 = time.monotonic()
    phase = ["redis up"]
    results, lock, running = [], threading.Lock(), [True]
    call = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"message": "x"}}}

    def loop(kind, token):
        while running[0]:
            status = post(resource, token, call)
            with lock:
                results.append((phase[0], kind, status))

    threads = [threading.Thread(target=loop, args=(k, t)) for k, t in [("valid", valid), ("valid", valid), ("invalid", invalid)]]
    for thread in threads:
        thread.start()
    events = []

    def mark(name):
        events.append((time.monotonic() - t0, name))

    def readiness():
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz") as r:
            return json.load(r)["status"]

    time.sleep(3)  # Pacing the scenario's phases, not waiting for a condition.
    redis.send_signal(signal.SIGKILL); redis.wait(); phase[0] = "redis down"; mark("redis killed (SIGKILL)")
    wait_for(lambda: readiness() == "degraded"); mark("first /readyz 'degraded'")
    time.sleep(5)
    redis = subprocess.Popen(redis_cmd, stdout=subprocess.DEVNULL); phase[0] = "redis back"; mark("redis restarted")
    wait_for(lambda: all(readiness() == "ready" for _ in range(8))); mark("/readyz 'ready' on 8 fresh connections in a row")
    time.sleep(3)
    running[0] = False
    for thread in threads:
        thread.join()
    for line in open(log):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") in ("redis.unavailable", "redis.recovered"):
            events.append((None, f"{entry['event']} logged by worker {entry['pid']} at {entry['ts']}"))
    gatehouse.send_signal(signal.SIGTERM); gatehouse.wait()
    idp.terminate(); redis.terminate(); idp.wait(); redis.wait()

    for offset, name in events:
        print(f"  {'' if offset is None else f't={offset:5.2f}s '}{name}")
    for name in ("redis up", "redis down", "redis back"):
        rows = [r for r in results if r[0] == name]
        valid_ok = sum(1 for _, k, s in rows if k == "valid" and s == 200)
        valid_refused = sum(1 for _, k, s in rows if k == "valid" and s != 200)
        invalid_refused = sum(1 for _, k, s in rows if k == "invalid" and s == 401)
        invalid_accepted = sum(1 for _, k, s in rows if k == "invalid" and s != 401)
        print(f"{name:10s} valid served={valid_ok} refused={valid_refused}  invalid refused={invalid_refused} accepted={invalid_accepted}")


if __name__ == "__main__":
    main()
