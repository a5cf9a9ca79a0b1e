"""Background jobs, run by `manage.py db_worker` (immediately in tests)."""

from datetime import timedelta
from smtplib import SMTPException

from django.core.mail import send_mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend

MAIL_ATTEMPTS = 5


@task()
def send_mail_task(subject: str, body: str, to: list[str], attempt: int = 1) -> int:
    """Send one mail; on a mail-server failure try again later (1, 2, 4, 8 minutes), then give up loudly."""
    try:
        return send_mail(subject, body, None, to)
    except (SMTPException, OSError):
        if attempt >= MAIL_ATTEMPTS:
            raise
        later = send_mail_task
        if task_backends["default"].supports_defer:
            later = send_mail_task.using(run_after=timezone.now() + timedelta(minutes=2 ** (attempt - 1)))
        later.enqueue(subject, body, to, attempt + 1)
        return 0


@task()
def close_resolved_tickets() -> int:
    from helpdesk.services import close_unanswered

    return close_unanswered()


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
