"""Read paths for tickets: every list goes through Ticket.objects.visible_to(user)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncWeek
from django.utils import timezone

from helpdesk.models import OPEN_STATES, Message, Ticket
from helpdesk.models.people import display_name
from helpdesk.models.tickets import sla_state
from sla.clock import WorkingHours
from sla.models import Calendar, Clock, TargetKind


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


# -- the desk ------------------------------------------------------------------------------------------------

DESK_PAGE = 50


def _person(row: dict, prefix: str) -> str:
    return display_name(row[f"{prefix}__first_name"], row[f"{prefix}__last_name"], row[f"{prefix}__username"])


@dataclass(frozen=True)
class DeskRow:
    """One line of the desk, read from plain column values (Ticket.objects.for_desk)."""

    pk: int
    reference: str
    title: str
    priority: str
    state: str
    team: str
    service: str | None
    requester: str
    assignee: str | None
    updated_at: datetime
    sla: str
    left: timedelta | None  # business time left before the soonest deadline; negative when late

    @classmethod
    def from_values(cls, row: dict, *, now: datetime, hours: WorkingHours | None) -> DeskRow:
        due_at = row["due_at"]
        return cls(
            pk=row["id"],
            reference=row["reference"],
            title=row["title"],
            priority=row["priority"],
            state=row["state"],
            team=row["team__name"],
            service=row["service__name"],
            requester=_person(row, "requester"),
            assignee=_person(row, "assignee") if row["assignee__username"] else None,
            updated_at=row["updated_at"],
            sla=sla_state(due_at=due_at, warn_at=row["warn_at"], is_open=row["state"] in OPEN_STATES, now=now),
            left=hours.until(now, due_at) if hours and due_at else None,
        )


@dataclass
class DeskPage:
    filter: object
    rows: list[DeskRow]
    page: int
    has_next: bool


def desk_page(user, params, *, now: datetime, teams: list, services: list, page: int = 1) -> DeskPage:
    """One page of the desk: filtered, sorted, sliced without counting the whole queue (page + 1 rows)."""
    from helpdesk.filters import DeskFilter

    data = params.copy()
    data.setdefault("state", "open")
    desk_filter = DeskFilter(
        data, queryset=Ticket.objects.for_desk(user), user=user, now=now, teams=teams, services=services
    )
    tickets = desk_filter.qs if desk_filter.is_valid() else Ticket.objects.none()
    start = (page - 1) * DESK_PAGE
    found = list(tickets[start : start + DESK_PAGE + 1])
    listed = found[:DESK_PAGE]
    # The soonest deadline is on the ticket; the calendar of the clock it belongs to says how much
    # business time is left before it. A few calendars serve every row.
    calendars = Calendar.objects.filter(pk__in={row["clock_calendar_id"] for row in listed} - {None})
    hours = {calendar.pk: calendar.working_hours() for calendar in calendars} if listed else {}
    rows = [DeskRow.from_values(row, now=now, hours=hours.get(row["clock_calendar_id"])) for row in listed]
    return DeskPage(desk_filter, rows, page, len(found) > DESK_PAGE)


# -- the managers' board ---------------------------------------------------------------------------------------


@dataclass
class Board:
    by_team: list[dict]
    by_service: list[dict]
    compliance: dict[str, dict]
    backlog: dict[str, int]
    weeks: list[dict]
    month_start: datetime


AGE_BUCKETS = [
    ("under a day", timedelta(days=1)),
    ("1-3 days", timedelta(days=3)),
    ("3-7 days", timedelta(days=7)),
    ("1-4 weeks", timedelta(days=28)),
]


def board(*, now: datetime) -> Board:
    """Breaches and risks now, this month's compliance, backlog age and twelve weeks: aggregates only."""
    open_tickets = Ticket.objects.filter(state__in=OPEN_STATES)
    breached = Count("id", filter=Q(due_at__lte=now))
    at_risk = Count("id", filter=Q(warn_at__lte=now, due_at__gt=now))
    # Backlog age rides on the per-team query (summed below): cumulative counts of tickets younger than each limit.
    ages = {f"age{i}": Count("id", filter=Q(created_at__gt=now - limit)) for i, (_, limit) in enumerate(AGE_BUCKETS)}
    by_team = list(
        open_tickets.values("team_id", "team__name")
        .annotate(open=Count("id"), breached=breached, at_risk=at_risk, **ages)
        .order_by("-breached", "-at_risk", "team__name")
    )
    by_service = list(
        open_tickets.exclude(service=None)
        .values("service_id", "service__name")
        .annotate(open=Count("id"), breached=breached, at_risk=at_risk)
        .filter(Q(breached__gt=0) | Q(at_risk__gt=0))
        .order_by("-breached", "-at_risk")[:10]
    )
    local_now = timezone.localtime(now)
    month_start = local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    stopped = (
        Clock.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket),
            kind__in=[TargetKind.RESPONSE, TargetKind.RESOLUTION],
            stopped_at__gte=month_start,
            stopped_at__lte=now,
        )
        # A cancelled ticket's clocks stopped because nobody needed it any more: neither met nor missed.
        .exclude(subject_id__in=Ticket.objects.filter(state="cancelled").values("pk"))
        .values("kind")
        .annotate(total=Count("id"), met=Count("id", filter=Q(breached_at__isnull=True)))
    )
    compliance = {
        row["kind"]: {**row, "percent": round(100 * row["met"] / row["total"]) if row["total"] else None}
        for row in stopped
    }
    backlog, previous = {}, 0
    for i, (label, _limit) in enumerate(AGE_BUCKETS):
        younger = sum(row[f"age{i}"] for row in by_team)
        backlog[label] = younger - previous
        previous = younger
    backlog["over 4 weeks"] = sum(row["open"] for row in by_team) - previous
    return Board(by_team, by_service, compliance, backlog, twelve_weeks(now=now), month_start)


def twelve_weeks(*, now: datetime) -> list[dict]:
    """Raised, resolved and breached per week (Monday to Sunday, local), oldest first: three queries."""
    local = timezone.localtime(now)
    this_monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - timedelta(weeks=11)
    weeks = [{"start": start + timedelta(weeks=i), "raised": 0, "resolved": 0, "breached": 0} for i in range(12)]

    def fill(rows, key):
        for row in rows:
            index = (timezone.localtime(row["week"]).date() - start.date()).days // 7 if row["week"] else -1
            if 0 <= index < 12:
                weeks[index][key] = row["n"]

    tz = timezone.get_current_timezone()
    fill(
        Ticket.objects.filter(created_at__gte=start)
        .annotate(week=TruncWeek("created_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
        .order_by(),
        "raised",
    )
    fill(
        Ticket.objects.filter(resolved_at__gte=start)
        .annotate(week=TruncWeek("resolved_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
        .order_by(),
        "resolved",
    )
    fill(
        Clock.objects.filter(
            subject_type=ContentType.objects.get_for_model(Ticket),
            kind__in=[TargetKind.RESPONSE, TargetKind.RESOLUTION],
            breached_at__gte=start,
        )
        .annotate(week=TruncWeek("breached_at", tzinfo=tz))
        .values("week")
        .annotate(n=Count("id"))
        .order_by(),
        "breached",
    )
    return weeks
