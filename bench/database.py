"""A throw-away database for a benchmark: migrated, used, dropped (never the demo or test database)."""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def bench_database():
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        None if connection.vendor == "sqlite" else "bench_promisedesk"
    )
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
