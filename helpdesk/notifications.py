"""Ticket mail: composed after the transaction commits and sent by the task worker, with retries.

Each person's times are shown in their own time zone. Functions take ids, not objects, because they run
after commit (and may run in another process).
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from helpdesk.tasks import send_mail_task


def _send(template: str, person, context: dict, subject: str) -> None:
    if not person or not person.email:
        return
    with timezone.override(person.time_zone or "UTC"), translation.override(person.language or None):
        body = render_to_string(
            f"emails/{template}.txt", {**context, "person": person, "site": settings.WAGTAILADMIN_BASE_URL}
        )
    send_mail_task.enqueue(subject, body, [person.email])


def _team_send(template: str, ticket, context: dict, subject: str) -> None:
    if ticket.team.email:
        body = render_to_string(
            f"emails/{template}.txt", {**context, "person": None, "site": settings.WAGTAILADMIN_BASE_URL}
        )
        send_mail_task.enqueue(subject, body, [ticket.team.email])


def _ticket(ticket_id: int):
    from helpdesk.models import Ticket

    return Ticket.objects.select_related("requester", "raised_by", "team", "assignee", "service").get(pk=ticket_id)


def ticket_raised(ticket_id: int) -> None:
    ticket = _ticket(ticket_id)
    clocks = {c.kind: c for c in ticket.clocks.filter(stopped_at=None)}
    context = {"ticket": ticket, "response": clocks.get("response"), "resolution": clocks.get("resolution")}
    _send("ticket_raised", ticket.requester, context, f"[{ticket.reference}] We have it: {ticket.title}")
    _team_send("ticket_raised_team", ticket, context, f"[{ticket.reference}] New {ticket.priority}: {ticket.title}")


def ticket_moved(ticket_id: int, action: str) -> None:
    if action not in ("resolve", "wait_on_requester", "cancel"):
        return
    ticket = _ticket(ticket_id)
    if action == "resolve":
        _send("ticket_resolved", ticket.requester, {"ticket": ticket}, f"[{ticket.reference}] Resolved: {ticket.title}")
    elif action == "cancel":
        _send("ticket_cancelled", ticket.requester, {"ticket": ticket}, f"[{ticket.reference}] Cancelled")


def message_added(message_id: int) -> None:
    from helpdesk.models import Message

    message = Message.objects.select_related("ticket__requester", "ticket__team", "ticket__assignee", "author").get(
        pk=message_id
    )
    if message.internal:
        return
    ticket = message.ticket
    subject = f"[{ticket.reference}] New reply: {ticket.title}"
    if message.author_id == ticket.requester_id:
        if ticket.assignee_id:
            _send("message_added", ticket.assignee, {"ticket": ticket, "message": message}, subject)
        else:
            _team_send("message_added", ticket, {"ticket": ticket, "message": message}, subject)
    else:
        _send("message_added", ticket.requester, {"ticket": ticket, "message": message}, subject)
