"""Ticket mail, written in the same transaction as the change it tells of (see helpdesk/outbox.py).

Each person's times are shown in their own time zone and language.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from helpdesk import outbox, satisfaction
from helpdesk.languages import writing_for
from helpdesk.mail_in.addresses import enabled as mail_in_enabled

# A subject is written in its reader's language too, so it is a function called inside writing_for().
Subject = Callable[[], str]


def for_person(template: str, ticket, person, context: dict, subject: Subject) -> list[outbox.Outgoing]:
    if not person or not person.email:
        return []
    with writing_for(person):
        body = render_to_string(
            f"emails/{template}.txt",
            {**context, "person": person, "site": settings.WAGTAILADMIN_BASE_URL, "reply_by_mail": mail_in_enabled()},
        )
        return [outbox.Outgoing(to=[person.email], subject=subject(), body=body, ticket_id=ticket.pk)]


def _for_team(template: str, ticket, context: dict, subject: Subject) -> list[outbox.Outgoing]:
    if not ticket.team.email:
        return []
    with writing_for(None):
        body = render_to_string(
            f"emails/{template}.txt",
            {**context, "person": None, "site": settings.WAGTAILADMIN_BASE_URL, "reply_by_mail": mail_in_enabled()},
        )
        return [outbox.Outgoing(to=[ticket.team.email], subject=subject(), body=body, ticket_id=ticket.pk)]


def _about(ticket, **more) -> dict:
    return {"ref": ticket.reference, "title": ticket.title, **more}


def ticket_raised(ticket, clocks=None) -> None:
    """`clocks`: the ticket's running clocks, when the caller has them (it has just started them)."""
    if clocks is None:
        clocks = ticket.clocks.filter(stopped_at=None)
    by_kind = {c.kind: c for c in clocks}
    context = {"ticket": ticket, "response": by_kind.get("response"), "resolution": by_kind.get("resolution")}
    outbox.queue(
        for_person(
            "ticket_raised",
            ticket,
            ticket.requester,
            context,
            lambda: _("[%(ref)s] We have it: %(title)s") % _about(ticket),
        )
        + _for_team(
            "ticket_raised_team",
            ticket,
            context,
            lambda: _("[%(ref)s] New %(priority)s: %(title)s") % _about(ticket, priority=ticket.priority),
        )
    )


def ticket_moved(ticket, action: str) -> None:
    context = {"ticket": ticket}
    if action == "resolve":
        template = "ticket_resolved"

        def subject() -> str:
            return _("[%(ref)s] Resolved: %(title)s") % _about(ticket)

        # The satisfaction question's five one-click answers (none when this resolution was not asked about).
        context["satisfaction_links"] = satisfaction.mail_links(ticket)
        context["satisfaction_link_days"] = satisfaction.LINK_VALID_FOR.days
    elif action == "cancel":
        template = "ticket_cancelled"

        def subject() -> str:
            return _("[%(ref)s] Cancelled: %(title)s") % _about(ticket)

    else:
        return
    outbox.queue(for_person(template, ticket, ticket.requester, context, subject))


def message_added(message) -> None:
    if message.internal:
        return
    ticket = message.ticket

    def subject() -> str:
        return _("[%(ref)s] New reply: %(title)s") % _about(ticket)

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

    def subject() -> str:
        return _("[%(ref)s] Joined with %(into)s: %(title)s") % _about(
            into, ref=duplicate.reference, into=into.reference
        )

    outbox.queue(
        for_person("ticket_merged", duplicate, duplicate.requester, {"ticket": duplicate, "into": into}, subject)
    )
