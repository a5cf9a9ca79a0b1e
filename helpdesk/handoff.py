"""The hand-off to providers: a case we wait on a supplier for is sent to them, and their answer comes back.

`hand_over` runs inside `services.perform` when a ticket goes to "waiting on a supplier": the service's
provider is told of the case as `Provider.handoff` says, by a mail through the outbox to its contact
address or by a `provider.case_opened` delivery to its webhooks, in the same transaction as the change.
Their reference is noted when they give it (`record_reference`; a webhook may answer with it).
`provider_answered` takes their answer, by mail or through the API, into the ticket: an internal note
with their words, and, while we still wait on them, the `provider_replied` transition (their clock
stops; from then on the resolution time is ours again).
"""

from __future__ import annotations

import json
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, has_transition_perm

from catalogue.models.services import Handoff, Provider
from helpdesk import outbox, webhooks
from helpdesk.languages import writing_for
from helpdesk.models import Channel, EventKind, Message, State, Ticket, User

try:  # mail in (helpdesk/mail_in/) gives each ticket a reply address; without it, replies use the subject
    from helpdesk.mail_in.addresses import reply_address
except ImportError:  # pragma: no cover - only while mail in is not installed

    def reply_address(ticket: Ticket) -> str:
        return ""


def _written(context: dict) -> str:
    """A supplier is known only by address: the case goes in the site's language."""
    with writing_for(None):
        return render_to_string("emails/provider_case.txt", context)


def provider_of(ticket: Ticket) -> Provider | None:
    """The provider of the ticket's service, or None (no service, or a service nobody provides)."""
    return ticket.service.provider if ticket.service_id and ticket.service.provider_id else None


def hand_over(ticket: Ticket, *, at: datetime) -> dict:
    """Tell the ticket's provider of the case, in the caller's transaction (services.perform, on
    `wait_on_provider`). Returns what the history line keeps about it, `{"handoff": "mail" or
    "webhook", "provider": <name>}`, or `{}` when nobody was told: the provider hands over by neither,
    has no contact address (mail) or no active webhook of its own (webhook).

    The mail says what a supplier needs to act (our reference, the summary and details, the service,
    priority and the requester's location) and nothing more of the requester (no name, address or
    phone); it carries the ticket's reply address, so their answer comes back to the ticket.
    """
    provider = provider_of(ticket)
    if provider is None or not provider.handoff:
        return {}
    context = {
        "ticket": ticket,
        "provider": provider,
        "location": _location(ticket),
        "reply_to": reply_address(ticket),
        "site": settings.WAGTAILADMIN_BASE_URL,
    }
    if provider.handoff == Handoff.MAIL:
        if not provider.contact_email:
            return {}
        outbox.queue(
            [
                outbox.Outgoing(
                    to=[provider.contact_email],
                    subject=f"[{ticket.reference}] {ticket.title}",
                    body=_written(context),
                    ticket_id=ticket.pk,
                )
            ]
        )
        return {"handoff": Handoff.MAIL.value, "provider": provider.name}
    if provider.handoff == Handoff.WEBHOOK:
        sent = webhooks.queue(
            webhooks.Event.PROVIDER_CASE_OPENED,
            ticket,
            at=at,
            provider=provider.name,
            contract_reference=provider.contract_reference,
            description=ticket.description,
            location=context["location"],
            reply_to=context["reply_to"],
        )
        return {"handoff": Handoff.WEBHOOK.value, "provider": provider.name} if sent else {}
    return {}


def _location(ticket: Ticket) -> str:
    location = ticket.requester.location
    return location.name if location else ""


def provider_answered(
    ticket: Ticket, *, text: str, at: datetime | None = None, via: str, by: User | None = None
) -> Message:
    """Take the provider's answer into `ticket`: their words (`text`, as they sent them) become an
    internal note, and a ticket still waiting on them moves on with `provider_replied` (their clock
    stops; the resolution time is ours again). A ticket no longer waiting on them only gets the note.

    `via` is how it came (`Channel.EMAIL` for mail in, `Channel.API` for a call); `by` is the person
    who passed it on, if any (an API token's owner), else None: the provider's own mail.

    The note is internal: the supplier's words are for the team, who then tell the requester in their
    own. It is written as `by`, or, for the provider's own mail, as the analyst who handed the case
    over (else its assignee, else its team's lead), its first line naming the provider: a note needs
    an author and a supplier has no login of ours.

    Who takes the transition: `by` through `services.perform` when they are on the ticket's team (the
    machine's permission for `provider_replied`); otherwise the system, with no actor, as
    `assignment.auto_assign` and `close_unanswered` do. `close_unanswered` passes `by=None` through
    `perform` because its transition has no permission; `provider_replied` guards people with
    `is_team_analyst`, which nobody satisfies as None, so the system takes the transition directly
    here, in the same transaction, rather than lending an analyst's name to a supplier's answer.

    Raises Refused (400) for empty words or an unknown `via`, (409) when nobody on the team can be
    named as the note's author.
    """
    from helpdesk import services  # services calls hand_over while it changes a ticket

    at = at or timezone.now()
    if not text.strip():
        raise services.Refused(_("The supplier's answer is empty."), status=400)
    if via not in Channel.values:
        raise services.Refused(_("That is not a way an answer can come in."), status=400)
    provider = provider_of(ticket)
    name = provider.name if provider else _("The supplier")
    try:
        with transaction.atomic():
            services.lock(ticket)
            fresh = Ticket.objects.select_related("team", "service__provider").get(pk=ticket.pk)
            author = by or _note_taker(fresh)
            if author is None:
                raise services.Refused(_("Nobody on the team can take the supplier's answer."), status=409)
            body = _("%(provider)s answered (%(via)s):") % {"provider": name, "via": Channel(via).label}
            note = Message.objects.create(
                ticket=fresh, author=author, body=f"{body}\n\n{text}", internal=True, created_at=at, via=via
            )
            fresh.log(EventKind.NOTE, by=author, at=at, message=note.pk)
            Ticket.objects.filter(pk=fresh.pk).touch()
            if fresh.state == State.WAITING_PROVIDER:
                if by is not None and has_transition_perm(fresh.provider_replied, by):
                    services.perform(fresh, "provider_replied", by=by, at=at)
                else:
                    _system_replied(fresh, at=at)
    except ConcurrentTransition:
        raise services.Refused(
            _("Someone else changed this ticket a moment ago. Reload it to see what changed."), status=409
        ) from None
    ticket.refresh_from_db()
    return note


def _system_replied(ticket: Ticket, *, at: datetime) -> None:
    """`provider_replied` taken by the system (see provider_answered), with its history and events."""
    from helpdesk.services import TRANSITION_FIELDS

    ticket.provider_replied(by=None, at=at)
    ticket.save(update_fields=TRANSITION_FIELDS)
    data = {"from": State.WAITING_PROVIDER.value, "to": ticket.state, "action": "provider_replied", "comment": ""}
    ticket.log(EventKind.STATE_CHANGED, by=None, at=at, **data)
    ticket.refresh_sla()
    webhooks.transition(ticket, action="provider_replied", source=State.WAITING_PROVIDER, at=at)


def _note_taker(ticket: Ticket) -> User | None:
    """Who a provider's own answer is noted for: the analyst who handed the case over, else the
    ticket's assignee, else its team's lead; None when there is none."""
    handed = (
        ticket.events.filter(kind=EventKind.STATE_CHANGED, data__action="wait_on_provider", actor__isnull=False)
        .select_related("actor")
        .order_by("-created_at", "-pk")
        .first()
    )
    if handed is not None:
        return handed.actor
    return ticket.assignee or ticket.team.lead


def record_reference(ticket: Ticket, reference: str, *, by: User | None = None, at: datetime | None = None) -> Ticket:
    """Note the provider's own reference for the case: by a person (`relations.set_provider_reference`,
    with its rules), or, with `by` None, by the system (the provider's webhook answer, their mail). An
    empty or unchanged reference changes nothing; a longer one than the field holds is cut to fit."""
    from helpdesk import relations

    if by is not None:
        return relations.set_provider_reference(ticket, reference, by=by, at=at)
    reference = reference.strip()[: relations.PROVIDER_REFERENCE_LIMIT]
    if not reference:
        return ticket
    at = at or timezone.now()
    with transaction.atomic():
        if (
            not Ticket.objects.filter(pk=ticket.pk)
            .exclude(provider_reference=reference)
            .update(provider_reference=reference, updated_at=timezone.now())
        ):
            return ticket
        ticket.provider_reference = reference
        ticket.log(EventKind.PROVIDER_REF, by=None, at=at, reference=reference)
    return ticket


def reference_from_answer(ticket_id: int, answer: str, *, at: datetime) -> None:
    """A provider's system that takes a `provider.case_opened` delivery may answer with its reference
    for the case, as JSON: `{"reference": "CASE-123"}`. Anything else is ignored."""
    try:
        reference = json.loads(answer).get("reference")
    except (ValueError, AttributeError):
        return
    if isinstance(reference, str | int) and str(reference).strip():
        ticket = Ticket.objects.filter(pk=ticket_id).first()
        if ticket is not None:
            record_reference(ticket, str(reference), at=at)
