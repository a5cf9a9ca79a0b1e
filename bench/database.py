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
