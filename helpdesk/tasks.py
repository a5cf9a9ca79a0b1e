"""Background jobs, run by `manage.py run_worker` (immediately in tests)."""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone
from django_tasks import task, task_backends
from django_tasks_db import DatabaseBackend


@task()
def deliver_mail(mail_ids: list[int] | None = None) -> int:
    """Try mails just written (or, with no ids, every mail that is due); returns how many were accepted."""
    from helpdesk import outbox

    return outbox.deliver(mail_ids)


@task()
def deliver_due_mail() -> int:
    """The periodic sweep: every mail whose next try has come, including retries after a failure."""
    from helpdesk import outbox

    return outbox.deliver()


@task()
def deliver_webhooks(delivery_ids: list[int] | None = None) -> int:
    """Try webhook deliveries just written (or, with no ids, every one that is due); returns how many
    the receivers took."""
    from helpdesk import webhooks

    return webhooks.deliver_due(delivery_ids)


@task()
def deliver_due_webhooks() -> int:
    """The periodic sweep: every webhook delivery whose next try has come, retries included."""
    from helpdesk import webhooks

    return webhooks.deliver_due()


@task()
def close_resolved_tickets() -> int:
    from helpdesk.services import close_unanswered

    return close_unanswered()


@task()
def refresh_reports() -> dict:
    """Bring report facts and daily figures up to date with the tickets changed since the last run, then
    the measured results the IT Promise publishes."""
    from helpdesk.reports import facts, published

    done = facts.refresh()
    published.publish()
    return done


@task()
def send_review_reminders() -> int:
    """Remind owners of services and forms whose yearly review is 30 days away or overdue (once each)."""
    from helpdesk.review_reminders import send_review_reminders as send

    return send()


@task()
def prune_task_results() -> int:
    """Forget scheduler runs older than two days, sent mail and finished task results older than two weeks.

    Returns 0 when task results are not kept in the database (tests, the immediate backend), else 1.
    """
    from helpdesk.models import Mail, PeriodicRun, WebhookDelivery
    from helpdesk.review_reminders import KEEP_FOR as REVIEW_KEEP_FOR
    from helpdesk.review_reminders import TAG_PREFIX as REVIEW_TAG

    now = timezone.now()
    PeriodicRun.objects.filter(due_at__lt=now - timedelta(days=2)).delete()
    # Sent mail is kept a fortnight (enough to answer "did it go out?"); given-up mail waits for a manager.
    # Review reminders are kept longer: they are the record that each was sent once (review_reminders).
    Mail.objects.filter(sent_at__lt=now - timedelta(days=14)).exclude(
        purpose=Mail.Purpose.OTHER, subject__startswith=REVIEW_TAG, created_at__gte=now - REVIEW_KEEP_FOR
    ).delete()
    WebhookDelivery.objects.filter(delivered_at__lt=now - timedelta(days=14)).delete()  # likewise
    if not isinstance(task_backends["default"], DatabaseBackend):
        return 0
    call_command("prune_db_task_results", min_age_days=14, verbosity=0)
    return 1


@task()
def remind_approvers() -> int:
    """Remind approvers whose decision has waited eight working hours (and again after as many more)."""
    from helpdesk.approvals import remind

    return remind()


@task()
def make_board_report() -> int | None:
    """On the first working day of a month, make (and mail) the board report for the month before."""
    from helpdesk.board.make import generate_due

    report = generate_due()
    return report.pk if report else None


@task()
def sync_directory() -> dict:
    """The nightly directory sync (scheduled only when LDAP_SERVER_URI is set); returns its counts."""
    from helpdesk.directory import sync

    return sync.sync().counts()
