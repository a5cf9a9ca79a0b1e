"""Demo tickets for `seed_demo`: half a year of steady work in every state and channel, some breached,
with satisfaction answers (a few poor ones, followed up), and reports worked out from them.

Tickets are raised as real ones are: requests through the catalogue (a submission with the form's answers,
quoted the requester's offer, so each form's use is counted), incidents with a problem of their service,
reported on the incident form or on the service's own catalogue form. Every demo person who logs in has
services they pay for monthly, to change or cancel on /my/.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.utils import timezone

from catalogue.entitlement import Offer
from catalogue.forms import RequestForm
from catalogue.models import (
    ApproverRole,
    FieldType,
    RequestKind,
    RequestType,
    RequestTypeApprover,
    Service,
    Submission,
)
from catalogue.selectors import offer_to, request_types_to_ask
from catalogue.services import record_submission
from helpdesk import satisfaction, services
from helpdesk.models import Channel, FollowUp, Level, State, Team, Ticket, User
from helpdesk.reports import facts, published
from sla.scan import scan
from sla.tiers import Tier

WEEKS = 26  # two quarters, so last quarter's report has every week
PER_WEEK = 22  # raised each week, steadily: about four a working day
TICKETS = WEEKS * PER_WEEK
OUTAGE = "Wi-Fi down across the Stockholm office"  # only the demo's major incident (demo/workspace.py)
# service -> what people report about it (the title of an incident reported on the incident form)
PROBLEMS = {
    "Laptop": ["Laptop won't start", "Screen flickers", "Battery lasts under an hour", "Laptop slow since update"],
    "Mobile phone": ["Phone won't sync calendar", "No mail on my phone", "Phone stuck on the logo"],
    "Screens and accessories": ["Monitor not found through the dock", "Headset microphone is silent"],
    "Printing": ["Printer jams on floor 2", "Can't print in colour", "Print job stuck in the queue"],
    "Device repair": ["Cracked phone screen", "Laptop hinge broken", "Dock no longer charges"],
    "Office network and Wi-Fi": [
        "No Wi-Fi on floor 3",
        "Wi-Fi drops every few minutes",
        "Network point dead at my desk",
        OUTAGE,
    ],
    "Remote access (VPN)": ["VPN drops", "VPN won't connect from home"],
    "Accounts and passwords": ["Password expired", "Account locked", "Sign-in code never arrives"],
    "Report a security incident": ["Phishing mail with a fake invoice", "Laptop lost on the train"],
    "Mail and calendar": ["Mail stuck in outbox", "Meeting invites not arriving", "Shared mailbox missing"],
    "Video meetings": ["Meeting room camera dead", "No sound in meeting room 4B"],
    "Shared drives and sites": ["Can't open shared drive", "Team site says access denied"],
    "Chat": ["Chat messages arrive late", "Chat won't start"],
}
# username -> monthly services they have had for a while (request type names)
ONGOING = {
    "staff": ["New standard laptop", "New work phone", "Get a Figma seat"],
    "manager": ["New performance laptop", "Add roaming"],
    "editor": ["New standard laptop", "Get a Figma seat"],
    "analyst": ["New performance laptop"],
    "analyst2": ["New standard laptop"],
}
DETAILS = [
    "Since this morning. I've restarted twice already.",
    "It started after lunch yesterday.",
    "Colleagues next to me have the same.",
    "It happens every day around three.",
    "",
]
# A catalogue form's question (its label) -> answers people give; other questions are answered by type.
ANSWERS = {
    "Why do you need it?": [
        "My laptop is five years old and can't run the new finance tools.",
        "I'm starting on the design team next month.",
        "I travel to customers most weeks.",
        "To share drafts with the agency.",
    ],
    "Where are you?": ["Stockholm, floor 3", "London, 2nd floor by the kitchen", "New York, room 12.04", "Home"],
    "Which countries?": ["Germany and France", "USA and Canada", "Japan"],
    "Mailbox name": ["sales-events", "finance-invoices", "research-lab"],
    "Site name": ["Q3 launch", "Lab safety", "Finance close"],
    "Their full name": ["Priya Natarajan", "Tom Becker", "Lena Holm"],
    "Role": ["Accountant", "Field sales", "Lab technician"],
    "New desk": ["4.12 by the window", "2.03", "Ground floor, open plan"],
}
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
    "wait_on_requester": "Could you tell us a little more: since when, and on which device?",
    "reopen": "It stopped working again this morning.",
    "resolve": "Fixed, and tested with you.",
    "cancel": "Sorted itself out, thanks.",
}
# What the team says when it resolves a request (TEXT's is for incidents).
DELIVERED = "Done: it's set up and ready for you."


# Most come in by the portal; the rest an analyst raised for someone who phoned, mailed or walked in, or a
# system of theirs (monitoring, HR) raised with their API token.
CHANNELS = [Channel.PORTAL] * 6 + [Channel.PHONE] * 2 + [Channel.EMAIL, Channel.WALK_IN, Channel.API]
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


class Asker:
    """Raises tickets as the portal and the desk do, remembering each person's offers (worked out once
    per person and request type, by the catalogue's own rule)."""

    def __init__(self, answers: random.Random) -> None:
        self.answers = answers
        self.offers: dict[tuple[int, int], tuple[RequestType, Offer]] = {}  # (person, request type)
        self.asked: dict[int, dict[int, RequestType]] = {}

    def quote(self, person: User, request_type: RequestType) -> tuple[RequestType, Offer]:
        """The request type as `person` reads it (`request_types_to_ask`), and their offer for it."""
        key = (person.pk, request_type.pk)
        if key not in self.offers:
            if person.pk not in self.asked:
                self.asked[person.pk] = {rt.pk: rt for rt in request_types_to_ask(person)}
            theirs = self.asked[person.pk][request_type.pk]
            self.offers[key] = (theirs, offer_to(person, theirs))
        return self.offers[key]

    def may_ask(self, person: User, request_type: RequestType) -> bool:
        return self.quote(person, request_type)[1].entitled

    def ask(
        self,
        request_type: RequestType,
        *,
        requester: User,
        raised_by: User,
        channel: str,
        at: datetime,
        people: list[User],
        problem: str = "",
    ) -> Ticket:
        """What `services.ask_for` does for a form sent on `at`, without mail (demo tickets notify no one).
        The answers are given to the form as cleaned data: a date that was ahead then may be past now,
        which the form would refuse today. Raises NotEntitled when the requester may not ask for it, as the
        catalogue does."""
        theirs, offer = self.quote(requester, request_type)
        form = RequestForm(theirs.fields.all())
        form.cleaned_data = {
            field.key: self._answer(field, at=at, people=people, problem=problem) for field in form.definitions
        }
        submission = record_submission(
            request_type=theirs, requester=requester, raised_by=raised_by, form=form, offer=offer, files={}
        )
        Submission.objects.filter(pk=submission.pk).update(created_at=at)  # sent then, not now
        incident = theirs.kind == RequestKind.INCIDENT
        return services.raise_ticket(
            kind=theirs.kind,
            title=theirs.name,
            requester=requester,
            raised_by=raised_by,
            service=theirs.service,
            submission=submission,
            impact=Level.MEDIUM,
            urgency=Level.HIGH if incident else Level.LOW,
            at=at,
            notify=False,
            tier=Tier(submission.policy, offer.premium),
            channel=channel,
        )

    def _answer(self, field, *, at: datetime, people: list[User], problem: str) -> Any:
        rng = self.answers
        kind = field.field_type
        if field.label in ANSWERS:
            return rng.choice(ANSWERS[field.label])
        if kind == FieldType.LONG_TEXT:
            return f"{problem}. {rng.choice(DETAILS)}".strip() if problem else "As we discussed on the phone."
        if kind == FieldType.CHOICE:
            return rng.choice(field.choice_list)
        if kind == FieldType.MULTIPLE_CHOICE:
            return rng.sample(field.choice_list, k=rng.randint(1, 2))
        if kind == FieldType.DATE:
            return at.date() + timedelta(days=rng.randint(3, 20))
        if kind == FieldType.NUMBER:
            return Decimal(rng.randint(1, 4))
        if kind == FieldType.YES_NO:
            return rng.random() < 0.6
        if kind == FieldType.PERSON:
            return rng.choice(people)
        if kind == FieldType.FILE or not field.required:
            return None
        return "See above."


def _report(
    service: Service, title: str, *, requester: User, raised_by: User, channel: str, at: datetime, rng: random.Random
) -> Ticket:
    """An incident as the incident form raises it."""
    return services.raise_ticket(
        kind=RequestKind.INCIDENT,
        title=title,
        description=rng.choice(DETAILS),
        requester=requester,
        raised_by=raised_by,
        channel=channel,
        service=service,
        impact=rng.choice(list(Level.values)),
        urgency=rng.choice(list(Level.values)),
        at=at,
        notify=False,
    )


def _work(
    ticket: Ticket, path: list[str], *, analyst: User, requester: User, at: datetime, now: datetime, rng, answers
):
    """Take `ticket` along `path`, a step every few hours, stopping at `now`."""
    request = ticket.kind == RequestKind.REQUEST
    for action in path:
        at += timedelta(minutes=rng.randint(5, 60 * 8))
        if at >= now:
            break
        by = requester if action in ("confirm", "cancel", "reopen") else analyst
        if action == "assign":
            services.assign(ticket, by=analyst, to=analyst, at=at, notify=False)
            continue
        if action == "requester_replied":  # their answer to our question carries the work on
            services.reply(ticket, by=requester, body="Since Monday, on my laptop.", at=at, notify=False)
            continue
        if action == "start" and rng.random() < 0.8:
            services.reply(ticket, by=analyst, body="Thanks, we're looking at it.", at=at, notify=False)
        text = DELIVERED if action == "resolve" and request else TEXT.get(action, "")
        services.perform(ticket, action, by=by, at=at, text=text, notify=False)
        if action == "resolve" and answers.random() < ANSWERED:
            score = answers.choice(SCORES)
            answered_at = min(at + timedelta(hours=answers.randint(1, 30)), now)
            satisfaction.record_from_page(
                ticket, by=requester, score=score, comment=COMMENTS.get(score, ""), now=answered_at
            )


def _requesters() -> list[User]:
    """The demo people who ask for things (not the teams'), in a fixed order."""
    return list(
        User.objects.filter(teams__isnull=True, is_active=True)
        .exclude(password__startswith=UNUSABLE_PASSWORD_PREFIX)
        .order_by("pk")
    )


def _first_members() -> dict[int, User | None]:
    """Each team's first analyst (by id), who works its demo tickets."""
    return {
        team.pk: min(team.members.all(), key=lambda p: p.pk, default=None)
        for team in Team.objects.prefetch_related("members")
    }


def _who_asks(
    rng: random.Random,
    asker: Asker,
    want: RequestType,
    requester: User,
    *,
    requesters: list[User],
    has: set[tuple[int, int]],  # (person, service) of the monthly services people have or are getting
    other: list[RequestType],
) -> tuple[RequestType, User]:
    """`want` and `requester` when it is open to them (and, for a monthly service, they do not have that
    service yet: one laptop each); else someone it suits; else something one-off instead."""
    while True:
        if asker.may_ask(requester, want) and (requester.pk, want.service_id) not in has:
            return want, requester
        others = [p for p in requesters if asker.may_ask(p, want) and (p.pk, want.service_id) not in has]
        if others:
            return want, rng.choice(others)
        want = rng.choice(other)


def seed_tickets() -> int:
    if Ticket.objects.exists():
        return Ticket.objects.count()  # already seeded (or in use): leave the history as it is
    rng = random.Random(2026)
    ways_in = random.Random(7)  # its own, so the rest of the demo stays as it was
    answers = random.Random(11)
    asker = Asker(random.Random(13))
    now = timezone.now()
    requesters = _requesters()
    request_types = list(
        RequestType.objects.filter(is_active=True)
        .select_related("service__owner_team", "service__policy")
        .order_by("pk")
    )
    # What people come for: each request type, and each service's problems (on the service's own
    # incident form, when it has one, about a third of the time).
    forms = {rt.service.name: rt for rt in request_types if rt.kind == RequestKind.INCIDENT}
    services_by_name = {rt.service.name: rt.service for rt in request_types}
    services_by_name.update((s.name, s) for s in Service.objects.filter(name__in=PROBLEMS).select_related("owner_team"))
    wants = [rt for rt in request_types if rt.kind == RequestKind.REQUEST] + [
        services_by_name[name] for name in PROBLEMS if name in services_by_name
    ]
    one_offs = [rt for rt in request_types if rt.kind == RequestKind.REQUEST and not rt.monthly_price]
    # A monthly service is had once a person (unless cancelled); ONGOING's are kept for its people.
    has = {
        (person.pk, rt.service_id)
        for person in requesters
        for rt in request_types
        if rt.name in ONGOING.get(person.username, ())
    }
    members = _first_members()
    for index in range(TICKETS):
        at = _raised_at(rng, now, index)
        if at >= now:
            continue
        state = _state_for(rng, now - at)
        want = rng.choice(wants)
        requester = rng.choice(requesters)
        if isinstance(want, RequestType):
            want, requester = _who_asks(rng, asker, want, requester, requesters=requesters, has=has, other=one_offs)
        service = want.service if isinstance(want, RequestType) else want
        analyst = members[service.owner_team_id]
        # Most come in by the portal; the rest an analyst raised for someone who phoned, mailed or walked in.
        channel = ways_in.choice(CHANNELS) if analyst else Channel.PORTAL
        raised_by = requester if channel == Channel.PORTAL else analyst
        if isinstance(want, RequestType):
            ticket = asker.ask(
                want, requester=requester, raised_by=raised_by, channel=channel, at=at, people=requesters
            )
            if want.monthly_price and state != State.CANCELLED:
                has.add((requester.pk, want.service_id))
        else:
            problem = rng.choice([p for p in PROBLEMS[service.name] if p != OUTAGE])
            form = forms.get(service.name)
            if form is not None and channel == Channel.PORTAL and rng.random() < 0.35:
                ticket = asker.ask(
                    form,
                    requester=requester,
                    raised_by=raised_by,
                    channel=channel,
                    at=at,
                    people=requesters,
                    problem=problem,
                )
            else:
                ticket = _report(
                    service, problem, requester=requester, raised_by=raised_by, channel=channel, at=at, rng=rng
                )
        _work(ticket, _path(rng, state), analyst=analyst, requester=requester, at=at, now=now, rng=rng, answers=answers)
    scan(now)  # mark what breached along the way, dated at the deadlines
    return Ticket.objects.count()


def seed_ongoing_services() -> int:
    """Monthly services the demo people who log in have had for months: asked for, delivered and
    confirmed, so /my/ lists them with change and cancel. Those a person already has are left alone."""
    rng = random.Random(17)
    asker = Asker(random.Random(19))
    now = timezone.now()
    people = {p.username: p for p in User.objects.filter(username__in=ONGOING)}
    request_types = {
        rt.name: rt for rt in RequestType.objects.filter(name__in={n for v in ONGOING.values() for n in v})
    }
    members = _first_members()
    everyone = _requesters()
    made = 0
    for months, (username, names) in enumerate(ONGOING.items(), start=2):
        person = people.get(username)
        for offset, name in enumerate(names):
            request_type = request_types.get(name)
            if person is None or request_type is None:
                continue
            theirs = Ticket.objects.filter(requester=person, service=request_type.service_id, kind=RequestKind.REQUEST)
            if theirs.filter(request_type__monthly_price__gt=0).exclude(state=State.CANCELLED).exists():
                continue
            at = (now - timedelta(days=30 * months + 9 * offset)).replace(hour=9, minute=rng.randint(0, 50))
            ticket = asker.ask(
                request_type, requester=person, raised_by=person, channel=Channel.PORTAL, at=at, people=everyone
            )
            analyst = members[request_type.service.owner_team_id]
            path = ["assign", "start", "resolve", "confirm"]
            _work(ticket, path, analyst=analyst, requester=person, at=at, now=now, rng=rng, answers=rng)
            made += 1
    if made:
        scan(now)
    return Ticket.objects.filter(
        requester__in=people.values(),
        kind=RequestKind.REQUEST,
        state__in=[State.RESOLVED, State.CLOSED],
        request_type__monthly_price__gt=0,
    ).count()


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


# Sign-off, introduced after the demo's history: a performance laptop now needs the line manager's
# approval, and Diego's asked for one this morning (Morgan, the demo manager, decides on /my/approvals/).
APPROVERS = {"new-performance-laptop": [ApproverRole.LINE_MANAGER]}


def seed_approvals() -> int:
    for slug, roles in APPROVERS.items():
        request_type = RequestType.objects.get(slug=slug)
        request_type.approvers.all().delete()
        RequestTypeApprover.objects.bulk_create(
            RequestTypeApprover(request_type=request_type, role=role, sort_order=i) for i, role in enumerate(roles)
        )
    diego = User.objects.get(username="diego")
    if not Ticket.objects.filter(requester=diego, state=State.AWAITING_APPROVAL).exists():
        laptop = RequestType.objects.get(slug="new-performance-laptop")
        at = timezone.now() - timedelta(hours=2)
        Asker(random.Random(23)).ask(
            laptop, requester=diego, raised_by=diego, channel=Channel.PORTAL, at=at, people=_requesters()
        )
    return Ticket.objects.filter(state=State.AWAITING_APPROVAL).count()


def seed_board_report() -> int:
    """Last month's board report, as the scheduler makes it on the first working day (once)."""
    from django.utils import timezone

    from helpdesk.board import make
    from helpdesk.reports.periods import last_full_month

    month = last_full_month(timezone.now())
    if make.latest(month.first) is None:
        make.generate(month)
    return 1


STEPS = [
    ("team leads", seed_team_leads),
    ("demo tickets", seed_tickets),
    ("ongoing services", seed_ongoing_services),
    ("satisfaction follow-ups", seed_follow_ups),
]
