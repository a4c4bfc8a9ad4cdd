"""The web server as `make demo` starts it (scripts/web.sh) stays available while clients hold
connections open without sending anything, or send their request slowly.

Before: `gunicorn -w 2` sync workers each served one connection at a time, so two idle connections
held the whole server and /healthz answered after 33 s.
"""

import http.client
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IDLE, SLOW = 10, 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthz(port: int, timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
    finally:
        conn.close()
    return status, time.monotonic() - started


@pytest.fixture
def server(tmp_path):
    """scripts/web.sh on a free port, with its own SQLite file; stopped (its process group only) after."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    env.update(PORT=str(port), CUNZHI_DATA_DIR=str(tmp_path), DEBUG="0")
    log = open(tmp_path / "web.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(ROOT / "scripts" / "web.sh")], cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (tmp_path / "web.log").read_text()
            try:
                if healthz(port, timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start: " + (tmp_path / "web.log").read_text()
            time.sleep(0.2)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
        log.close()


def test_idle_and_slow_connections_do_not_hold_the_server(server):
    held = []
    try:
        for _ in range(IDLE):  # connected, nothing sent
            held.append(socket.create_connection(("127.0.0.1", server), timeout=5))
        for _ in range(SLOW):  # a request begun and never finished
            s = socket.create_connection(("127.0.0.1", server), timeout=5)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            held.append(s)
        time.sleep(0.5)  # the server has taken them all in
        for _ in range(3):
            # A held server never answers: the 5 s socket timeout fails the test. No bound on how fast
            # the answer comes, which depends on the machine, not on the server.
            status, _seconds = healthz(server, timeout=5)
            assert status == 200
    finally:
        for s in held:
            s.close()
