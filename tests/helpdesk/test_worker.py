"""Work outside requests survives faults: the worker and scheduler outlive a database outage, and
`check_worker` / `/healthz` tell when no worker claims the work that waits.

The outage tests run the real commands as subprocesses against the test database and take it away
from under them on PostgreSQL: `ALTER DATABASE … ALLOW_CONNECTIONS false` refuses new connections
(as a restarting server does) and `pg_terminate_backend` drops the open ones. They are skipped on
SQLite, which has no server connection to drop, and whose test database lives in this process's
memory where no subprocess can see it.
"""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from helpdesk.health import ride_out_outage
from helpdesk.models import PeriodicRun

ROOT = Path(__file__).resolve().parents[2]
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@task()
def echo(value: int) -> int:
    return value


@task()
def drop_own_connection() -> None:
    """Fails the way a task does when the database goes away under it mid-task."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


# --- the liveness rule (both databases) ---------------------------------------------------------------


@pytest.fixture
def db_queue(db, settings):
    """Enqueued tasks are stored rows, as in production, instead of running at once."""
    settings.TASKS = DB_TASKS
    settings.WORKER_STALE_MINUTES = 10
    settings.PERIODIC_TASKS = {}  # no scheduler to expect: these tests are about the worker


def enqueue_at(moment: dt.datetime, **options) -> DBTaskResult:
    with time_machine.travel(moment, tick=False):
        result = echo.using(**options).enqueue(1) if options else echo.enqueue(1)
    return DBTaskResult.objects.get(pk=result.id)


def claim_at(result: DBTaskResult, moment: dt.datetime) -> None:
    with time_machine.travel(moment, tick=False):
        result.claim("worker-1")


def check_worker(*args: str) -> tuple[int, str]:
    """Run check_worker in-process; returns its exit status and the line it wrote."""
    from io import StringIO

    out, err = StringIO(), StringIO()
    try:
        call_command("check_worker", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, err.getvalue().strip()
    return 0, out.getvalue().strip()


def test_an_empty_queue_is_healthy(db_queue, client):
    assert check_worker() == (0, "No background work is waiting.")
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["worker"] == {"status": "idle", "stale": False, "waiting": 0, "detail": check_worker()[1]}


def test_work_waiting_with_no_worker_claiming_is_stale(db_queue, client):
    enqueue_at(START)
    enqueue_at(START + MINUTE)
    with time_machine.travel(START + 15 * MINUTE, tick=False):
        status, line = check_worker()
        response = client.get("/healthz")
    assert status == 1
    assert line == "No worker has ever claimed work, and 2 tasks wait (the oldest for 15 minutes)."
    # The web servers are fine: a load balancer must keep them; the body says what is wrong.
    assert response.status_code == 200
    assert response.json()["worker"]["stale"] is True
    assert response.json()["worker"]["status"] == "stale"


def test_a_worker_that_stopped_claiming_is_named_with_how_long_ago(db_queue):
    claim_at(enqueue_at(START), START)
    enqueue_at(START + MINUTE)
    with time_machine.travel(START + 31 * MINUTE, tick=False):
        status, line = check_worker()
        assert check_worker("--minutes", "45")[0] == 0  # a longer allowance from the option
    assert status == 1
    assert line.startswith("No worker has claimed work for 31 minutes while 1 task waits (the oldest for 30 minutes)")


def test_a_backlog_a_worker_is_working_through_is_healthy(db_queue, client):
    enqueue_at(START)
    claim_at(enqueue_at(START + 14 * MINUTE), START + 14 * MINUTE)  # claimed a minute ago
    with time_machine.travel(START + 15 * MINUTE, tick=False):
        assert check_worker() == (0, "1 task waiting, the oldest for 15 minutes; a worker last claimed one 60 s ago.")
        assert client.get("/healthz").json()["worker"]["status"] == "busy"


def test_fresh_work_after_a_quiet_night_is_not_stale(db_queue):
    night = START - dt.timedelta(hours=9)
    claim_at(enqueue_at(night), night)  # the last claim, hours ago
    enqueue_at(START)
    with time_machine.travel(START + 2 * MINUTE, tick=False):
        assert check_worker()[0] == 0


def test_work_counts_as_waiting_from_its_run_after(db_queue):
    enqueue_at(START, run_after=START + 60 * MINUTE)
    with time_machine.travel(START + 30 * MINUTE, tick=False):
        assert check_worker() == (0, "No background work is waiting.")  # not due yet
    with time_machine.travel(START + 65 * MINUTE, tick=False):
        assert check_worker()[0] == 0  # due for 5 minutes only
    with time_machine.travel(START + 75 * MINUTE, tick=False):
        assert check_worker()[0] == 1


def test_check_worker_refuses_a_silly_allowance(db_queue):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="minutes"):
        call_command("check_worker", "--minutes", "0")


# --- surviving an outage -------------------------------------------------------------------------------


def test_riding_out_an_outage_waits_then_reconnects(transactional_db, caplog):
    # transactional_db: closing every connection, as this does, would end a test's enclosing transaction.
    waits: list[float] = []
    assert ride_out_outage(OperationalError("server closed the connection\nmore"), who="worker", sleep=waits.append)
    assert waits == [1.0]  # the database answered the first try
    assert connection.is_usable()
    assert [r.getMessage() for r in caplog.records] == [
        "worker: the database is unavailable (OperationalError: server closed the connection); trying again in 1 s",
        "worker: the database answers again; carrying on",
    ]


def test_a_signal_ends_the_wait_for_the_database(db):
    assert not ride_out_outage(OperationalError("gone"), who="scheduler", sleep=lambda s: None, stopping=lambda: True)


# Below, PostgreSQL and real subprocesses.


@pytest.fixture
def live_queue(transactional_db, settings):
    """The test database, committed and reachable by subprocesses; connections are allowed again after."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server whose connections can be dropped (see the module docstring)")
    settings.TASKS = DB_TASKS
    name = connection.settings_dict["NAME"]
    yield name
    allow_connections(name, True)


def start(command: str, *args: str, log: Path) -> subprocess.Popen:
    db = connection.settings_dict
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    url = f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{host}/{db['NAME']}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(DATABASE_URL=url, DEBUG="0", SECRET_KEY="tests-only", ALLOWED_HOSTS="localhost", CONN_MAX_AGE="60")
    return subprocess.Popen(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", command, *args],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(condition, what: str, *, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting {seconds} s for {what}")


def status_of(result) -> str:
    return DBTaskResult.objects.get(pk=result.id).status


def allow_connections(name: str, allowed: bool) -> None:
    """Run from the server's maintenance database: PostgreSQL refuses this on the database itself."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"] or "127.0.0.1",
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {"true" if allowed else "false"}')


def take_the_database_away(name: str) -> None:
    """What a restarting server looks like to a client: open connections dropped, new ones refused.
    This test's own connection stays, to enqueue work and watch it."""
    allow_connections(name, False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )


def give_the_database_back(name: str) -> None:
    allow_connections(name, True)


@pytest.fixture
def processes():
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def run_worker(processes, log: Path, command: str = "run_worker") -> subprocess.Popen:
    process = start(command, "--no-reload", "--no-startup-delay", "--interval", "0.2", log=log)
    processes.append(process)
    first = echo.enqueue(1)
    wait_for(lambda: status_of(first) == TaskResultStatus.SUCCESSFUL, "the worker to start")
    return process


def test_the_worker_carries_on_after_the_database_restarts(live_queue, processes, tmp_path):
    log = tmp_path / "worker.log"
    worker = run_worker(processes, log)

    take_the_database_away(live_queue)
    during = echo.enqueue(2)  # committed by this test's own connection, which stays open
    wait_for(lambda: "still unavailable" in log.read_text(), "the worker to retry during the outage")
    assert worker.poll() is None, log.read_text()

    give_the_database_back(live_queue)
    wait_for(lambda: status_of(during) == TaskResultStatus.SUCCESSFUL, "the task enqueued during the outage")
    after = echo.enqueue(3)
    wait_for(lambda: status_of(after) == TaskResultStatus.SUCCESSFUL, "a task enqueued after the outage")
    assert worker.poll() is None

    output = log.read_text()
    assert "the database is unavailable (OperationalError: " in output
    assert "the database answers again; carrying on" in output
    assert "Traceback" not in output

    worker.send_signal(signal.SIGTERM)
    assert worker.wait(30) == 0  # a loaded CI machine (two cores, two test processes) took over 10 s


def test_without_it_the_library_worker_dies_in_the_same_outage(live_queue, processes, tmp_path):
    """Why run_worker exists; when this starts failing, django-tasks-db survives outages by itself."""
    log = tmp_path / "db_worker.log"
    worker = run_worker(processes, log, command="db_worker")
    take_the_database_away(live_queue)
    assert worker.wait(30) != 0
    assert "OperationalError" in log.read_text()


def test_a_task_cut_off_mid_run_is_recorded_failed_not_left_running(live_queue, processes, tmp_path):
    log = tmp_path / "worker.log"
    worker = run_worker(processes, log)

    cut_off = drop_own_connection.enqueue()
    wait_for(lambda: status_of(cut_off) == TaskResultStatus.FAILED, "the cut-off task to be recorded")
    after = echo.enqueue(4)
    wait_for(lambda: status_of(after) == TaskResultStatus.SUCCESSFUL, "the next task")
    assert worker.poll() is None
    assert "now marked failed" in log.read_text()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(10) == 0


def test_the_scheduler_carries_on_after_the_database_restarts(live_queue, processes, tmp_path):
    log = tmp_path / "scheduler.log"
    scheduler = start("run_scheduler", "--interval", "0.2", log=log)
    processes.append(scheduler)
    wait_for(lambda: PeriodicRun.objects.exists(), "the scheduler to enqueue its first runs")

    take_the_database_away(live_queue)
    wait_for(lambda: "still unavailable" in log.read_text(), "the scheduler to retry during the outage")
    assert scheduler.poll() is None
    PeriodicRun.objects.all().delete()  # so the slots it already claimed fall due again

    give_the_database_back(live_queue)
    wait_for(lambda: PeriodicRun.objects.exists(), "the scheduler to enqueue after the outage")
    assert scheduler.poll() is None
    assert "scheduler: the database answers again; carrying on" in log.read_text()

    scheduler.send_signal(signal.SIGTERM)
    assert scheduler.wait(10) == 0


def test_a_silent_scheduler_fails_the_check(db, settings):
    """Without it nothing is enqueued, so the worker looks idle while retries and sweeps wait."""
    from helpdesk.models import PeriodicRun

    settings.TASKS = DB_TASKS
    settings.PERIODIC_TASKS = {"sla-scan": ("sla.tasks.scan_task", 60)}
    assert check_worker() == (1, "The scheduler has never enqueued a periodic job; is run_scheduler running?")
    with time_machine.travel(START, tick=False):
        PeriodicRun.objects.create(name="sla-scan", due_at=START)
    with time_machine.travel(START + 2 * MINUTE, tick=False):
        assert check_worker() == (0, "No background work is waiting.")
    with time_machine.travel(START + 31 * MINUTE, tick=False):
        assert check_worker() == (1, "The scheduler has enqueued nothing for 31 minutes; is run_scheduler running?")
