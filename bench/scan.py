"""The breach sweep on 100,000 open clocks, in a throw-away test database (SQLite, or DATABASE_URL)."""

import os
import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection

from bench.database import bench_database, office_calendar

OFFICE = {day: [("08:00", "17:00")] for day in range(5)}


def bench_scan() -> None:
    with bench_database():
        _run(int(os.environ.get("BENCH_CLOCKS", "100000")))


def _run(count: int) -> None:
    from sla.models import Clock, SlaEvent, TargetKind
    from sla.scan import scan

    calendar = office_calendar(OFFICE)
    hours = calendar.working_hours()
    now = datetime(2026, 11, 24, 12, tzinfo=UTC)
    rng = random.Random(7)
    began = time.perf_counter()
    clocks = []
    for _ in range(count):
        # A working backlog: opened over the last week, targets from hours to a couple of weeks.
        started = now - timedelta(minutes=rng.randrange(60 * 24 * 7))
        target = timedelta(hours=rng.choice([4, 8, 24, 40, 80]))
        clocks.append(
            Clock(
                kind=TargetKind.RESOLUTION,
                calendar=calendar,
                target=target,
                warn_after=target * 3 / 4,
                started_at=started,
                due_at=hours.add(started, target),
                warn_at=hours.add(started, target * 3 / 4),
                notify_email=f"team{rng.randrange(20)}@example.org",
            )
        )
    Clock.objects.bulk_create(clocks, batch_size=5_000)
    seeded = time.perf_counter() - began

    due_soon = Clock.objects.breaching_by(now + timedelta(hours=1))
    began = time.perf_counter()
    soon = due_soon.count()
    soon_time = time.perf_counter() - began

    began = time.perf_counter()
    first = scan(now)
    first_time = time.perf_counter() - began
    began = time.perf_counter()
    again = scan(now + timedelta(minutes=1))
    again_time = time.perf_counter() - began

    SlaEvent.objects.update(notified_at=now)  # the backlog of alerts delivered
    began = time.perf_counter()
    steady = scan(now + timedelta(minutes=2))
    steady_time = time.perf_counter() - began

    vendor = connection.vendor
    print(f"sla scan ({count:,} open clocks on {vendor}; seeded in {seeded:.1f} s)")
    print(
        f"  first sweep:   {first_time * 1000:>8.0f} ms  ({first.breached:,} breached, {first.warned:,} warned,"
        f" {first.alerts_sent:,} alerts released, {SlaEvent.objects.count():,} events)"
    )
    print(f"  next minute:   {again_time * 1000:>8.0f} ms  ({again.breached} breached, {again.warned} warned)")
    print(
        f"  steady state:  {steady_time * 1000:>8.0f} ms  ({steady.breached} breached, {steady.warned} warned,"
        " no alert backlog)"
    )
    print(f"  breaching in the next hour (indexed count): {soon_time * 1000:.1f} ms, {soon:,} clocks")
