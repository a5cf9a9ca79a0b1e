import signal
import time

from django.core.management.base import BaseCommand

from helpdesk.scheduler import tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs (settings.PERIODIC_TASKS) when they fall due. Safe to run on several machines."

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=5.0, help="Seconds between checks (default 5).")
        parser.add_argument("--once", action="store_true", help="Check once and exit (for cron or tests).")

    def handle(self, *, interval: float, once: bool, **options):
        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            for name in tick():
                self.stdout.write(f"enqueued {name}")
            if once or stopping:
                return
            time.sleep(interval)
