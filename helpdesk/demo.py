"""Demo tickets for `seed_demo`: half a year of steady work in every state and channel, some breached,
with satisfaction answers (a few poor ones, followed up), and reports worked out from them."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from catalogue.models import RequestKind, RequestType
from helpdesk import satisfaction, services
from helpdesk.models import Channel, FollowUp, Level, State, Team, Ticket, User
from helpdesk.reports import facts, published
from sla.scan import scan

WEEKS = 26  # two quarters, so last quarter's report has every week
PER_WEEK = 22  # raised each week, steadily: about four a working day
TICKETS = WEEKS * PER_WEEK
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
    "reopen": "It stopped working again this morning.",
    "resolve": "Fixed: replaced and tested.",
    "cancel": "Sorted itself out, thanks.",
}


CHANNELS = [Channel.PORTAL] * 6 + [Channel.PHONE] * 2 + [Channel.EMAIL, Channel.WALK_IN]
# What people answer when asked how satisfied they are (1 to 5), and how often they answer at all.
SCORES = [5] * 10 + [4] * 8 + [3] * 3 + [2] + [1]
ANSWERED = 0.45
COMMENTS = {
    1: "Took a week and nobody told me why.",
    2: "Fixed in the end, but I had to chase twice.",
    5: "Quick and friendly, thank you!",
}
OPEN_STATES_BY_AGE = [State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.WAITING_REQUESTER, State.WAITING_PROVIDER]
FINISHED = {State.RESOLVED: 8, State.CLOSED: 20, State.CANCELLED: 1}


def _raised_at(rng: random.Random, now, index: int):
    """The index-th ticket of a steady stream: PER_WEEK a week, spread over the working days of the
    week WEEKS - 1 weeks ago up to this one, in working hours (about 08:00 to 17:00 in Stockholm)."""
    week, slot = divmod(index, PER_WEEK)
    this_monday = (now - timedelta(days=now.weekday())).replace(hour=7, minute=0, second=0, microsecond=0)
    monday = this_monday - timedelta(weeks=WEEKS - 1 - week)
    return monday + timedelta(days=slot % 5, minutes=rng.randint(0, 9 * 60))


def _state_for(rng: random.Random, age: timedelta) -> State:
    """Finished work is old and open work is young, as on a real desk: most of what is under a week old
    is still open, and little older than three weeks is."""
    open_chance = (
        0.85
        if age < timedelta(days=3)
        else 0.45
        if age < timedelta(days=8)
        else 0.05
        if age < timedelta(days=21)
        else 0.0
    )
    if rng.random() < open_chance:
        return rng.choice(OPEN_STATES_BY_AGE)
    return rng.choices(list(FINISHED), weights=list(FINISHED.values()))[0]


def _path(rng: random.Random, state: State) -> list[str]:
    """The actions that bring a ticket to `state`; some finished work first waited on the requester, and
    a few resolutions were reopened and resolved again."""
    path = list(PATHS[state][0])
    if "resolve" in path:
        at = path.index("resolve")
        if rng.random() < 0.2:
            path[at:at] = ["wait_on_requester", "requester_replied"]
        if rng.random() < 0.06:
            at = path.index("resolve") + 1
            path[at:at] = ["reopen", "resolve"]
    return path


def seed_tickets() -> int:
    if Ticket.objects.count() >= TICKETS:
        return Ticket.objects.count()  # already seeded: leave the history as it is
    rng = random.Random(2026)
    ways_in = random.Random(7)  # its own, so the rest of the demo stays as it was
    answers = random.Random(11)
    now = timezone.now()
    requesters = list(User.objects.filter(teams__isnull=True, is_active=True).order_by("pk"))
    request_types = list(RequestType.objects.select_related("service__owner_team", "service__policy").order_by("pk"))
    for index in range(Ticket.objects.count(), TICKETS):
        at = _raised_at(rng, now, index)
        if at >= now:
            continue
        state = _state_for(rng, now - at)
        request_type = rng.choice(request_types)
        service = request_type.service
        requester = rng.choice(requesters)
        analyst = service.owner_team.members.first()
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
        for action in _path(rng, state):
            at += timedelta(minutes=rng.randint(5, 60 * 8))
            if at >= now:
                break
            by = requester if action in ("confirm", "cancel", "reopen") else analyst
            if action == "assign":
                services.assign(ticket, by=analyst, to=analyst, at=at, notify=False)
                continue
            if action == "requester_replied":  # their answer to our question carries the work on
                services.reply(ticket, by=requester, body="It's the 14-inch one, since Monday.", at=at, notify=False)
                continue
            if action == "start" and rng.random() < 0.8:
                services.reply(ticket, by=analyst, body="Thanks, we're looking at it.", at=at, notify=False)
            services.perform(ticket, action, by=by, at=at, text=TEXT.get(action, ""), notify=False)
            if action == "resolve" and answers.random() < ANSWERED:
                score = answers.choice(SCORES)
                answered_at = min(at + timedelta(hours=answers.randint(1, 30)), now)
                satisfaction.record_from_page(
                    ticket, by=requester, score=score, comment=COMMENTS.get(score, ""), now=answered_at
                )
    scan(now)  # mark what breached along the way, dated at the deadlines
    return Ticket.objects.count()


def seed_team_leads() -> int:
    """Each team's first analyst leads it and follows up poor satisfaction answers."""
    for team in Team.objects.filter(lead__isnull=True).prefetch_related("members"):
        lead = min(team.members.all(), key=lambda person: person.pk, default=None)
        if lead is not None:
            Team.objects.filter(pk=team.pk).update(lead=lead)
    return Team.objects.filter(lead__isnull=False).count()


def seed_follow_ups() -> int:
    """The older follow-ups were dealt with; the latest few are still open for the leads."""
    manager = User.objects.filter(groups__name="Managers").order_by("pk").first()
    now = timezone.now()
    for follow_up in FollowUp.objects.filter(closed_at__isnull=True, opened_at__lt=now - timedelta(days=10)):
        satisfaction.close_follow_up(
            follow_up,
            by=manager,
            action="Called them, apologised, and changed how we hand over urgent laptop repairs.",
            tell_requester=True,
            now=follow_up.opened_at + timedelta(days=2),
        )
    return FollowUp.objects.count()


def seed_reports() -> int:
    """Work the reports out now, rather than at the task worker's first run."""
    done = facts.rebuild()
    published.publish()
    return done["tickets"]


STEPS = [
    ("team leads", seed_team_leads),
    ("demo tickets", seed_tickets),
    ("satisfaction follow-ups", seed_follow_ups),
    ("reports", seed_reports),
]
