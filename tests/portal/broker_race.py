"""Publisher and consumer processes for test_broker: ``python -m tests.portal.broker_race``.

publish URL TRANSPORT TAG COUNT THREADS   # COUNT messages per thread, {"id": "TAG-thread-i"}
consume URL TRANSPORT OUT IDLE            # ack each message, one id a line in OUT, until
                                          # IDLE seconds pass without a message
"""

from __future__ import annotations

import sys
import threading
from queue import Empty

from kombu import Connection

QUEUE = "race"


def publish(url: str, transport: str, tag: str, count: int, threads: int) -> None:
    def run(thread: int) -> None:
        with Connection(url, transport=transport) as connection:
            queue = connection.SimpleQueue(QUEUE)
            for i in range(count):
                queue.put({"id": f"{tag}-{thread}-{i}"}, serializer="json")
            queue.close()

    workers = [threading.Thread(target=run, args=(t,)) for t in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()


def consume(url: str, transport: str, out: str, idle: float) -> None:
    with Connection(url, transport=transport) as connection, open(out, "a") as lines:
        queue = connection.SimpleQueue(QUEUE)
        while True:
            try:
                message = queue.get(block=True, timeout=idle)
            except Empty:
                break
            lines.write(message.payload["id"] + "\n")
            lines.flush()
            message.ack()
        queue.close()


if __name__ == "__main__":
    command, url, transport, *rest = sys.argv[1:]
    if command == "publish":
        publish(url, transport, rest[0], int(rest[1]), int(rest[2]))
    else:
        consume(url, transport, rest[0], float(rest[1]))
