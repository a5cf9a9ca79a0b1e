"""Business-time clock speed: five-day add() on office hours with holidays, and a one-year add()."""

import random
import time
from datetime import UTC, date, datetime, timedelta

from sla.clock import WorkingHours

OFFICE = {day: [("08:00", "12:00"), ("13:00", "17:00")] for day in range(5)}
HOLIDAYS = {
    date(year, month, day)
    for year in (2026, 2027)
    for month, day in [(1, 1), (1, 6), (5, 1), (6, 6), (6, 19), (12, 24), (12, 25), (12, 26), (12, 31)]
}
FIVE_DAYS = timedelta(hours=8 * 5)


def bench_clock() -> None:
    rng = random.Random(42)
    starts = [datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(20_000)]

    hours = WorkingHours("Europe/Stockholm", OFFICE, HOLIDAYS)
    began = time.perf_counter()
    hours.add(starts[0], timedelta(hours=8 * 251))  # a working year, on a cold calendar
    cold_year = time.perf_counter() - began
    began = time.perf_counter()
    hours.add(starts[0], timedelta(hours=8 * 251))  # the same, now indexed
    warm_year = time.perf_counter() - began

    best = 0.0
    for _ in range(5):
        began = time.perf_counter()
        for start in starts:
            hours.add(start, FIVE_DAYS)
        best = max(best, len(starts) / (time.perf_counter() - began))
    between_rate = 0.0
    ends = [start + timedelta(days=9) for start in starts]
    for _ in range(5):
        began = time.perf_counter()
        for start, end in zip(starts, ends, strict=True):
            hours.between(start, end)
        between_rate = max(between_rate, len(starts) / (time.perf_counter() - began))

    print("sla.clock (Europe/Stockholm, Mon-Fri 08-12 + 13-17, 18 holidays; one core)")
    print(f"  add(start, 5 business days):  {best:>10,.0f} calls/s  (target 50,000: {best / 50_000:.1f}x)")
    print(f"  between(start, start + 9 d):  {between_rate:>10,.0f} calls/s")
    print(f"  add(start, 1 working year):   {cold_year * 1000:>10.2f} ms cold, {warm_year * 1e6:.0f} µs warm")
