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
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from smtplib import SMTPException, SMTPRecipientsRefused

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection, make_msgid
from django.core.mail.backends.base import BaseEmailBackend
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
            # One line: a line break of any kind in a header makes the message impossible to send.
            subject=" ".join(m.subject.splitlines())[: Mail._meta.get_field("subject").max_length],
            body=m.body,
            html_body=m.html_body,
            ticket_id=m.ticket_id,
            sla_event_ids=list(m.sla_event_ids),
            message_id=_message_id(),
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


def _message_id() -> str:
    """A new Message-ID of ours, kept on the mail: a reply's In-Reply-To names it (helpdesk/mail_in), and
    a message that comes back with it is our own (a loop)."""
    from helpdesk.mail_in.addresses import desk_address

    domain = desk_address()[1] or settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
    return make_msgid(idstring="pd", domain=domain)


def headers_for(mail: Mail) -> dict[str, str]:
    """The headers every mail of ours carries: its Message-ID; Auto-Submitted (RFC 3834), as each is
    written by the desk on an event, so out-of-office responders and our own mail in leave it alone;
    and, for a ticket's mail while mail in is on, the ticket's reply address as Reply-To."""
    from helpdesk.mail_in.addresses import reply_address

    headers = {"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"}
    if mail.message_id:
        headers["Message-ID"] = mail.message_id
    if mail.ticket_id:
        address = reply_address(Mail.ticket.field.related_model(pk=mail.ticket_id))
        if address:
            headers["Reply-To"] = address
    return headers


def _ask_worker(ids: list[int] | None) -> None:
    """Ask the worker to try `ids` now. The mail rows are stored whatever happens to this request: the
    periodic sweep sends them if the worker never hears of them."""
    from helpdesk.tasks import deliver_mail

    enqueue_with_change(deliver_mail, ids)


def claim(model, ids: list[int] | None, now: datetime, limit: int) -> list:
    """Take the due rows of `model` (mail, or a webhook's deliveries: anything with `next_try_at`), among
    `ids` or any, for this worker, for CLAIM_FOR: rows another worker has locked are theirs."""
    with transaction.atomic():
        due = model.objects.filter(next_try_at__lte=now)
        if ids is not None:
            due = due.filter(pk__in=ids)
        rows = list(due.select_for_update(skip_locked=True).order_by("next_try_at", "pk")[:limit])
        if rows:
            model.objects.filter(pk__in=[row.pk for row in rows]).update(next_try_at=now + CLAIM_FOR)
    return rows


def deliver(ids: list[int] | None = None, *, now: datetime | None = None, limit: int = 200) -> int:
    """Try the due mails among `ids` (or any due mails, batch after batch, for up to a minute);
    returns how many the mail server accepted. `now` fixes the clock (tests); else each try is dated
    when it happens."""
    clock = (lambda: now) if now else timezone.now
    started = timezone.now()
    accepted = 0
    while True:
        mails = claim(Mail, ids, clock(), limit)
        sent, whole = _send(mails, clock)
        accepted += sent
        if ids is not None or not whole or len(mails) < limit or timezone.now() - started > SWEEP_FOR:
            return accepted


def _send(mails: list[Mail], clock) -> tuple[int, bool]:
    """Hand `mails` to the mail server; returns how many it accepted and whether the batch was finished
    (a batch that nears the end of its claim hands the rest back untried, so no other worker sends them
    a second time). A dropped connection is opened again for the next mail, so one mail the server
    chokes on does not fail the others behind it."""
    accepted = 0
    stop_at = time.monotonic() + CLAIM_FOR.total_seconds() / 2
    connection = None
    try:
        for index, mail in enumerate(mails):
            if time.monotonic() > stop_at:
                Mail.objects.filter(pk__in=[m.pk for m in mails[index:]]).update(next_try_at=clock())
                return accepted, False
            if connection is None:
                connection = get_connection(settings.MAIL_DELIVERY_BACKEND, fail_silently=False)
                try:
                    connection.open()
                except (SMTPException, OSError) as error:  # unreachable: every mail of the batch was tried
                    for rest in mails[index:]:
                        _failed(rest, error, clock())
                    return accepted, True
            message = EmailMultiAlternatives(
                mail.subject, mail.body, None, mail.to, connection=connection, headers=headers_for(mail)
            )
            if mail.html_body:
                message.attach_alternative(mail.html_body, "text/html")
            try:
                sent = message.send()
            except (SMTPException, OSError, ValueError) as error:
                _failed(mail, error, clock())
                _close(connection)
                connection = None  # it may be dead or mid-transaction: the next mail opens a fresh one
                continue
            if sent:
                _accepted(mail, clock())
                accepted += 1
            else:
                _failed(mail, "the mail server accepted none of the addresses", clock())
    finally:
        _close(connection)
    return accepted, True


def _close(connection) -> None:
    if connection is not None:
        try:
            connection.close()
        except (SMTPException, OSError):
            pass


def _accepted(mail: Mail, at: datetime) -> None:
    from sla.models import SlaEvent

    changes = {"sent_at": at, "next_try_at": None, "attempts": mail.attempts + 1, "last_tried_at": at}
    if mail.purpose == Mail.Purpose.ACCOUNT:
        changes.update(body="", html_body="")  # a reset link is not kept once it has gone out
    with transaction.atomic():
        Mail.objects.filter(pk=mail.pk).update(last_error="", **changes)
        if mail.sla_event_ids:
            # A breach goes to the team and to the escalation address, in digests written together:
            # it counts as told once every digest that lists it has been accepted.
            unsent = Mail.objects.filter(
                purpose=Mail.Purpose.SLA_ALERT, created_at=mail.created_at, sent_at=None
            ).exclude(pk=mail.pk)
            waiting = {pk for ids in unsent.values_list("sla_event_ids", flat=True) for pk in ids}
            told = [pk for pk in mail.sla_event_ids if pk not in waiting]
            SlaEvent.objects.filter(pk__in=told, notified_at=None).update(notified_at=at)


def _hopeless(error: Exception | str) -> bool:
    """A failure no retry can mend: a message we cannot even write (a line break in a header, a
    malformed address), or every address refused as unknown (5xx)."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    return False


def _failed(mail: Mail, error: Exception | str, now: datetime) -> None:
    attempts = mail.attempts + 1
    retry_at = now + pause_after(attempts)
    gave_up = now >= mail.retry_until or _hopeless(error)
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


class OutboxBackend(BaseEmailBackend):
    """Django's EMAIL_BACKEND: mail that Django, Wagtail or any library sends (the admin's password reset,
    Wagtail's notices) is written to the outbox like ours and delivered by the worker through
    MAIL_DELIVERY_BACKEND, so it too survives a mail server that is down. Attachments are not kept."""

    def send_messages(self, email_messages) -> int:
        mails = []
        for message in email_messages:
            html = next((content for content, kind in getattr(message, "alternatives", []) if kind == "text/html"), "")
            mails.append(
                Outgoing(
                    to=list(message.recipients()),
                    subject=str(message.subject),
                    body=str(message.body),
                    purpose=Mail.Purpose.OTHER,
                    html_body=str(html),
                )
            )
        return len(queue(mails))
