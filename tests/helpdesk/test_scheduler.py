import datetime as dt

import pytest
from django_tasks import task

from helpdesk.models import PeriodicRun
from helpdesk.scheduler import slot_start, tick

RUNS: list[str] = []


@task()
def remember_run() -> None:
    RUNS.append("ran")


@pytest.fixture
def every_minute(settings):
    RUNS.clear()
    settings.PERIODIC_TASKS = {"remember": ("tests.helpdesk.test_scheduler.remember_run", 60)}


def test_a_job_runs_once_per_slot_however_often_schedulers_tick(db, every_minute):
    start = dt.datetime(2026, 3, 29, 0, 59, 1, tzinfo=dt.UTC)
    assert tick(start) == ["remember"]
    assert tick(start + dt.timedelta(seconds=30)) == []  # same minute: a second scheduler skips it
    assert tick(start + dt.timedelta(seconds=59)) == ["remember"]  # next minute
    assert RUNS == ["ran", "ran"]
    assert PeriodicRun.objects.count() == 2


def test_slots_align_to_the_interval():
    moment = dt.datetime(2026, 11, 24, 10, 17, 42, tzinfo=dt.UTC)
    assert slot_start(moment, 60) == dt.datetime(2026, 11, 24, 10, 17, tzinfo=dt.UTC)
    assert slot_start(moment, 3600) == dt.datetime(2026, 11, 24, 10, 0, tzinfo=dt.UTC)
    with pytest.raises(ValueError, match="positive interval"):
        slot_start(moment, 0)


def test_prune_job_forgets_old_scheduler_runs(db):
    from helpdesk.tasks import prune_task_results

    old = PeriodicRun.objects.create(name="x", due_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    result = prune_task_results.enqueue()
    assert result.return_value == 0  # tests run tasks immediately: no stored results to prune
    assert not PeriodicRun.objects.filter(pk=old.pk).exists()


def test_run_scheduler_once_enqueues_what_is_due_and_exits(db, every_minute):
    import signal
    from io import StringIO

    from django.core.management import call_command

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    out = StringIO()
    try:
        call_command("run_scheduler", "--once", stdout=out)
    finally:  # the command installs its own; give pytest back its Ctrl-C
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert out.getvalue() == "enqueued remember\n"
    assert RUNS == ["ran"]
