"""Background jobs, run by `manage.py db_worker` (immediately in tests)."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend


@task()
def prune_task_results() -> int:
    """Forget scheduler runs older than two days and finished task results older than two weeks.

    Returns 0 when task results are not kept in the database (tests, the immediate backend), else 1.
    """
    from helpdesk.models import PeriodicRun

    PeriodicRun.objects.filter(due_at__lt=timezone.now() - timedelta(days=2)).delete()
    if not isinstance(task_backends["default"], DatabaseBackend):
        return 0
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)
    return 1
