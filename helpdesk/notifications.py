"""Ticket mail, written in the same transaction as the change it tells of (see helpdesk/outbox.py).

Each person's times are shown in their own time zone and language.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from helpdesk import outbox, satisfaction
from helpdesk.mail_in.addresses import enabled as mail_in_enabled


def for_person(template: str, ticket, person, context: dict, subject: str) -> list[outbox.Outgoing]:
    if not person or not person.email:
        return []
    with timezone.override(person.time_zone or "UTC"), translation.override(person.language or None):
        body = render_to_string(
            f"emails/{template}.txt",
            {**context, "person": person, "site": settings.WAGTAILADMIN_BASE_URL, "reply_by_mail": mail_in_enabled()},
        )
    return [outbox.Outgoing(to=[person.email], subject=subject, body=body, ticket_id=ticket.pk)]


def _for_team(template: str, ticket, context: dict, subject: str) -> list[outbox.Outgoing]:
    if not ticket.team.email:
        return []
    body = render_to_string(
        f"emails/{template}.txt",
        {**context, "person": None, "site": settings.WAGTAILADMIN_BASE_URL, "reply_by_mail": mail_in_enabled()},
    )
    return [outbox.Outgoing(to=[ticket.team.email], subject=subject, body=body, ticket_id=ticket.pk)]


def ticket_raised(ticket, clocks=None) -> None:
    """`clocks`: the ticket's running clocks, when the caller has them (it has just started them)."""
    if clocks is None:
        clocks = ticket.clocks.filter(stopped_at=None)
    by_kind = {c.kind: c for c in clocks}
    context = {"ticket": ticket, "response": by_kind.get("response"), "resolution": by_kind.get("resolution")}
    outbox.queue(
        for_person(
            "ticket_raised", ticket, ticket.requester, context, f"[{ticket.reference}] We have it: {ticket.title}"
        )
        + _for_team(
            "ticket_raised_team", ticket, context, f"[{ticket.reference}] New {ticket.priority}: {ticket.title}"
        )
    )


def ticket_moved(ticket, action: str) -> None:
    context = {"ticket": ticket}
    if action == "resolve":
        subject, template = f"[{ticket.reference}] Resolved: {ticket.title}", "ticket_resolved"
        # The satisfaction question's five one-click answers (none when this resolution was not asked about).
        context["satisfaction_links"] = satisfaction.mail_links(ticket)
        context["satisfaction_link_days"] = satisfaction.LINK_VALID_FOR.days
    elif action == "cancel":
        subject, template = f"[{ticket.reference}] Cancelled", "ticket_cancelled"
    else:
        return
    outbox.queue(for_person(template, ticket, ticket.requester, context, subject))


def message_added(message) -> None:
    if message.internal:
        return
    ticket = message.ticket
    subject = f"[{ticket.reference}] New reply: {ticket.title}"
    context = {"ticket": ticket, "message": message}
    if message.author_id == ticket.requester_id:
        if ticket.assignee_id:
            mails = for_person("message_added", ticket, ticket.assignee, context, subject)
        else:
            mails = _for_team("message_added", ticket, context, subject)
    else:
        mails = for_person("message_added", ticket, ticket.requester, context, subject)
    # People copied in hear every public reply but their own.
    for person in ticket.watchers.exclude(pk=message.author_id).filter(is_active=True):
        mails += for_person("message_added", ticket, person, context, subject)
    outbox.queue(mails)


def ticket_merged(duplicate, into) -> None:
    """Tell the duplicate's requester where their request goes on."""
    subject = f"[{duplicate.reference}] Joined with {into.reference}: {into.title}"
    outbox.queue(
        for_person("ticket_merged", duplicate, duplicate.requester, {"ticket": duplicate, "into": into}, subject)
    )
