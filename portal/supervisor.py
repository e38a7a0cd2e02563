"""Keep a few child processes running: the demo's web server, provider sandbox and Celery worker.

Each child runs in its own process group, so Ctrl-C reaches the supervisor only and the supervisor
stops every child (and anything a child started) in order, instead of leaving orphans. A child
that exits is restarted after a short backoff with a line on the console; one that keeps dying
soon after each start makes the supervisor give up, stop the rest and say so in one line.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ChildSpec:
    name: str
    argv: Sequence[str]


@dataclass
class _Child:
    spec: ChildSpec
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    exits_in_a_row: int = 0  # after the first, each sooner than ``stable_after`` after its start
    restart_at: float | None = None  # when a dead child is due to start again
    restarts: int = 0


class GaveUp(Exception):
    """A child kept dying: the supervisor stopped everything."""


def describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Supervisor:
    specs: Sequence[ChildSpec]
    cwd: Path | str | None = None
    env: dict[str, str] | None = None
    say: Callable[[str], None] = print
    max_exits_in_a_row: int = 5  # then the supervisor gives up
    stable_after: float = 30.0  # a child that ran this long before exiting was healthy
    backoff: Sequence[float] = (1.0, 2.0, 4.0, 8.0)
    stop_timeout: float = 15.0
    clock: Callable[[], float] = time.monotonic
    children: list[_Child] = field(init=False)

    def __post_init__(self) -> None:
        self.children = [_Child(spec) for spec in self.specs]

    def start(self) -> None:
        for child in self.children:
            self._spawn(child)

    def _spawn(self, child: _Child) -> None:
        child.process = subprocess.Popen(  # noqa: S603 (our own commands)
            list(child.spec.argv), cwd=self.cwd, env=self.env, start_new_session=True
        )
        child.started_at = self.clock()
        child.restart_at = None
        self.say(f"demo: {child.spec.name} started (pid {child.process.pid})")

    def pid(self, name: str) -> int | None:
        for child in self.children:
            if child.spec.name == name and child.process and child.process.poll() is None:
                return child.process.pid
        return None

    def check(self) -> None:
        """Restart the children that exited (after their backoff). Raises GaveUp when one keeps
        dying; the caller then calls ``stop()``."""
        now = self.clock()
        for child in self.children:
            if child.restart_at is not None:
                if now >= child.restart_at:
                    child.restarts += 1
                    self._spawn(child)
                continue
            returncode = child.process.poll() if child.process else None
            if returncode is None:
                continue
            _signal_group(child.process, signal.SIGKILL)  # anything it left behind goes too
            ran = now - child.started_at
            child.exits_in_a_row = child.exits_in_a_row + 1 if ran < self.stable_after else 1
            how, times = describe_exit(returncode), child.exits_in_a_row
            if times >= self.max_exits_in_a_row:
                raise GaveUp(
                    f"demo: {child.spec.name} keeps dying ({how}, {times} times in a row within "
                    f"{self.stable_after:.0f} s of starting); stopping the demo"
                )
            delay = self.backoff[min(child.exits_in_a_row, len(self.backoff)) - 1]
            child.restart_at = now + delay
            self.say(
                f"demo: {child.spec.name} (pid {child.process.pid}) exited ({how}) after "
                f"{ran:.0f} s; restarting it in {delay:.0f} s"
            )

    def run(self, *, interval: float = 0.5) -> None:
        """Start the children and watch them until SIGINT, SIGTERM or SIGHUP (then stop them all
        and return) or until one keeps dying (then stop them all and raise GaveUp)."""
        stopping = []

        def request_stop(signum, _frame) -> None:
            stopping.append(signum)

        # SIGHUP too: closing the terminal must not leave the children (in sessions of their
        # own, so the terminal does not reach them) running without us.
        signums = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
        previous = {signum: signal.signal(signum, request_stop) for signum in signums}
        try:
            self.start()
            while not stopping:
                self.check()
                time.sleep(interval)
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self) -> None:
        """SIGTERM every child's process group, wait, then SIGKILL what is left."""
        running = [c.process for c in self.children if c.process is not None]
        for process in running:
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for process in running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                self.say(f"demo: pid {process.pid} did not stop in time; killing it")
            # Whatever the child started is in its group too: make sure nothing outlives us.
            _signal_group(process, signal.SIGKILL)
            process.wait()
            _wait_group_gone(process.pid, timeout=5.0)


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)  # the child leads its own group (start_new_session)


def _wait_group_gone(pgid: int, *, timeout: float) -> None:
    """Processes of the group that are not our children are reaped by init: wait for that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.05)
