"""The demo's embedded Celery broker: kombu's SQLAlchemy transport on an SQLite file.

The web server, the worker and beat are separate processes that publish and consume at once; SQLite
gives them one queue with real transactions (kombu takes each message with ``BEGIN IMMEDIATE``, so
two consumers never get the same one, and a reader never sees half a message). This subclass only
sets what kombu's transport cannot be told through its options:

- kombu hands every transport option to ``create_engine``, so ``polling_interval`` cannot be set
  there; it is a class attribute here (a task starts within a quarter of a second);
- each connection waits for the file's lock instead of failing ("database is locked") and uses
  write-ahead logging, so consumers polling never block publishers;
- two processes starting at once on a fresh file: the one that loses the race to create the
  tables or the queue's row uses the winner's instead of failing;
- kombu keeps every delivered message forever (``visible = 0``); they are deleted when the broker
  is prepared (each ``make demo``), so the queue table stays small.
"""

from __future__ import annotations

import base64
import json

from django.conf import settings
from kombu.transport import sqlalchemy as kombu_sqlalchemy
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError

BUSY_TIMEOUT_SECONDS = 30  # how long a process waits for another's write to finish
POLLING_INTERVAL_SECONDS = 0.25


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.execute("PRAGMA journal_mode=WAL")


class Channel(kombu_sqlalchemy.Channel):
    def _engine_from_config(self) -> Engine:
        engine = create_engine(
            self.connection.client.hostname, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine

    def _open(self):
        try:
            return super()._open()
        except OperationalError:  # another process created the tables after kombu looked
            return super()._open()

    def _get_or_create(self, queue: str):
        try:
            return super()._get_or_create(queue)
        except IntegrityError:  # another process created it between our read and our write
            self.session.rollback()
            return super()._get_or_create(queue)


class Transport(kombu_sqlalchemy.Transport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL_SECONDS


def embedded_broker_in_use() -> bool:
    return f"{__name__}:{Transport.__name__}" == settings.CELERY_BROKER_TRANSPORT


def embedded_broker_prepare(app) -> int:
    """Create the tables and the default queue before the demo's processes start (so they never
    race to create them) and delete the messages already delivered. Returns how many went."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        channel.queue_declare(queue=app.conf.task_default_queue)
        table = channel.message_cls.__tablename__
        result = channel.session.execute(text(f"DELETE FROM {table} WHERE visible = 0"))  # noqa: S608
        channel.session.commit()
        return result.rowcount


def embedded_broker_undelivered(app) -> list[tuple[str, list]]:
    """(task name, args) of every message still waiting in the queues, for the soak's count."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        table = channel.message_cls.__tablename__
        rows = channel.session.execute(text(f"SELECT payload FROM {table} WHERE visible = 1"))  # noqa: S608
        found = []
        for (payload,) in rows:
            message = json.loads(payload)
            args = json.loads(base64.b64decode(message["body"]))[0]
            found.append((message["headers"].get("task", ""), args))
        channel.session.commit()
        return found
