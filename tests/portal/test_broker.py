"""The embedded broker under processes that publish and consume at once, as the demo's web server,
worker and beat do: every message is delivered exactly once, whole.

(kombu's filesystem transport, the demo's broker before, fails this: a consumer reads a message
file its writer has created but not yet written, and dies on the empty JSON.)
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

from portal.broker import embedded_broker_prepare

ROOT = Path(__file__).resolve().parents[2]
TRANSPORT = "portal.broker:Transport"
PUBLISHERS, THREADS, EACH = 3, 4, 40


def run_race(url: str, transport: str, out: Path) -> Counter:
    consumers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.portal.broker_race",
                "consume",
                url,
                transport,
                str(out),
                "5",
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    publishers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.portal.broker_race",
                "publish",
                url,
                transport,
                f"p{p}",
                str(EACH),
                str(THREADS),
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for p in range(PUBLISHERS)
    ]
    for process in publishers + consumers:
        output, _ = process.communicate(timeout=120)
        assert process.returncode == 0, output[-3000:]
    return Counter(out.read_text().split())


def test_every_message_is_delivered_once_to_concurrent_consumers(tmp_path):
    url = f"sqlite:///{tmp_path / 'broker.sqlite3'}"
    received = run_race(url, TRANSPORT, tmp_path / "received")
    sent = {f"p{p}-{t}-{i}" for p in range(PUBLISHERS) for t in range(THREADS) for i in range(EACH)}
    assert set(received) == sent
    assert max(received.values()) == 1, "a message was delivered twice"


def test_preparing_creates_the_queue_and_prunes_delivered_messages(tmp_path, monkeypatch):
    from celery import Celery

    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)  # the suite's Redis would win
    app = Celery("prepare-test", broker=f"sqlite:///{tmp_path / 'broker.sqlite3'}")
    app.conf.broker_transport = TRANSPORT
    assert embedded_broker_prepare(app) == 0
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        queue.put({"n": 1})
        queue.put({"n": 2})
        queue.get(timeout=5).ack()
        queue.close()
    assert embedded_broker_prepare(app) == 1  # the delivered one; the waiting one stays
    with app.connection_for_write() as connection:
        queue = connection.SimpleQueue("celery")
        assert queue.get(timeout=5).payload == {"n": 2}
        queue.close()
