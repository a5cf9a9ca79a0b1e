"""Repair on change: a closure added to a calendar with 100,000 open clocks, all re-timed set-based."""

import os
import random
import time
from datetime import UTC, date, datetime, timedelta

from django.db import connection

from bench.database import bench_database, office_calendar

OFFICE = {day: [("08:00", "12:00"), ("13:00", "17:00")] for day in range(5)}


def bench_repair() -> None:
    with bench_database():
        _run(int(os.environ.get("BENCH_CLOCKS", "100000")))


def _run(count: int) -> None:
    from django.contrib.contenttypes.models import ContentType

    from sla.models import Calendar, Clock, Closure, EventKind, SlaEvent, TargetKind
    from sla.repair import BATCH_SIZE, clocks_moved_by, retime_calendar
    from sla.scan import scan

    calendar = office_calendar(OFFICE)
    hours = calendar.working_hours()
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)  # a Tuesday
    rng = random.Random(11)
    began = time.perf_counter()
    # One clock per thing being served; sla knows no tickets, so calendars stand in for their type.
    stand_in = ContentType.objects.get_for_model(Calendar)
    clocks, pauses = [], []
    for n in range(count):
        # A working backlog: opened over the last week, targets from hours to a couple of weeks; a
        # third waited on the requester once, one in ten is waiting now.
        started = now - timedelta(minutes=rng.randrange(60 * 24 * 7))
        target = timedelta(hours=rng.choice([4, 8, 24, 40, 80]))
        paused_for, history, paused_at = timedelta(0), [], None
        share = rng.random()
        if share < 0.4:
            paused = started + (now - started) * rng.uniform(0.1, 0.5)
            if share < 0.3:
                resumed = paused + (now - paused) * rng.uniform(0.1, 0.9)
                paused_for = hours.between(paused, resumed)
                history = [(EventKind.PAUSED, paused), (EventKind.RESUMED, resumed)]
            else:
                paused_at, history = paused, [(EventKind.PAUSED, paused)]
        clocks.append(
            Clock(
                subject_type=stand_in,
                subject_id=n + 1,
                kind=TargetKind.RESOLUTION,
                calendar=calendar,
                target=target,
                warn_after=target * 3 / 4,
                started_at=started,
                due_at=hours.add(started, target + paused_for),
                warn_at=hours.add(started, target * 3 / 4 + paused_for),
                paused_at=paused_at,
                pause_reason="waiting on the requester" if paused_at else "",
                paused_for=paused_for,
            )
        )
        pauses.append(history)
    Clock.objects.bulk_create(clocks, batch_size=5_000)
    SlaEvent.objects.bulk_create(
        (
            SlaEvent(clock=clock, kind=kind, at=moment)
            for clock, history in zip(clocks, pauses, strict=True)
            for kind, moment in [(EventKind.STARTED, clock.started_at), *history]
        ),
        batch_size=5_000,
    )
    seeded = time.perf_counter() - began
    scan(now)  # as the minutely sweep leaves it: what was due by now is recorded

    # The edit: the office closes tomorrow (a Wednesday inside most clocks' windows).
    Closure.objects.create(calendar=calendar, name="Office move", start_date=date(2026, 11, 25))
    began = time.perf_counter()
    affected = clocks_moved_by(calendar=calendar)
    count_time = time.perf_counter() - began

    began = time.perf_counter()
    retimed = retime_calendar(calendar.pk, at=now)
    repair_time = time.perf_counter() - began
    events = SlaEvent.objects.filter(kind=EventKind.REPAIRED).count()

    print(f"sla repair ({count:,} open clocks on {connection.vendor}; seeded in {seeded:.1f} s)")
    print(
        f"  a closure re-timed:  {repair_time:>8.1f} s  ({retimed:,} clocks changed, {events:,} repaired events,"
        f" {retimed / repair_time:,.0f} clocks/s in batches of {BATCH_SIZE:,})"
    )
    print(f"  open things counted for the edit page: {count_time * 1000:.0f} ms ({affected:,})")
