"""`manage.py run_worker`: django-tasks-db's `db_worker` that outlives a dropped or restarting database.

The library's worker exits when a query fails with anything but "database is locked"; this one logs
one line, closes its connections, waits (1 s doubling to 30 s) until the database answers, and
carries on. A task whose result could not be written when the database went away is recorded as
failed once it is back, instead of staying "running" for ever. SIGTERM and Ctrl-C still stop it as
`db_worker` does: at once when idle or waiting, after the current task otherwise.
"""

import os
import time

from django.core.management.base import CommandError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from helpdesk.health import DATABASE_DOWN, log, ride_out_outage

# A claim failing again within this many seconds of carrying on counts as the same failure repeating.
QUICK_REPEAT_SECONDS = 60
MOST_QUICK_REPEATS = 10


class DurableWorker(db_worker.Worker):
    unrecorded: tuple[DBTaskResult, BaseException] | None = None

    def run(self) -> None:
        repeats = 0
        while self.running:
            resumed = time.monotonic()
            try:
                super().run()
                return  # --batch or --max-tasks reached: a clean end
            except DATABASE_DOWN as error:
                # The database answers yet the claim fails again at once (a missing table, a full disk):
                # wait longer each time, and after a few minutes of it exit, so the failure shows.
                repeats = repeats + 1 if time.monotonic() - resumed < QUICK_REPEAT_SECONDS else 1
                if repeats > MOST_QUICK_REPEATS:
                    log.error("worker %s: the database answers but every claim fails; stopping", self.worker_id)
                    raise
                first = min(2.0 ** (repeats - 1), 30.0)
                who = f"worker {self.worker_id}"
                if not ride_out_outage(error, who=who, stopping=lambda: not self.running, first=first):
                    return
            self.startup_delay = False  # the random start-up pause is for the first start only
            self.record_unrecorded()

    def run_task(self, db_task_result: DBTaskResult) -> None:
        try:
            super().run_task(db_task_result)
        except DATABASE_DOWN as error:
            # The task ran (or failed) but neither outcome could be saved: its row still says running.
            self.unrecorded = (db_task_result, error)
            raise

    def record_unrecorded(self) -> None:
        if self.unrecorded is None:
            return
        db_task_result, error = self.unrecorded
        try:
            db_task_result.set_failed(error)
        except DATABASE_DOWN:
            return  # gone again: the next outage handling tries once more
        self.unrecorded = None
        log.warning("Task %s could not be recorded during the outage; it is now marked failed.", db_task_result.id)


class Command(db_worker.Command):
    help = "Run the background task worker (db_worker's options); it waits out database outages instead of exiting."

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = DurableWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloaded child handles signals
            run_with_reloader(worker.run)
        else:
            worker.configure_signals()
            worker.run()
