"""Periodic jobs on top of django-tasks: the scheduler only enqueues, `db_worker` runs.

Each job in settings.PERIODIC_TASKS runs once per slot of its interval (slots are aligned to the
Unix epoch, so every scheduler agrees on them). Claiming a slot is an insert under a unique
constraint in the same transaction as the enqueue, so two schedulers never enqueue the same run and
a failed enqueue leaves the slot free for the next tick.
"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from helpdesk.models import PeriodicRun


def slot_start(now: datetime, every_seconds: int) -> datetime:
    """The start of the slot `now` falls in, for a job that runs every `every_seconds`."""
    if every_seconds <= 0:
        raise ValueError(f"a periodic job needs a positive interval, got {every_seconds}")
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % every_seconds, tz=UTC)


def tick(now: datetime | None = None) -> list[str]:
    """Enqueue every job whose current slot has not been claimed yet; returns the names enqueued."""
    now = now or timezone.now()
    enqueued = []
    for name, (path, every_seconds) in settings.PERIODIC_TASKS.items():
        due_at = slot_start(now, every_seconds)
        job = import_string(path)
        try:
            with transaction.atomic():
                PeriodicRun.objects.create(name=name, due_at=due_at)
                job.enqueue()
        except IntegrityError:
            continue  # another scheduler claimed this slot
        enqueued.append(name)
    return enqueued
