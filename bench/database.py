"""A throw-away database for a benchmark: migrated, used, dropped (never the demo or test database).

With `keep_as` (as `BENCH_KEEP=1` asks for), the database gets that name and stays after the run, so
the next run measures again without seeding again: for working on speed, where seeding a million rows
would take most of the time.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def bench_database(*, keep_as: str | None = None):
    old_name = connection.settings_dict["NAME"]
    keep = keep_as is not None and connection.vendor != "sqlite"
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else (keep_as if keep else "bench_promisedesk")
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False, keepdb=keep)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keep)


def office_calendar(week: dict[int, list[tuple[str, str]]], *, holiday_country: str = "SE"):
    """A Stockholm office calendar with `week`'s opening hours (weekday -> [(opens, closes)]), saved."""
    from sla.models import Calendar, OpeningHours

    calendar = Calendar.objects.create(name="Office", time_zone="Europe/Stockholm", holiday_country=holiday_country)
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=day, opens=opens, closes=closes)
        for day, intervals in week.items()
        for opens, closes in intervals
    )
    return calendar
