"""The demo's processes, as ``make demo`` starts them, under a burst of concurrent orders.

A fresh demo (SQLite database, embedded SQLite broker, provider sandbox, Celery worker with beat,
the web server, all supervised by ``rundemo``) is seeded in a temporary folder; ``demo_soak``
places orders through the web server from three threads for a minute. Midway the worker is
killed with SIGKILL: the supervisor must start a new one, and every order placed must still end,
with no provisioning task left undelivered in the broker. The full half-hour run is
``manage.py demo_soak --minutes 30`` beside ``make demo``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.worker import wait_for

ROOT = Path(__file__).resolve().parents[2]
BURST_SECONDS = 60
KILL_AFTER_SECONDS = 20

pytestmark = pytest.mark.demo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def demo_env(tmp_path) -> dict[str, str]:
    port = free_port()
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DIDHUB_TEST", "CELERY"))},
        "DJANGO_SETTINGS_MODULE": "tests.portal.demo_settings",
        "DIDHUB_DEMO": "true",
        "DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'didhub.sqlite3'}",
        "CELERY_BROKER_URL": f"sqlite:///{tmp_path / 'broker.sqlite3'}",
        "REDIS_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "PORT": str(port),
        "SANDBOX_PORT": str(free_port()),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "PYTHONUNBUFFERED": "1",
    }


def manage(env: dict[str, str], *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        **kwargs,
    )  # fmt: skip


@pytest.fixture
def demo(demo_env, tmp_path) -> Iterator[tuple[dict[str, str], Path]]:
    """A seeded demo served by ``rundemo``; yields its environment and its console log."""
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        done = manage(demo_env, *command, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    log = tmp_path / "demo.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo"], cwd=ROOT, env=demo_env, stdout=out,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(lambda: "celery@" in log.read_text() and " ready." in log.read_text(), timeout=90)
        health = f"{demo_env['SITE_URL']}/healthz"
        wait_for(lambda: _answers(health), timeout=60)
        yield demo_env, log
    finally:
        process.send_signal(signal.SIGTERM)  # what Ctrl-C does: rundemo stops its children
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        leftovers = [pid for pid in started_pids(log.read_text()) if group_alive(pid)]
        for pid in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        assert not leftovers, "children of rundemo outlived it"


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.HTTPError:
        return False


def started_pids(console: str, name: str = r"\w+") -> list[int]:
    return [int(pid) for pid in re.findall(rf"demo: {name} started \(pid (\d+)\)", console)]


def test_a_burst_of_orders_all_end_though_the_worker_is_killed(demo):
    env, log = demo
    soak = subprocess.Popen(
        [sys.executable, "manage.py", "demo_soak", "--url", env["SITE_URL"],
         "--seconds", str(BURST_SECONDS), "--every", "3", "--threads", "3", "--settle", "90"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        time.sleep(KILL_AFTER_SECONDS)
        [worker] = started_pids(log.read_text(), "worker")
        os.kill(worker, signal.SIGKILL)
        wait_for(lambda: len(started_pids(log.read_text(), "worker")) == 2, timeout=30)
        out, err = soak.communicate(timeout=BURST_SECONDS + 180)
    finally:
        if soak.poll() is None:
            soak.kill()
    console = log.read_text()
    assert f"demo: worker (pid {worker}) exited (killed by SIGKILL)" in console
    summary = json.loads(out.strip().splitlines()[-1])
    print(summary)  # the numbers, for whoever runs it with -s
    assert summary["orders"] >= 20, (summary, err[-2000:])
    assert summary["stuck"] == 0, (summary, console[-3000:])
    assert summary["dead_letters"] == 0, summary
    assert summary["lost_tasks"] == 0, summary
    assert summary["errors"] == 0, summary
    assert summary["missing_orders"] == 0, summary
    ended = summary["completed"] + summary["failed"] + summary["backordered"]
    assert ended == summary["orders"], summary
    assert soak.returncode == 0, err[-2000:]
