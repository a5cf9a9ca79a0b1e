"""Enqueueing work together with the change that calls for it.

The task queue lives in our own database (django-tasks-db), so a task enqueued inside the caller's
transaction commits or rolls back with the change: no work is lost after a commit, none is done for a
change that was rolled back, and a failure to enqueue fails the change rather than answering an error
after it was saved. A backend that keeps tasks elsewhere (the immediate one, in tests) is asked only
once the transaction has committed.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue_with_change(task, *args) -> None:
    from django_tasks_db import DatabaseBackend

    if isinstance(task.get_backend(), DatabaseBackend):
        task.enqueue(*args)
    else:
        transaction.on_commit(lambda: _after_commit(task, args))


def _after_commit(task, args) -> None:
    try:
        task.enqueue(*args)
    except Exception:  # the change has committed: never turn it into an error page
        logger.exception("Could not enqueue %s%s after the commit", task.module_path, args)
