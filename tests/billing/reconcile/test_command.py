"""``manage.py reconcile [ACCOUNT] [--json]`` and the beat task."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line
from django.core.management.base import CommandError
from django_celery_beat.models import PeriodicTask

from billing.reconcile.models import ReconcileRun
from billing.tasks import reconcile_all_task

from .support import make_account, make_number, plant

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("reconcile", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def accounts():
    didww = make_account("didww", "didww-main")
    make_number(didww, "+12125550101")
    plant(didww, "+12125550101")
    make_number(didww, "+12125550102")  # missing upstream
    pbxme = make_account("pbxme", "pbxme-main")
    plant(pbxme, "+12125550103")  # upstream only
    return didww, pbxme


def test_json_reports_every_account(accounts):
    report = json.loads(_run("--json"))
    assert report["didww-main"] == {
        "status": "complete", "upstream": 1, "local": 2,
        "findings": {"missing_upstream": 1}, "opened": 1, "closed": 0,
    }  # fmt: skip
    assert report["pbxme-main"]["upstream"] == 1 and report["pbxme-main"]["local"] == 0
    assert report["pbxme-main"]["findings"] == {"orphan": 1}


def test_one_account_in_words(accounts):
    out = _run("pbxme-main")
    assert out.strip() == "pbxme-main: 1 upstream, 0 here; findings: orphan 1 (1 new, 0 closed)"
    assert ReconcileRun.objects.count() == 1


def test_unknown_or_disabled_account_is_one_line_error(accounts):
    with pytest.raises(CommandError, match="no enabled provider account named 'ghost'"):
        _run("ghost")
    accounts[1].enabled = False
    accounts[1].save(update_fields=["enabled"])
    with pytest.raises(CommandError, match="'pbxme-main'"):
        _run("pbxme-main")


def test_bad_account_exits_non_zero_with_one_line(accounts, capsys):
    with pytest.raises(SystemExit) as exit_:
        execute_from_command_line(["manage.py", "reconcile", "ghost", "--json"])
    assert exit_.value.code != 0
    err = capsys.readouterr().err.strip()
    assert err == "CommandError: no enabled provider account named 'ghost'"


def test_beat_runs_every_enabled_account_daily(accounts):
    task = PeriodicTask.objects.get(task="billing.reconcile_all_task")
    assert task.crontab.hour == "4" and task.enabled
    accounts[1].enabled = False
    accounts[1].save(update_fields=["enabled"])
    assert reconcile_all_task.delay().get() == 1  # eager: one account task queued and run
    assert list(ReconcileRun.objects.values_list("provider_account__name", flat=True)) == [
        "didww-main"
    ]


def test_json_has_upstream_local_and_findings_for_every_account_even_an_aborted_one(accounts):
    """Issue #12: per account ``{"upstream": n, "local": n, "findings": {...}}``; an aborted
    run says why and counts nothing it could not see."""
    import stamina

    accounts[1].sandbox_faults = {"error_rate": 1.0}
    accounts[1].save(update_fields=["sandbox_faults"])
    stamina.set_testing(True, attempts=1)
    try:
        report = json.loads(_run("--json"))
    finally:
        stamina.set_testing(False)
    assert set(report) == {"didww-main", "pbxme-main"}
    for entry in report.values():
        assert {"status", "upstream", "local", "findings"} <= set(entry)
        assert isinstance(entry["findings"], dict)
    complete, aborted = report["didww-main"], report["pbxme-main"]
    assert isinstance(complete["upstream"], int) and isinstance(complete["local"], int)
    assert all(isinstance(n, int) for n in complete["findings"].values())
    assert aborted["status"] == "aborted" and aborted["detail"]
    assert aborted["findings"] == {} and aborted["upstream"] is None
