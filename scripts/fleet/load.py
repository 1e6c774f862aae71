"""A bounded load: a few threads ("lanes"), each sending one kind of request in a loop on its own
keep-alive connection, until stopped, the request budget is spent, or time runs out.

Every request carries its own X-Request-ID (nginx logs it, Gatehouse adopts it), so each
failure can be followed into the load balancer's and the hosts' logs.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx

# One request: returns the HTTP status (None without an answer) and what was wrong (None if nothing).
Send = Callable[[httpx.Client, dict[str, str]], tuple[int | None, str | None]]

REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Outcome:
    lane: str
    request_id: str
    started: float  # time.time(), to compare with log timestamps
    ended: float
    status: int | None
    error: str | None


@dataclass(frozen=True)
class Lane:
    name: str
    send: Send


class Load:
    def __init__(self, lanes: list[Lane], max_requests: int, max_seconds: float) -> None:
        self.lanes = lanes
        self.max_requests = max_requests
        self.deadline = time.monotonic() + max_seconds
        self.outcomes: list[Outcome] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._run, args=(lane,), daemon=True) for lane in lanes]

    def __enter__(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_S + 5)

    def _run(self, lane: Lane) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S, trust_env=False) as client:
            while not self._stopping.is_set() and time.monotonic() < self.deadline:
                with self._lock:
                    if len(self.outcomes) >= self.max_requests:
                        return
                request_id = uuid.uuid4().hex
                started = time.time()
                try:
                    status, error = lane.send(client, {"X-Request-ID": request_id})
                except httpx.HTTPError as failure:
                    status, error = None, f"{type(failure).__name__}: {failure}"
                with self._lock:
                    self.outcomes.append(Outcome(lane.name, request_id, started, time.time(), status, error))

    def snapshot(self) -> list[Outcome]:
        with self._lock:
            return list(self.outcomes)

    def succeeded(self) -> int:
        return sum(1 for outcome in self.snapshot() if outcome.error is None)

    def wait_for_progress(self, count: int, timeout: float) -> None:
        """Until `count` more requests have succeeded; an error after `timeout` or when the load ended."""
        target = self.succeeded() + count
        deadline = time.monotonic() + timeout
        while self.succeeded() < target:
            if time.monotonic() >= deadline or not any(thread.is_alive() for thread in self._threads):
                raise TimeoutError(f"the load made {self.succeeded() - target + count} of {count} successful requests")
            time.sleep(0.02)

    def failures(self) -> list[Outcome]:
        return [outcome for outcome in self.snapshot() if outcome.error is not None]
