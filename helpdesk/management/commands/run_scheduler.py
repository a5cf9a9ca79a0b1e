import signal
import threading

from django.core.management.base import BaseCommand

from helpdesk.health import DATABASE_DOWN, ride_out_outage
from helpdesk.scheduler import tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs (settings.PERIODIC_TASKS) when they fall due. Safe to run on several machines."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between checks (default 5).")
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron or tests).")

    def handle(self, *, interval: float, once: bool, **options):
        # A signal sets the event, which also cuts short any wait: between checks or for the database.
        stopping = threading.Event()
        signal.signal(signal.SIGTERM, lambda signum, frame: stopping.set())
        signal.signal(signal.SIGINT, lambda signum, frame: stopping.set())
        while True:
            try:
                for name in tick():
                    self.stdout.write(f"enqueued {name}")
            except DATABASE_DOWN as error:
                if once:
                    raise  # cron runs it again; its failure should show
                # A missed slot is not lost: the next check after the outage enqueues the current one.
                if not ride_out_outage(error, who="scheduler", sleep=stopping.wait, stopping=stopping.is_set):
                    return
                continue
            if once or stopping.wait(interval):
                return
