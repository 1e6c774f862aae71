"""Helpers the benchmark scripts share."""
import socket
import time


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
