"""The health of the work done outside requests: riding out a database outage, and telling whether a
task worker is claiming the work that waits.

`run_worker` and `run_scheduler` call `ride_out_outage` when the database goes away, so they carry on
once it is back instead of exiting. `worker_health` is the liveness rule, read by `check_worker` and
`/healthz`.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection, connections
from django.db.models import Case, Count, F, Max, Min, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

log = logging.getLogger("helpdesk.worker")

# What a dropped, refused or restarting database connection raises (psycopg and sqlite3 alike).
DATABASE_DOWN = (OperationalError, InterfaceError)


def one_line(error: BaseException) -> str:
    """The error's kind and the first line of its message: a log line stays one line."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else 'no message'}"


def _close_all() -> None:
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DATABASE_DOWN:
            conn.connection = None  # already gone; the next query opens a fresh one


def ride_out_outage(
    error: BaseException,
    *,
    who: str,
    sleep: Callable[[float], object] = time.sleep,
    stopping: Callable[[], bool] = lambda: False,
    first: float = 1.0,
    cap: float = 30.0,
) -> bool:
    """Log the lost database in one line, close every connection, then wait 1 s, 2 s, 4 s … (at most
    `cap`) between tries until a fresh connection works.

    Returns True once the database answers, False as soon as `stopping()` is true (a signal arrived).
    Never raises a database error.
    """
    delay = first
    log.warning("%s: the database is unavailable (%s); trying again in %g s", who, one_line(error), delay)
    while True:
        _close_all()
        sleep(delay)
        if stopping():
            return False
        try:
            connection.ensure_connection()
        except DATABASE_DOWN as again:
            delay = min(delay * 2, cap)
            log.warning("%s: the database is still unavailable (%s); next try in %g s", who, one_line(again), delay)
            continue
        log.warning("%s: the database answers again; carrying on", who)
        return True


@dataclass(frozen=True)
class WorkerHealth:
    """What `worker_health` found. `stale` is the only thing to alert on; the rest explains it."""

    stale: bool
    waiting: int  # tasks ready to run now
    oldest_wait: timedelta | None  # how long the longest-waiting of them has been due
    last_claim_ago: timedelta | None  # None when not looked up (nothing waits long) or never claimed
    stale_after: timedelta

    @property
    def status(self) -> str:
        """A stable key for machines: "stale", "busy" (work waits, a worker is on it) or "idle"."""
        return "stale" if self.stale else "busy" if self.waiting else "idle"

    @property
    def reason(self) -> str:
        """One plain sentence for an operator."""
        if not self.waiting:
            return "No background work is waiting."
        tasks = f"{self.waiting} task{'s' if self.waiting != 1 else ''}"
        tasks_wait = f"{tasks} {'wait' if self.waiting != 1 else 'waits'}"
        oldest = _duration(self.oldest_wait)
        if not self.stale:
            claimed = f"; a worker last claimed one {_duration(self.last_claim_ago)} ago" if self.last_claim_ago else ""
            return f"{tasks} waiting, the oldest for {oldest}{claimed}."
        if self.last_claim_ago is None:
            return f"No worker has ever claimed work, and {tasks_wait} (the oldest for {oldest})."
        return (
            f"No worker has claimed work for {_duration(self.last_claim_ago)} while {tasks_wait} "
            f"(the oldest for {oldest}); is the task worker running?"
        )


def _duration(span: timedelta | None) -> str:
    seconds = int(span.total_seconds()) if span else 0
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 2 * 3600:
        return f"{seconds // 60} minutes"
    return f"{seconds // 3600} hours"


def worker_health(*, stale_after: timedelta) -> WorkerHealth:
    """Stale when a task has been due for at least `stale_after` and no worker has claimed any task
    (started one) within `stale_after`. A worker polls every second or so, so work due that long with
    no claim means no worker runs; a long backlog that a worker is working through is not stale.

    One query on the ready-task index when nothing waits long; a second only when something does.
    """
    now = timezone.now()
    # A task is due from its enqueueing, or from its run_after when that is later (date-max means "none").
    due_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")),
        default=Greatest("enqueued_at", "run_after"),
    )
    ready = DBTaskResult.objects.ready().annotate(due_since=due_since).aggregate(n=Count("pk"), oldest=Min("due_since"))
    waiting, oldest = ready["n"], ready["oldest"]
    oldest_wait = max(now - oldest, timedelta(0)) if oldest else None
    if not waiting or oldest_wait < stale_after:
        return WorkerHealth(
            stale=False, waiting=waiting, oldest_wait=oldest_wait, last_claim_ago=None, stale_after=stale_after
        )
    last_claim = DBTaskResult.objects.aggregate(last=Max("started_at"))["last"]
    last_claim_ago = now - last_claim if last_claim else None
    return WorkerHealth(
        stale=last_claim_ago is None or last_claim_ago >= stale_after,
        waiting=waiting,
        oldest_wait=oldest_wait,
        last_claim_ago=last_claim_ago,
        stale_after=stale_after,
    )


def scheduler_silence(*, stale_after: timedelta) -> str:
    """One sentence when the scheduler has enqueued no periodic job for longer than `stale_after` (or three of
    its shortest intervals, if longer): mail retries and SLA sweeps wait on it. Empty when it is alive, or
    when no periodic job is configured."""
    from helpdesk.models import PeriodicRun

    intervals = [every for _path, every in settings.PERIODIC_TASKS.values()]
    if not intervals:
        return ""
    allowance = max(stale_after, timedelta(seconds=3 * min(intervals)))
    last = PeriodicRun.objects.aggregate(last=Max("enqueued_at"))["last"]
    if last is None:
        return "The scheduler has never enqueued a periodic job; is run_scheduler running?"
    silent = timezone.now() - last
    if silent <= allowance:
        return ""
    return f"The scheduler has enqueued nothing for {_duration(silent)}; is run_scheduler running?"
