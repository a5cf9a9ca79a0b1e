"""`manage.py check_worker`: exit 0 when background work is being done, non-zero with one line saying why not.

For a systemd timer, cron or a monitoring agent: 1 when work has waited `--minutes` with no worker
claiming any, or when the scheduler has enqueued nothing for that long (retries and sweeps wait on it);
3 when the database does not answer (2 is a mistyped option, as for every command).
"""

import sys
from argparse import ArgumentTypeError
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from helpdesk.health import DATABASE_DOWN, one_line, scheduler_silence, worker_health


def positive_minutes(value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        raise ArgumentTypeError(f"must be a whole number of minutes above 0, not {value!r}")
    return int(value)


class Command(BaseCommand):
    help = "Exit 0 when a task worker is claiming the work that waits; 1 (with the reason) when none has for N minutes."

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=positive_minutes,
            default=None,
            help="How long due work may wait with no worker claiming any (default: WORKER_STALE_MINUTES).",
        )

    def handle(self, *, minutes: int | None, **options):
        stale_after = timedelta(minutes=minutes or settings.WORKER_STALE_MINUTES)
        try:
            health = worker_health(stale_after=stale_after)
            silence = scheduler_silence(stale_after=stale_after)
        except DATABASE_DOWN as error:
            self.stderr.write(f"The database does not answer ({one_line(error)}).")
            sys.exit(3)
        if health.stale or silence:
            self.stderr.write(health.reason if health.stale else silence)
            sys.exit(1)
        self.stdout.write(health.reason)
