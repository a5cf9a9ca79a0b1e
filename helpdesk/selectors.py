"""Read paths for tickets: every list goes through Ticket.objects.visible_to(user)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from helpdesk.models import Message, Ticket
from sla.models import Clock, TargetKind


def my_tickets(user) -> QuerySet[Ticket]:
    """What a person asked for or raised for others, newest first (the portal list)."""
    return (
        Ticket.objects.visible_to(user)
        .filter(Q(requester=user) | Q(raised_by=user))
        .for_portal()
        .order_by("-created_at")
    )


def running_clocks(tickets: list[Ticket]) -> dict[int, dict[str, Clock]]:
    """Unstopped clocks by ticket id and kind, for a page of tickets, in one query."""
    if not tickets:
        return {}
    by_ticket: dict[int, dict[str, Clock]] = defaultdict(dict)
    clocks = Clock.objects.filter(
        subject_type=ContentType.objects.get_for_model(Ticket),
        subject_id__in=[t.pk for t in tickets],
        stopped_at__isnull=True,
        kind__in=[TargetKind.RESPONSE, TargetKind.RESOLUTION],
    ).select_related("calendar")
    for clock in clocks:
        by_ticket[clock.subject_id][clock.kind] = clock
    return by_ticket


@dataclass
class TimelineItem:
    at: datetime
    kind: str  # "event" or "message"
    event: object = None
    message: Message | None = None


def ticket_timeline(ticket: Ticket, *, show_internal: bool) -> list[TimelineItem]:
    """History and conversation in one list, oldest first; internal notes only for the team."""
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if not show_internal:
        messages = messages.filter(internal=False)
    events = ticket.events.select_related("actor").exclude(kind__in=["reply", "note"])
    items = [TimelineItem(e.created_at, "event", event=e) for e in events]
    items += [TimelineItem(m.created_at, "message", message=m) for m in messages]
    return sorted(items, key=lambda item: item.at)


def ongoing_services(user) -> QuerySet[Ticket]:
    """Fulfilled requests for services with a monthly price: what a person has and pays for."""
    return (
        Ticket.objects.visible_to(user)
        .filter(requester=user, kind="request", state__in=["resolved", "closed"], request_type__monthly_price__gt=0)
        .select_related("service", "request_type", "submission")
        .order_by("service__name")
    )
