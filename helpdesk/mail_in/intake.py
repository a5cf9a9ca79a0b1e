"""The one door for mail that comes in: `intake(raw)` decides what a message is and writes it, atomically.

Both receivers call it for each message (`manage.py mail_in`, an LMTP/SMTP server, and `manage.py
fetch_mail`, an IMAP poller). Whatever becomes of a message, an `InboundMail` row says so and why; the
ticket, its message, the files and that row are written in one transaction. In order:

1. Oversize (MAIL_IN_MAX_BYTES) or unreadable (helpdesk/mail_in/parse.py): refused, with the reason.
2. A Message-ID taken before: ignored (the same message twice is taken once).
3. Our own mail coming back, auto-replies, bounces and list mail: ignored; they never open or reopen.
4. Threading: a signed reply address (`desk+<token>@`) among the recipients, then In-Reply-To and
   References matched against our own Message-IDs, then `[INC-000123]` in the subject when the sender
   is one of that ticket's people. The reply goes through `services.reply`, as a reply on the portal
   does (the same permission, clocks and "waiting on you" rule; a resolved ticket gets the message and
   stays resolved, as on the portal), with quoted text and signatures trimmed and the files the portal
   would take.
5. Otherwise, mail to a team's address (or the desk's own) from a known person opens an incident for
   that team, channel "email"; an unknown sender is answered why (MAIL_IN_UNKNOWN_SENDERS=refuse) or
   made a person (=create).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.forms import check_upload
from catalogue.models import RequestKind
from helpdesk import outbox, services
from helpdesk.mail_in.addresses import desk_address, ticket_for_address, token_in
from helpdesk.mail_in.parse import Parsed, Unreadable, parse, trim
from helpdesk.models import Channel, InboundMail, Mail, State, Team, Ticket, User
from helpdesk.models.tickets import DESCRIPTION_LIMIT, MESSAGE_LIMIT, TITLE_LIMIT, is_team_analyst

logger = logging.getLogger(__name__)

Outcome = InboundMail.Outcome
REASON_LIMIT = InboundMail._meta.get_field("reason").max_length
_SUBJECT_REFERENCE = re.compile(r"\[((?:INC|REQ)-\d{6,12})\]")
_REPLY_PREFIX = re.compile(r"^\s*((re|aw|sv|fw|fwd|wg|tr)\s*(\[\d+\])?\s*:\s*)+", re.I)
# An unknown sender hears why at most this often, so a stranger (or a forged sender) cannot make us
# send a stream of answers.
ANSWER_UNKNOWN_EVERY = timedelta(hours=1)


def intake(raw: bytes, *, envelope_from: str = "", envelope_to: Sequence[str] = ()) -> InboundMail:
    """Take one message (its whole RFC 5322 bytes) and return what became of it: an `InboundMail` row,
    saved, with its outcome, reason, ticket and message. The one exception: a Message-ID taken before
    returns an unsaved row (IGNORED, pointing at the first copy's ticket), since the row's Message-ID is
    unique.

    `envelope_to` are the SMTP recipients (LMTP gives one at a time); when empty, the message's
    Delivered-To, X-Original-To, To and Cc stand in (an IMAP mailbox). `envelope_from` "<>" is the null
    sender of a bounce. Never raises on what the message contains; the database's own errors go up, so
    a receiver can answer "try again later".

    `answered_by_mail` is set on the returned row when the sender was told why by mail (the receivers
    then accept the message rather than bounce it a second time).
    """
    now = timezone.now()
    recipients = [address.strip().strip("<>").lower() for address in envelope_to if address.strip()]
    row = InboundMail(
        received_at=now, size=len(raw), sender=_clip(envelope_from, 254), recipient=_clip(",".join(recipients), 254)
    )
    row.answered_by_mail = False
    if len(raw) > settings.MAIL_IN_MAX_BYTES:
        return _save_refused(row, too_big_reason(len(raw)))
    try:
        parsed = parse(raw)
    except Unreadable as unreadable:
        return _save_refused(row, unreadable.reason)
    row.message_id = _clip(parsed.message_id, 255) or None
    row.sender = _clip(parsed.sender, 254)
    row.subject = _clip(parsed.subject, InboundMail._meta.get_field("subject").max_length)
    recipients = recipients or parsed.recipients
    row.recipient = _clip(recipients[0] if recipients else "", 254)
    if row.message_id and (first := InboundMail.objects.filter(message_id=row.message_id).first()):
        return _duplicate(row, first)
    try:
        with transaction.atomic():
            _decide(row, parsed, recipients, envelope_from.strip(), now)
            row.save()
    except IntegrityError:
        # The same message delivered twice at once: the other delivery took it and this one wrote nothing.
        first = InboundMail.objects.filter(message_id=row.message_id).first() if row.message_id else None
        if first is None:
            raise
        return _duplicate(row, first)
    logger.info("Mail %s from %s: %s %s", row.message_id, row.sender, row.outcome, row.reason)
    return row


def too_big_reason(size: int) -> str:
    """Why a message of `size` bytes is refused (also the LMTP server's answer before it reads it all)."""
    return _("The message is %(size)s MB; the largest we take is %(limit)s MB.") % {
        "size": round(size / 1024 / 1024, 1),
        "limit": round(settings.MAIL_IN_MAX_BYTES / 1024 / 1024, 1),
    }


def _clip(text: str, limit: int) -> str:
    return (text or "")[:limit]


def _set(row: InboundMail, outcome: str, reason: str = "", ticket=None, message=None) -> None:
    row.outcome, row.reason = outcome, _clip(" ".join(str(reason).split()), REASON_LIMIT)
    row.ticket, row.ticket_message = ticket, message


def _save_refused(row: InboundMail, reason: str) -> InboundMail:
    _set(row, Outcome.REFUSED, reason)
    row.save()
    logger.warning("Refused mail from %s (%s bytes): %s", row.sender or "?", row.size, row.reason)
    return row


def _duplicate(row: InboundMail, first: InboundMail) -> InboundMail:
    _set(row, Outcome.IGNORED, _("A copy of this message was taken already."), ticket=first.ticket)
    row.pk = None
    logger.info("Mail %s taken already: ignored", row.message_id)
    return row


# -- what the message is ---------------------------------------------------------------------------------


def _decide(row: InboundMail, parsed: Parsed, recipients: list[str], envelope_from: str, now: datetime) -> None:
    """Fill in `row` (outcome, reason, ticket, message), writing the ticket side in the caller's transaction.
    A refusal part-way (services.Refused) leaves no trace but the row."""
    ignored = why_ignored(parsed, envelope_from)
    if ignored:
        _set(row, Outcome.IGNORED, ignored)
        return
    person = person_for(parsed.sender)
    ticket, refusal = find_ticket(parsed, recipients, person)
    try:
        with transaction.atomic():
            if refusal:
                _set(row, Outcome.REFUSED, refusal)
            elif ticket is not None:
                _reply(row, parsed, ticket, person, now)
            else:
                _open(row, parsed, recipients, person, now)
    except services.Refused as refused:
        _set(row, Outcome.REFUSED, refused.message, ticket=ticket)


def why_ignored(parsed: Parsed, envelope_from: str = "") -> str:
    """Why a message is to be ignored (our own mail come back, an automatic one, a bounce), or "" for a
    person's mail. Ignored mail never opens, reopens or adds to a ticket."""
    if envelope_from == "<>":
        return _("A bounce (empty sender).")
    if parsed.message_id and Mail.objects.filter(message_id=f"<{parsed.message_id}>").exists():
        return _("Our own message came back (a loop).")
    if _is_ours(parsed.sender):
        return _("Sent from our own address (a loop).")
    if parsed.automatic:
        return _("An automatic message (%(why)s).") % {"why": parsed.automatic}
    return ""


def _is_ours(address: str) -> bool:
    ours = {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower(), parseaddr(settings.SERVER_EMAIL)[1].lower()}
    local, domain = desk_address()
    if local:
        ours.add(f"{local}@{domain}")
    return address in ours or token_in(address) is not None


def person_for(address: str) -> User | None:
    """The active person with this email address (any case); the longest-standing one if several share it."""
    if not address:
        return None
    return User.objects.filter(email__iexact=address, is_active=True).order_by("pk").first()


def find_ticket(parsed: Parsed, recipients: list[str], person: User | None) -> tuple[Ticket | None, str]:
    """The ticket a message answers: (ticket, ""); (None, reason) when it is addressed to a reply address
    of ours that is not valid; (None, "") when it answers no ticket (a new mail).

    First a signed reply address among the recipients, then In-Reply-To and References (nearest first)
    matched against our own Message-IDs, then a reference in the subject, taken only when the sender is
    that ticket's requester, whoever raised it, someone copied in or an analyst of its team (anyone can
    type a reference)."""
    for address in recipients:
        if token_in(address) is not None:
            ticket = ticket_for_address(address)
            if ticket is None:
                return None, _("%(address)s is not a reply address of ours (or its ticket is gone).") % {
                    "address": address
                }
            return ticket, ""
    ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    if ids:
        found = dict(
            Mail.objects.filter(message_id__in=[f"<{i}>" for i in ids], ticket__isnull=False).values_list(
                "message_id", "ticket_id"
            )
        )
        for message_id in ids:
            if f"<{message_id}>" in found:
                ticket = Ticket.objects.filter(pk=found[f"<{message_id}>"]).first()
                if ticket is not None:
                    return ticket, ""
    match = _SUBJECT_REFERENCE.search(parsed.subject)
    if match and person is not None:
        ticket = Ticket.objects.filter(reference=match.group(1)).first()
        if ticket is not None and is_ticket_person(ticket, person):
            return ticket, ""
    return None, ""


def is_ticket_person(ticket: Ticket, person: User) -> bool:
    """The ticket's requester, whoever raised it, someone copied in, or an analyst of its team."""
    return (
        person.pk in (ticket.requester_id, ticket.raised_by_id)
        or ticket.watchers.filter(pk=person.pk).exists()
        or is_team_analyst(ticket, person)
    )


# -- a reply ---------------------------------------------------------------------------------------------


def _reply(row: InboundMail, parsed: Parsed, ticket: Ticket, person: User | None, now: datetime) -> None:
    if _from_provider(ticket, parsed.sender):
        _provider_answered(row, parsed, ticket, now)
        return
    if person is None:
        _set(
            row,
            Outcome.REFUSED,
            _("%(sender)s may not reply to %(reference)s.") % {"sender": parsed.sender, "reference": ticket.reference},
            ticket=ticket,
        )
        return
    body, files = _body_and_files(trim(parsed.text), parsed, MESSAGE_LIMIT)
    if not body.strip() and not files:
        _set(row, Outcome.REFUSED, _("The mail has no text we could read."), ticket=ticket)
        return
    # The portal's rule, whole: who may reply, closed tickets, clocks, "waiting on you" answered.
    message = services.reply(ticket, by=person, body=body, files=files, at=now, via=Channel.EMAIL)
    _set(row, Outcome.ADDED, _("Added to %(reference)s.") % {"reference": ticket.reference}, ticket, message)


def _from_provider(ticket: Ticket, sender: str) -> bool:
    """The answer of the ticket's service provider while the ticket waits on them."""
    if ticket.state != State.WAITING_PROVIDER or not ticket.service_id or not ticket.service.provider_id:
        return False
    contact = (ticket.service.provider.contact_email or "").strip().lower()
    return bool(contact) and contact == sender


def _provider_answered(row: InboundMail, parsed: Parsed, ticket: Ticket, now: datetime) -> None:
    """The provider's answer, handed to the provider hand-off (it becomes an internal note and resumes
    our clock); its Refused is a refusal like any other."""
    from helpdesk.handoff import provider_answered  # handoff reaches services, which reach notifications

    message = provider_answered(ticket, text=trim(parsed.text)[:MESSAGE_LIMIT], at=now, via=Channel.EMAIL)
    _set(
        row,
        Outcome.ADDED,
        _("The provider's answer on %(reference)s.") % {"reference": ticket.reference},
        ticket,
        message,
    )


def _body_and_files(text: str, parsed: Parsed, limit: int) -> tuple[str, list[SimpleUploadedFile]]:
    """The text (cut to `limit`) and the files the portal would take (catalogue.forms.check_upload, one
    rule for both); a file it would not take is left out and the text says which and why."""
    files, left_out = [], []
    for file in parsed.files:
        if not file.content:
            continue
        upload = SimpleUploadedFile(file.name, file.content, content_type=file.content_type)
        try:
            check_upload(upload)
        except ValidationError as invalid:
            left_out.extend(invalid.messages)
            continue
        files.append(upload)
    if left_out:
        note = "\n\n" + _("Not kept from the mail:") + "\n" + "\n".join(f"- {reason}" for reason in left_out)
        text = text[: max(limit - len(note), 0)] + note
    return text[:limit], files


# -- a new mail ------------------------------------------------------------------------------------------


def team_for(recipients: list[str]) -> Team | None:
    """The team whose address (Team.email, any case) is among `recipients`; the default team for the
    desk's own address; None when the mail is to nobody we know."""
    for address in recipients:
        team = Team.objects.filter(email__iexact=address).exclude(email="").order_by("pk").first()
        if team is not None:
            return team
    local, domain = desk_address()
    if local and f"{local}@{domain}" in recipients:
        return services.default_team()
    return None


def _open(row: InboundMail, parsed: Parsed, recipients: list[str], person: User | None, now: datetime) -> None:
    team = team_for(recipients)
    if team is None:
        _set(
            row,
            Outcome.REFUSED,
            _("Nobody here takes mail at %(address)s.") % {"address": ", ".join(recipients) or "?"},
        )
        return
    if person is None:
        if settings.MAIL_IN_UNKNOWN_SENDERS == "create":
            person = create_person(parsed.sender, parsed.sender_name)
        else:
            reason = _("%(sender)s is not someone we know; ask the service desk to add you.") % {
                "sender": parsed.sender
            }
            _set(row, Outcome.REFUSED, reason)
            row.answered_by_mail = _answer_unknown(parsed, reason, now)
            return
    title = _REPLY_PREFIX.sub("", parsed.subject).strip()[:TITLE_LIMIT] or _("(no subject)")
    description, files = _body_and_files(parsed.text.strip(), parsed, DESCRIPTION_LIMIT)
    ticket = open_incident(team, requester=person, title=title, description=description, at=now)
    if files:
        # raise_ticket keeps no files; they come as the requester's first message (no second notice).
        services.reply(
            ticket, by=person, body=_("Files sent with the mail."), files=files, at=now, notify=False, via=Channel.EMAIL
        )
    _set(row, Outcome.OPENED, _("Opened %(reference)s.") % {"reference": ticket.reference}, ticket)


def open_incident(team: Team, *, requester: User, title: str, description: str, at: datetime) -> Ticket:
    """Raise an incident for `requester`, channel email, for `team` (whose address it was sent to)."""
    return services.raise_ticket(
        kind=RequestKind.INCIDENT,
        title=title,
        description=description,
        requester=requester,
        raised_by=requester,
        at=at,
        channel=Channel.EMAIL,
        team=team,
    )


def create_person(address: str, name: str = "") -> User:
    """An active person with this address and no password (MAIL_IN_UNKNOWN_SENDERS=create): they can
    set one with "forgot password". The username is the address, or the address and a number if taken."""
    first, _space, last = name.partition(" ")
    username, number = address[:150], 1
    while User.objects.filter(username__iexact=username).exists():
        number += 1
        username = f"{address[:140]}-{number}"
    return User.objects.create_user(
        username=username, email=address, password=None, first_name=first[:150], last_name=last[:150]
    )


def _answer_unknown(parsed: Parsed, reason: str, now: datetime) -> bool:
    """Tell an unknown sender why their mail was not taken, through the outbox (marked Auto-Submitted
    like all our mail), at most once an hour per sender; never an automatic sender (they are ignored
    before this). Returns whether an answer was written."""
    recently = InboundMail.objects.filter(
        sender=parsed.sender, outcome=Outcome.REFUSED, reason=_clip(reason, REASON_LIMIT)
    ).filter(received_at__gte=now - ANSWER_UNKNOWN_EVERY)
    if recently.exists():
        return False
    body = "\n\n".join(
        [
            _("Hello,"),
            _("We could not take your mail “%(subject)s”.") % {"subject": parsed.subject or _("(no subject)")},
            reason,
            _("This answer was sent automatically; replies to it are not read."),
        ]
    )
    outbox.queue(
        [
            outbox.Outgoing(
                to=[parsed.sender], subject=_("Not taken: %(subject)s") % {"subject": parsed.subject}, body=body
            )
        ]
    )
    return True
