"""Read paths for tickets: every list is scoped to what the person may see (visible_to, or a narrower scope)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import pairwise

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Value
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from catalogue.models import RequestKind
from helpdesk.models import OPEN_STATES, Message, State, Ticket
from helpdesk.models.people import display_name
from helpdesk.models.tickets import UNFINISHED_STATES
from helpdesk.queues import AGE_BANDS, past_due_q, sla_state, warning_q
from helpdesk.reports.periods import Period, month, today, window
from helpdesk.verdicts import compliance, percent, target_breaches
from sla.clock import WorkingHours
from sla.models import Clock, TargetKind
from sla.models.calendars import compiled_versions


def my_tickets(user, *, limit: int = 50, is_open: bool | None = None, skip: int = 0) -> list[Ticket]:
    """What a person asked for or raised for others, newest first (the portal list): at most `limit`
    after the first `skip`; only open ones or only finished ones when `is_open` says so.

    The newest of each kind are read from an index each and merged here. One query with `requester OR
    raised_by` lets PostgreSQL walk every ticket newest first looking for the person's, which at a
    million tickets took 1.4 s for anyone with none. Both kinds are the person's own, so visible to them.
    """
    if not user.is_authenticated:
        return []
    tickets = Ticket.objects.for_portal().order_by("-created_at", "-pk")  # the merge's order, ties included
    if is_open is not None:
        unfinished = UNFINISHED_STATES
        tickets = tickets.filter(state__in=unfinished) if is_open else tickets.exclude(state__in=unfinished)
    found = {
        ticket.pk: ticket
        for who in ("requester", "raised_by")
        for ticket in tickets.filter(**{who: user})[: skip + limit]
    }
    newest_first = sorted(found.values(), key=lambda ticket: (ticket.created_at, ticket.pk), reverse=True)
    return newest_first[skip : skip + limit]


MY_PAGE = 20


@dataclass
class MyTickets:
    """One page of a person's open or finished tickets, and whether there is another."""

    tickets: list[Ticket]
    page: int
    has_next: bool


def my_page(user, *, is_open: bool, page: int = 1) -> MyTickets:
    """A page of the portal's open (or finished) list: MY_PAGE tickets, read with one more to know if
    another page follows (no count of the person's whole history)."""
    found = my_tickets(user, limit=MY_PAGE + 1, is_open=is_open, skip=(page - 1) * MY_PAGE)
    return MyTickets(found[:MY_PAGE], page, len(found) > MY_PAGE)


def running_clocks(tickets: list[Ticket]) -> dict[int, dict[str, Clock]]:
    """Unstopped clocks by ticket id and kind, for a page of tickets, in one query."""
    if not tickets:
        return {}
    by_ticket: dict[int, dict[str, Clock]] = defaultdict(dict)
    clocks = (
        Clock.objects.our_targets_on(Ticket)
        .filter(subject_id__in=[t.pk for t in tickets], stopped_at__isnull=True)
        .select_related("calendar")
    )
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
        .filter(
            requester=user,
            kind=RequestKind.REQUEST,
            state__in=[State.RESOLVED, State.CLOSED],
            request_type__monthly_price__gt=0,
        )
        .select_related("service", "request_type", "submission")
        .order_by("service__name")
    )


@dataclass
class RequesterCard:
    """Who asked, as the team sees them beside the conversation."""

    person: object
    open_tickets: list[Ticket]
    services: list[Ticket]


def requester_card(ticket: Ticket, user, *, limit: int = 5) -> RequesterCard:
    """The requester with their grade, division, location and line manager, their other open tickets
    that `user` may see (newest first, at most `limit`) and what they have from the catalogue (ongoing
    services). Three queries."""
    person = (
        type(ticket.requester)
        .objects.select_related("grade", "division", "location", "cost_centre", "line_manager")
        .get(pk=ticket.requester_id)
    )
    others = (
        Ticket.objects.visible_to(user)
        .filter(requester_id=person.pk, state__in=OPEN_STATES)
        .exclude(pk=ticket.pk)
        .only("reference", "title", "state", "created_at", "requester_id", "raised_by_id")
        .order_by("-created_at")[:limit]
    )
    return RequesterCard(person=person, open_tickets=list(others), services=list(ongoing_services(person)))


@dataclass
class Relations:
    """The tickets this one is tied to, for its page."""

    parent: Ticket | None
    parent_seen: bool  # whether the reader may open the parent
    children: list[Ticket]
    related: list[Ticket]
    merged_into: Ticket | None
    merged: list[Ticket]
    watchers: list


def relations(ticket: Ticket, user) -> Relations:
    """Parent, children, related and merged tickets (only those `user` may see, but the parent, which is
    named to everyone who sees its part: resolving it resolves theirs) and the people copied in. Two
    queries, three when the parent is one `user` may not open."""
    copied = list(ticket.watchers.order_by("first_name", "last_name", "username"))
    tied = (
        Q(parent=ticket)
        | Q(merged_into=ticket)
        | Q(pk__in=ticket.related.through.objects.filter(from_ticket=ticket).values("to_ticket"))
    )
    for pk in (ticket.parent_id, ticket.merged_into_id):
        if pk:
            tied |= Q(pk=pk)
    rows = list(
        Ticket.objects.visible_to(user)
        .filter(tied)
        .only("reference", "title", "state", "parent_id", "merged_into_id", "requester_id", "raised_by_id")
        .order_by("pk")
    )
    by_pk = {row.pk: row for row in rows}
    parent = by_pk.get(ticket.parent_id)
    parent_seen = parent is not None
    if ticket.parent_id and parent is None:
        parent = Ticket.objects.only("reference", "title", "state").filter(pk=ticket.parent_id).first()
    ends = {ticket.parent_id, ticket.merged_into_id}
    return Relations(
        parent=parent,
        parent_seen=parent_seen,
        children=[row for row in rows if row.parent_id == ticket.pk],
        related=[row for row in rows if row.pk not in ends and ticket.pk not in (row.parent_id, row.merged_into_id)],
        merged_into=by_pk.get(ticket.merged_into_id),
        merged=[row for row in rows if row.merged_into_id == ticket.pk],
        watchers=copied,
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
    # Business time left before the soonest deadline; once it has passed, the time since (negative).
    left: timedelta | None

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
            left=_left(due_at, now=now, hours=hours),
        )


def _left(due_at: datetime | None, *, now: datetime, hours: WorkingHours | None) -> timedelta | None:
    """Business time left before the deadline (what the team can still use), or, once it has passed, how
    long ago it passed, negative. The desk lists late work most overdue first, by the deadline itself;
    business time since it, on calendars of different hours, would tell a different order ("late by 2 h"
    above "late by 9 h" for a deadline of office hours yesterday afternoon above one round the clock
    last night). None with no deadline, or no calendar to count on."""
    if due_at is None or hours is None:
        return None
    return hours.until(now, due_at) if due_at >= now else due_at - now


# The desk counts what matches up to this many; beyond, it says "more than" rather than read them all.
DESK_COUNT_LIMIT = 10_000


@dataclass
class DeskPage:
    filter: object
    rows: list[DeskRow]
    page: int
    has_next: bool
    count: int = 0  # tickets that match, at most DESK_COUNT_LIMIT
    more: bool = False  # more than DESK_COUNT_LIMIT match

    @property
    def summary(self) -> str:
        """ "No tickets match", "1 ticket", "128 tickets", "More than 10,000 tickets"."""
        if self.more:
            return gettext("More than %(count)s tickets") % {"count": number_format(self.count, force_grouping=True)}
        if not self.count:
            return gettext("No tickets match")
        words = ngettext("%(count)s ticket", "%(count)s tickets", self.count)
        return words % {"count": number_format(self.count, force_grouping=True)}


def _count(tickets: QuerySet, *, start: int, found: int) -> tuple[int, bool]:
    """How many tickets match, and whether more than DESK_COUNT_LIMIT do. Known without a query when the
    page is the last one (`found`, the rows read for it, is not more than a page); otherwise one COUNT
    with the page's filter, over at most DESK_COUNT_LIMIT + 1 rows so a huge queue costs no more."""
    if found <= DESK_PAGE and (found or start == 0):
        return start + found, False
    counted = tickets.order_by().values("pk")[: DESK_COUNT_LIMIT + 1].count()
    return min(counted, DESK_COUNT_LIMIT), counted > DESK_COUNT_LIMIT


def desk_page(user, params, *, now: datetime, teams: list, services: list, page: int = 1) -> DeskPage:
    """One page of the desk: filtered, sorted, sliced (page + 1 rows), and how many match in all (see
    _count: no query when everything fits on the page, else a COUNT of at most DESK_COUNT_LIMIT rows)."""
    from helpdesk.filters import DeskFilter, references_in

    data = params.copy()
    if not references_in(data.get("q", "")):  # a reference is looked for in any state
        data.setdefault("state", "open")
    desk_filter = DeskFilter(
        data, queryset=Ticket.objects.in_queues_of(user), user=user, now=now, teams=teams, services=services
    )
    tickets = desk_filter.qs if desk_filter.is_valid() else Ticket.objects.none()
    start = (page - 1) * DESK_PAGE
    # The page is found among ticket rows alone, and names are joined onto its rows only (one query, the
    # page a subquery): a row estimate the planner gets wrong, as for a common word, cannot make it join
    # names onto every candidate (seconds for "problem" at a million tickets), and sorts other than the
    # indexed default sort ticket rows, not joined ones.
    page_ids = tickets.values("pk")[start : start + DESK_PAGE + 1]
    found = list(Ticket.objects.filter(pk__in=page_ids).for_desk().order_by(*tickets.query.order_by))
    listed = found[:DESK_PAGE]
    # Each deadline is told in business time on its clock's calendar: a few calendars, compiled once per
    # process and known by version, serve every row without a query.
    hours = compiled_versions({row["due_calendar_id"]: row["due_calendar__updated_at"] for row in listed})
    rows = [DeskRow.from_values(row, now=now, hours=hours.get(row["due_calendar_id"])) for row in listed]
    count, more = _count(tickets, start=start, found=len(found))
    return DeskPage(desk_filter, rows, page, len(found) > DESK_PAGE, count, more)


# -- the managers' board ---------------------------------------------------------------------------------------


@dataclass
class Board:
    by_team: list[dict]
    by_service: list[dict]
    compliance: dict[str, dict]
    backlog: list[dict]
    weeks: list[dict]
    month: Period  # this month in the reporting zone
    today: date
    provider_share: dict


TARGETS = {TargetKind.RESPONSE: _("First response on time"), TargetKind.RESOLUTION: _("Resolved on time")}


def board(*, now: datetime) -> Board:
    """Breaches and risks now, this month's compliance, backlog age and twelve weeks: aggregates only."""
    by_team, by_service, backlog = _open_work(now)
    local_now = timezone.localtime(now)
    # The month is the organisation's (its reporting zone), as on /reports/ and the IT Promise.
    this_month = month(today(now))
    month_start, _end = window(this_month)
    counted = compliance(since=month_start, until=now)
    figures = {kind: {**counted[kind], "title": title} for kind, title in TARGETS.items()}
    resolution = counted[TargetKind.RESOLUTION]
    used, provider = resolution["used"] or timedelta(0), resolution["provider"] or timedelta(0)
    provider_share = {
        "provider": provider,
        "total": used,
        "percent": percent(provider, used),
    }
    weeks = twelve_weeks(now=now)
    return Board(by_team, by_service, figures, backlog, weeks, this_month, local_now.date(), provider_share)


def _open_work(now: datetime) -> tuple[list[dict], list[dict], list[dict]]:
    """Open tickets by team and by service (breached, at risk) and by age: one grouped query, read from
    an index that holds every column it needs, rolled up here."""
    ages = {
        f"younger{i}": Count("team_id", filter=Q(created_at__gt=now - band.under))
        for i, band in enumerate(AGE_BANDS[:-1])
    }
    groups = (
        Ticket.objects.filter(state__in=OPEN_STATES)
        .values("team_id", "team__name", "service_id", "service__name")
        .annotate(
            open=Count("*"),
            # The rows are open already: the time rules alone keep the count within the covering index.
            breached=Count("team_id", filter=past_due_q(now)),
            at_risk=Count("team_id", filter=warning_q(now)),
            **ages,
        )
        .order_by()
    )
    teams: dict[int, dict] = {}
    services: dict[int, dict] = {}
    totals = dict.fromkeys(["open", *ages], 0)
    for group in groups:
        figures = {key: group[key] for key in ("open", "breached", "at_risk")}
        team = teams.setdefault(group["team_id"], {"team_id": group["team_id"], "team__name": group["team__name"]})
        _add(team, figures)
        if group["service_id"] is not None:
            service = services.setdefault(
                group["service_id"], {"service_id": group["service_id"], "service__name": group["service__name"]}
            )
            _add(service, figures)
        _add(totals, {key: group[key] for key in totals})
    by_team = sorted(teams.values(), key=lambda row: (-row["breached"], -row["at_risk"], row["team__name"]))
    at_stake = [row for row in services.values() if row["breached"] or row["at_risk"]]
    by_service = sorted(at_stake, key=lambda row: (-row["breached"], -row["at_risk"], row["service__name"]))[:10]
    # Cumulative counts of tickets younger than each limit become counts per band.
    backlog, older = [], 0
    for i, band in enumerate(AGE_BANDS):
        younger = totals[f"younger{i}"] if i < len(AGE_BANDS) - 1 else totals["open"]
        backlog.append({"band": band, "count": younger - older})
        older = younger
    return by_team, by_service, backlog


def _add(into: dict, figures: dict) -> None:
    for key, value in figures.items():
        into[key] = into.get(key, 0) + value


SETTLED_FOR = 3600  # seconds a finished week's figures are reused before being counted again
# A breach is dated at its deadline but may be recorded a little later (the sweep runs every minute, a
# stop records one it finds): last week is counted live until this long after it ended.
SETTLING = timedelta(minutes=15)


def twelve_weeks(*, now: datetime) -> list[dict]:
    """Raised, resolved and breached per week (Monday to Sunday, local), oldest first.

    The eleven finished weeks hardly change (a reopened ticket can take back a resolution), so their
    figures are counted once an hour and shared; this week is counted on every request.
    """
    local = timezone.localtime(now)
    this_monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    start = this_monday - timedelta(weeks=11)
    key = f"board:weeks:{start.isoformat()}:{timezone.get_current_timezone_name()}"
    finished = cache.get(key)
    if finished is None:  # count all twelve weeks at once, and keep the finished ones once settled
        counts = _weekly_counts(start, weeks=12)
        if now - this_monday >= SETTLING:
            cache.set(key, counts[:11], SETTLED_FOR)
    else:
        counts = [*finished, *_weekly_counts(this_monday, weeks=1)]
    weeks = [{"start": start + timedelta(weeks=i), **counts[i]} for i in range(12)]
    for week in weeks:
        week["last"] = week["start"] + timedelta(days=6)  # Sunday: the desk's date filters include it
    return weeks


def _weekly_counts(start: datetime, *, weeks: int) -> list[dict]:
    """Counts per local week from `start`, in one query: a union of range counts that each read one
    index, which PostgreSQL spreads over its parallel workers. Week edges are local midnights, so a week
    with a clock change is exact."""
    edges = [start + timedelta(weeks=i) for i in range(weeks + 1)]
    counts = [{"raised": 0, "resolved": 0, "breached": 0} for _ in range(weeks)]
    ranges = [
        queryset.filter(**{f"{field}__gte": first, f"{field}__lt": after})
        .annotate(series=Value(series), week=Value(index))
        .values("series", "week")
        .annotate(n=n)
        .order_by()
        for series, queryset, field, n in [
            ("raised", Ticket.objects.all(), "created_at", Count("*")),
            ("resolved", Ticket.objects.all(), "resolved_at", Count("*")),
            # Tickets, not clocks: a ticket that missed both its targets is one breached ticket, as on the desk.
            (
                "breached",
                target_breaches(),
                "breached_at",
                Count("subject_id", distinct=True),
            ),
        ]
        for index, (first, after) in enumerate(pairwise(edges))
    ]
    for row in ranges[0].union(*ranges[1:], all=True):
        counts[row["week"]][row["series"]] = row["n"]
    return counts
