"""Demo tickets for `seed_demo`: a few hundred over the last six weeks, in every state, some breached."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from catalogue.models import RequestKind, RequestType
from helpdesk import services
from helpdesk.models import Channel, Level, State, Ticket, User
from sla.scan import scan

TICKETS = 300
PROBLEMS = [
    "Laptop won't start",
    "No Wi-Fi on floor 3",
    "Can't open shared drive",
    "Printer jams",
    "VPN drops",
    "Mail stuck in outbox",
    "Screen flickers",
    "Password expired",
    "Meeting room camera dead",
    "Phone won't sync calendar",
]
# state -> the actions that reach it, and how many of each to make (weights)
PATHS = {
    State.NEW: ([], 30),
    State.ASSIGNED: (["assign"], 25),
    State.IN_PROGRESS: (["assign", "start"], 60),
    State.WAITING_REQUESTER: (["assign", "start", "wait_on_requester"], 25),
    State.WAITING_PROVIDER: (["assign", "start", "wait_on_provider"], 10),
    State.RESOLVED: (["assign", "start", "resolve"], 50),
    State.CLOSED: (["assign", "start", "resolve", "confirm"], 90),
    State.CANCELLED: (["cancel"], 10),
}
TEXT = {
    "wait_on_requester": "Which model is it, and since when?",
    "resolve": "Fixed: replaced and tested.",
    "cancel": "Sorted itself out, thanks.",
}


CHANNELS = [Channel.PORTAL] * 6 + [Channel.PHONE] * 2 + [Channel.EMAIL, Channel.WALK_IN]


def seed_tickets() -> int:
    if Ticket.objects.count() >= TICKETS:
        return Ticket.objects.count()  # already seeded: leave the history as it is
    rng = random.Random(2026)
    ways_in = random.Random(7)  # its own, so the rest of the demo stays as it was
    now = timezone.now()
    requesters = list(User.objects.filter(teams__isnull=True, is_active=True))
    request_types = list(RequestType.objects.select_related("service__owner_team", "service__policy"))
    states = [state for state, (_, weight) in PATHS.items() for _ in range(weight)]
    for _ in range(TICKETS - Ticket.objects.count()):
        state = rng.choice(states)
        request_type = rng.choice(request_types)
        service = request_type.service
        requester = rng.choice(requesters)
        analyst = service.owner_team.members.first()
        # Finished work spreads over six weeks; what is still open is mostly recent, as on a real desk.
        finished = state in (State.RESOLVED, State.CLOSED, State.CANCELLED)
        at = now - timedelta(days=rng.uniform(0.2, 42) if finished else rng.uniform(0.05, 4))
        # Most come in by the portal; the rest an analyst raised for someone who phoned, mailed or walked in.
        channel = ways_in.choice(CHANNELS) if analyst else Channel.PORTAL
        ticket = services.raise_ticket(
            kind=request_type.kind,
            title=rng.choice(PROBLEMS) if request_type.kind == RequestKind.INCIDENT else request_type.name,
            requester=requester,
            raised_by=requester if channel == Channel.PORTAL else analyst,
            channel=channel,
            service=service,
            impact=rng.choice(list(Level.values)),
            urgency=rng.choice(list(Level.values)),
            at=at,
            notify=False,
        )
        for action in PATHS[state][0]:
            at += timedelta(minutes=rng.randint(5, 60 * 8))
            if at >= now:
                break
            by = requester if action in ("confirm", "cancel") else analyst
            if action == "assign":
                services.assign(ticket, by=analyst, to=analyst, at=at, notify=False)
                continue
            if action == "start" and rng.random() < 0.8:
                services.reply(ticket, by=analyst, body="Thanks, we're looking at it.", at=at, notify=False)
            services.perform(ticket, action, by=by, at=at, text=TEXT.get(action, ""), notify=False)
    scan(now)  # mark what breached along the way, dated at the deadlines
    return Ticket.objects.count()


STEPS = [("demo tickets", seed_tickets)]
