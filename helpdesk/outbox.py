"""Every mail we send goes through here: written with the change it tells of, delivered by the worker.

`queue` stores mails in the caller's transaction and asks the worker to try them. `deliver` claims due
mails (so two workers never send one twice), hands them to the mail server outside any transaction, and
records each attempt truthfully: accepted, or the error and when to try again. The pause doubles from a
minute up to an hour; once `retry_until` has passed a mail is given up and waits for a manager to send
it again (`resend`). A periodic sweep (`deliver_due_mail`) retries whatever is due, so a mail is not lost
if the worker was down when it was written.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.utils import timezone

from config.tasks import enqueue_with_change
from helpdesk.models import Mail

logger = logging.getLogger(__name__)

# How long a claimed mail is left alone before another worker may try it (a worker that died mid-send).
CLAIM_FOR = timedelta(minutes=10)
LONGEST_PAUSE = timedelta(hours=1)
ERROR_LIMIT = 1_000
# The periodic sweep stops taking new batches after this, so runs do not pile up behind each other.
SWEEP_FOR = timedelta(seconds=50)


@dataclass
class Outgoing:
    """One mail to write: what `queue` stores."""

    to: list[str]
    subject: str
    body: str
    purpose: str = Mail.Purpose.TICKET
    html_body: str = ""
    ticket_id: int | None = None
    sla_event_ids: list[int] = field(default_factory=list)


def pause_after(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed try: 1, 2, 4 ... minutes, at most an hour."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), LONGEST_PAUSE)


def queue(mails: Iterable[Outgoing], *, now: datetime | None = None) -> list[Mail]:
    """Store `mails` in the current transaction and ask the worker to send them."""
    now = now or timezone.now()
    rows = [
        Mail(
            purpose=m.purpose,
            to=list(m.to),
            subject=m.subject[: Mail._meta.get_field("subject").max_length].replace("\n", " "),
            body=m.body,
            html_body=m.html_body,
            ticket_id=m.ticket_id,
            sla_event_ids=list(m.sla_event_ids),
            created_at=now,
            next_try_at=now,
            retry_until=now + settings.MAIL_RETRY_FOR,
        )
        for m in mails
        if m.to
    ]
    if not rows:
        return []
    created = Mail.objects.bulk_create(rows)
    ids = [row.pk for row in created] if all(row.pk for row in created) else None
    _ask_worker(ids)
    return created


def _ask_worker(ids: list[int] | None) -> None:
    """Ask the worker to try `ids` now. The mail rows are stored whatever happens to this request: the
    periodic sweep sends them if the worker never hears of them."""
    from helpdesk.tasks import deliver_mail

    enqueue_with_change(deliver_mail, ids)


def _claim(ids: list[int] | None, now: datetime, limit: int) -> list[Mail]:
    """Take the due mails (among `ids`, or any) for this worker: locked rows are another worker's."""
    with transaction.atomic():
        due = Mail.objects.filter(next_try_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=ids)
        mails = list(due.select_for_update(skip_locked=True).order_by("next_try_at", "pk")[:limit])
        if mails:
            Mail.objects.filter(pk__in=[m.pk for m in mails]).update(next_try_at=now + CLAIM_FOR)
    return mails


def deliver(ids: list[int] | None = None, *, now: datetime | None = None, limit: int = 200) -> int:
    """Try the due mails among `ids` (or any due mails, batch after batch, for up to a minute);
    returns how many the mail server accepted."""
    started = timezone.now()
    accepted = 0
    while True:
        mails = _claim(ids, now or timezone.now(), limit)
        accepted += _send(mails, now or timezone.now())
        if ids is not None or len(mails) < limit or timezone.now() - started > SWEEP_FOR:
            return accepted


def _send(mails: list[Mail], now: datetime) -> int:
    if not mails:
        return 0
    accepted = 0
    connection = get_connection(fail_silently=False)
    try:
        connection.open()
    except (SMTPException, OSError) as error:
        for mail in mails:
            _failed(mail, error, now)
        return 0
    try:
        for mail in mails:
            message = EmailMultiAlternatives(mail.subject, mail.body, None, mail.to, connection=connection)
            if mail.html_body:
                message.attach_alternative(mail.html_body, "text/html")
            try:
                sent = message.send()
            except (SMTPException, OSError, ValueError) as error:
                _failed(mail, error, now)
                continue
            if sent:
                _accepted(mail, timezone.now())
                accepted += 1
            else:
                _failed(mail, "the mail server accepted none of the addresses", now)
    finally:
        try:
            connection.close()
        except (SMTPException, OSError):
            pass
    return accepted


def _accepted(mail: Mail, at: datetime) -> None:
    from sla.models import SlaEvent

    with transaction.atomic():
        Mail.objects.filter(pk=mail.pk).update(
            sent_at=at, next_try_at=None, attempts=mail.attempts + 1, last_tried_at=at, last_error=""
        )
        if mail.sla_event_ids:
            SlaEvent.objects.filter(pk__in=mail.sla_event_ids, notified_at=None).update(notified_at=at)


def _failed(mail: Mail, error: Exception | str, now: datetime) -> None:
    attempts = mail.attempts + 1
    retry_at = now + pause_after(attempts)
    gave_up = now >= mail.retry_until
    text = f"{type(error).__name__}: {error}" if isinstance(error, Exception) else error
    Mail.objects.filter(pk=mail.pk).update(
        attempts=attempts,
        last_tried_at=now,
        last_error=text[:ERROR_LIMIT],
        next_try_at=None if gave_up else min(retry_at, max(mail.retry_until, now)),
        gave_up_at=now if gave_up else None,
    )
    if gave_up:
        logger.error("Gave up on mail %s to %s after %s tries: %s", mail.pk, mail.to, attempts, text)
    else:
        logger.warning("Mail %s to %s not sent (try %s), again at %s: %s", mail.pk, mail.to, attempts, retry_at, text)


def resend(mail_ids: Iterable[int], *, now: datetime | None = None) -> int:
    """Give given-up mails another full retry period and ask the worker to send them now."""
    now = now or timezone.now()
    with transaction.atomic():
        ids = list(Mail.objects.filter(pk__in=list(mail_ids), gave_up_at__isnull=False).values_list("pk", flat=True))
        if ids:
            Mail.objects.filter(pk__in=ids).update(
                gave_up_at=None, next_try_at=now, retry_until=now + settings.MAIL_RETRY_FOR
            )
            _ask_worker(ids)
    return len(ids)


def given_up():
    """Mails nobody received: what the managers' list shows, newest first."""
    return Mail.objects.filter(gave_up_at__isnull=False).select_related("ticket").order_by("-gave_up_at", "-pk")


def waiting():
    """Mails still being tried after a failure: the mail server has refused or not answered them."""
    return Mail.objects.filter(next_try_at__isnull=False, attempts__gt=0).order_by("created_at", "pk")
