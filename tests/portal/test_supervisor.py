"""The demo's supervisor: a child that dies is restarted with a line, one that keeps dying stops
everything with one line, and stopping leaves no process behind (grandchildren included)."""

from __future__ import annotations

import functools
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from portal.management.commands import rundemo
from portal.supervisor import ChildSpec, GaveUp, Supervisor, describe_exit
from tests.worker import wait_for

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): count it as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_a_child_that_exits_is_restarted_with_a_line():
    lines: list[str] = []
    sup = Supervisor(
        [ChildSpec("worker", [PY, "-c", "import time; time.sleep(60)"])],
        say=lines.append, backoff=(0.01,),
    )  # fmt: skip
    sup.start()
    try:
        first = sup.pid("worker")
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: sup.check() or (sup.pid("worker") not in (None, first)), timeout=20)
        assert any(
            f"worker (pid {first}) exited (killed by SIGKILL)" in line and "restarting" in line
            for line in lines
        ), lines
        assert lines[-1] == f"demo: worker started (pid {sup.pid('worker')})"
    finally:
        sup.stop()
    assert not alive(first)


def test_a_child_that_keeps_dying_makes_the_supervisor_give_up():
    lines: list[str] = []
    sup = Supervisor(
        [ChildSpec("sandbox", [PY, "-c", "raise SystemExit(3)"]),
         ChildSpec("web", [PY, "-c", "import time; time.sleep(60)"])],
        say=lines.append, backoff=(0.01,), max_exits_in_a_row=3,
    )  # fmt: skip
    sup.start()
    web = sup.pid("web")
    with pytest.raises(GaveUp) as gave_up:
        wait_for(lambda: sup.check(), timeout=30, interval=0.02)
    sup.stop()
    assert str(gave_up.value) == (
        "demo: sandbox keeps dying (exit code 3, 3 times in a row within 30 s of starting); "
        "stopping the demo"
    )
    assert sum("sandbox started" in line for line in lines) == 3
    assert not alive(web)


def test_a_child_that_ran_long_enough_starts_counting_again():
    now = [0.0]
    sup = Supervisor(
        [ChildSpec("worker", [PY, "-c", "raise SystemExit(1)"])],
        say=lambda line: None, backoff=(0.0,), max_exits_in_a_row=2, stable_after=30.0,
        clock=lambda: now[0],
    )  # fmt: skip
    sup.start()
    for _ in range(4):  # each run lasts 60 s of the fake clock: healthy, so never two in a row
        sup.children[0].process.wait()
        now[0] += 60
        sup.check()  # notices the exit
        sup.check()  # restarts it (no backoff)
        assert sup.children[0].exits_in_a_row == 1
    sup.stop()
    assert sup.children[0].restarts == 4


def test_stop_ends_the_childs_own_children_too(tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    sup = Supervisor([ChildSpec("worker", [PY, "-c", script])], say=lambda line: None)
    sup.start()
    grandchild = int(wait_for(lambda: pid_file.exists() and pid_file.read_text()))
    child = sup.pid("worker")
    sup.stop()
    assert not alive(child)
    assert not alive(grandchild)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGHUP], ids=["ctrl-c", "hangup"])
def test_ctrl_c_or_closing_the_terminal_stops_every_child(tmp_path, signum):
    """``run()`` in a process of its own, as rundemo runs it; the signal the terminal sends."""
    pids = tmp_path / "pids"
    script = (
        "import sys\n"
        "from portal.supervisor import ChildSpec, Supervisor\n"
        f"out = open({str(pids)!r}, 'a', buffering=1)\n"
        "sleeper = [sys.executable, '-c', 'import time; time.sleep(60)']\n"
        "Supervisor([ChildSpec('a', sleeper), ChildSpec('b', sleeper)],\n"
        "           say=lambda line: out.write(line + '\\n')).run(interval=0.05)\n"
        "print('returned')\n"
    )
    process = subprocess.Popen(
        [PY, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        wait_for(lambda: pids.exists() and pids.read_text().count("started") == 2)
        children = [int(pid) for pid in re.findall(r"pid (\d+)", pids.read_text())]
        os.kill(process.pid, signum)
        out, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0
    assert out.strip() == "returned"
    assert not any(alive(pid) for pid in children)


def test_rundemo_stops_with_one_line_and_an_error_when_a_child_keeps_dying(monkeypatch):
    monkeypatch.setattr(
        rundemo, "demo_children",
        lambda **_: [ChildSpec("worker", [PY, "-c", "raise SystemExit(2)"])],
    )  # fmt: skip
    monkeypatch.setattr(rundemo, "Supervisor", functools.partial(Supervisor, backoff=(0.01,)))
    with pytest.raises(CommandError, match=r"^demo: worker keeps dying \(exit code 2, 5 times"):
        call_command("rundemo", "--port", "0")  # returns: it gave up instead of looping


def test_exits_are_described_in_words():
    assert describe_exit(-signal.SIGKILL) == "killed by SIGKILL"
    assert describe_exit(1) == "exit code 1"
