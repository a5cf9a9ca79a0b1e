"""How each catalogue service stands: operational, degraded or down.

Two things move a service off "operational": an open major incident on it (a P1 takes it down, any other
priority degrades it) and planned maintenance running now (with the effect its planners chose). The worst
wins. `effect_of` is that rule, written once; `board` reads what the status page shows (three queries
however many services, incidents and windows); `banner` the one-line summary that portal and catalogue
pages show, cached for a minute and dropped when maintenance or a major incident changes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from django.core.cache import cache
from django.db import transaction
from django.db.models import DateTimeField, OuterRef, Q, Subquery, Value
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from catalogue.models import Category, Part, Service
from helpdesk.models import OPEN_STATES, Effect, Maintenance, Message, Ticket
from sla.models import Priority

# How far ahead the status page lists planned maintenance.
UPCOMING = timedelta(days=14)

# The banner's summary is cached as four plain ints, so a cache shared with processes of another release
# reads it back or misses it, never half-understands it. Bump the version when its shape changes.
BANNER_KEY = "helpdesk:status-banner:v1"
BANNER_SECONDS = 60

_WORST_LAST = list(Effect)  # the enum is declared best first, worst last


class IncidentFacts(Protocol):
    major: bool
    state: str
    priority: str


class WindowFacts(Protocol):
    starts_at: datetime
    ends_at: datetime
    effect: str


def effect_of(incidents: Iterable[IncidentFacts], windows: Iterable[WindowFacts], *, now: datetime) -> Effect:
    """How one service stands at `now`, given the incidents and the planned maintenance recorded on it.

    - An incident counts while it is major and open (its state one of OPEN_STATES): a P1 makes the service
      Down, any other priority Degraded. One that is not major, or resolved, closed or cancelled, counts
      for nothing.
    - A maintenance window counts while it runs, from `starts_at` (included) to `ends_at` (excluded), with
      its own `effect` (which may be Operational: work that should not be noticed). One that has not
      started or has ended counts for nothing.
    - The worst of what counts wins (Down, then Degraded); when nothing counts the service is Operational.

    Pure: reads only its arguments, so the page, the banner and the tests share it.
    """
    effects = [Effect.OPERATIONAL]
    for incident in incidents:
        if incident.major and incident.state in OPEN_STATES:
            effects.append(Effect.DOWN if incident.priority == Priority.P1 else Effect.DEGRADED)
    for window in windows:
        if window.starts_at <= now < window.ends_at:
            effects.append(Effect(window.effect))
    return max(effects, key=_WORST_LAST.index)


def open_major_q() -> Q:
    """Tickets that are open major incidents (the filter `effect_of` applies, for the database)."""
    return Q(major=True, state__in=OPEN_STATES)


# -- what the status page reads ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    """An open major incident as the status page shows it. `update_at` and `update` are the team's latest
    public reply (None and "" without one): its time is shown to everyone, its words only to people who
    may see the ticket."""

    pk: int
    reference: str
    title: str
    priority: str
    state: str
    major: bool
    service_id: int | None
    service_name: str
    started_at: datetime
    update_at: datetime | None
    update: str

    @property
    def effect(self) -> Effect:
        return effect_of([self], [], now=self.started_at)


@dataclass(frozen=True)
class Window:
    """Planned maintenance with the names of the services it touches."""

    pk: int
    title: str
    details: str
    starts_at: datetime
    ends_at: datetime
    effect: str
    service_ids: tuple[int, ...]
    service_names: tuple[str, ...]

    @property
    def effect_label(self) -> str:
        return Effect(self.effect).label

    def runs_at(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at


@dataclass(frozen=True)
class ServiceStatus:
    service: Service
    effect: Effect
    incidents: tuple[Incident, ...]
    maintenance: tuple[Window, ...]  # running now


@dataclass
class CategoryStatus:
    category: Category
    services: list[ServiceStatus] = field(default_factory=list)


@dataclass
class PartStatus:
    part: str
    label: str
    categories: list[CategoryStatus]


@dataclass
class Board:
    """The whole status page: services by part and category, the open major incidents (also those on no
    service, or on a retired one), maintenance running now and coming within UPCOMING."""

    now: datetime
    parts: list[PartStatus]
    incidents: list[Incident]
    running: list[Window]
    upcoming: list[Window]

    @property
    def services(self) -> list[ServiceStatus]:
        return [s for part in self.parts for category in part.categories for s in category.services]

    @property
    def affected(self) -> list[ServiceStatus]:
        return [s for s in self.services if s.effect != Effect.OPERATIONAL]


def open_major_incidents() -> list[Incident]:
    """Open major incidents, oldest first, each with the team's latest public reply: one query."""
    replies = (
        Message.objects.filter(ticket=OuterRef("pk"), internal=False)
        .exclude(author=OuterRef("requester"))
        .order_by("-created_at", "-pk")
    )
    rows = (
        Ticket.objects.filter(open_major_q())
        .annotate(
            update_at=Subquery(replies.values("created_at")[:1]),
            update=Subquery(replies.values("body")[:1]),
        )
        .order_by("created_at", "pk")
        .values(
            "pk",
            "reference",
            "title",
            "priority",
            "state",
            "major",
            "service_id",
            "service__name",
            "created_at",
            "update_at",
            "update",
        )
    )
    return [
        Incident(
            pk=row["pk"],
            reference=row["reference"] or "",
            title=row["title"],
            priority=row["priority"],
            state=row["state"],
            major=row["major"],
            service_id=row["service_id"],
            service_name=row["service__name"] or "",
            started_at=row["created_at"],
            update_at=row["update_at"],
            update=row["update"] or "",
        )
        for row in rows
    ]


def maintenance_between(start: datetime, end: datetime) -> list[Window]:
    """Maintenance that runs at some moment from `start` to `end` (still running at `start`, or starting
    by `end`), soonest first, with its services: one query (a row per service, joined here)."""
    rows = (
        Maintenance.objects.filter(ends_at__gt=start, starts_at__lte=end)
        .order_by("starts_at", "pk", "services__name")
        .values("pk", "title", "details", "starts_at", "ends_at", "effect", "services__id", "services__name")
    )
    windows: dict[int, dict] = {}
    for row in rows:
        window = windows.setdefault(row["pk"], {**row, "ids": [], "names": []})
        if row["services__id"] is not None:
            window["ids"].append(row["services__id"])
            window["names"].append(row["services__name"])
    return [
        Window(
            pk=w["pk"],
            title=w["title"],
            details=w["details"],
            starts_at=w["starts_at"],
            ends_at=w["ends_at"],
            effect=w["effect"],
            service_ids=tuple(w["ids"]),
            service_names=tuple(w["names"]),
        )
        for w in windows.values()
    ]


def board(now: datetime | None = None) -> Board:
    """Every offered service with how it stands at `now` (default: the present), grouped by part and
    category as the catalogue groups them: three queries, whatever the numbers."""
    now = now or timezone.now()
    incidents = open_major_incidents()
    windows = maintenance_between(now, now + UPCOMING)
    running = [w for w in windows if w.runs_at(now)]
    by_service_incidents: dict[int, list[Incident]] = defaultdict(list)
    for incident in incidents:
        if incident.service_id is not None:
            by_service_incidents[incident.service_id].append(incident)
    by_service_windows: dict[int, list[Window]] = defaultdict(list)
    for window in running:
        for service_id in window.service_ids:
            by_service_windows[service_id].append(window)

    services = Service.objects.offered().select_related("category").order_by("category__sort_order", "name")
    categories: dict[int, CategoryStatus] = {}
    for service in services:
        theirs, works = by_service_incidents[service.pk], by_service_windows[service.pk]
        status = ServiceStatus(service, effect_of(theirs, works, now=now), tuple(theirs), tuple(works))
        categories.setdefault(service.category_id, CategoryStatus(service.category)).services.append(status)
    by_part: dict[str, list[CategoryStatus]] = defaultdict(list)
    for category in sorted(categories.values(), key=lambda c: (c.category.sort_order, c.category.name)):
        by_part[category.category.part].append(category)
    parts = [PartStatus(value, label, by_part[value]) for value, label in Part.choices if by_part[value]]
    return Board(
        now=now,
        parts=parts,
        incidents=incidents,
        running=running,
        upcoming=[w for w in windows if w.starts_at > now],
    )


def page_context(user) -> dict:
    """What a status page shows its reader: the board, and which incidents' words they may read."""
    current = board()
    return {"board": current, "visible": visible_incidents(user, current.incidents)}


def visible_incidents(user, incidents: Iterable[Incident]) -> frozenset[int]:
    """The incidents `user` may open (Ticket.objects.visible_to): at most one query, none for visitors
    who are not logged in or when there are no incidents."""
    pks = [incident.pk for incident in incidents]
    if not pks or not user.is_authenticated:
        return frozenset()
    return frozenset(Ticket.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))


# -- the banner -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Banner:
    """What the one-line banner says: how many major incidents are open, how much maintenance runs, and
    how many services are down and degraded because of them."""

    incidents: int = 0
    maintenance: int = 0
    down: int = 0
    degraded: int = 0

    def __bool__(self) -> bool:
        return bool(self.incidents or self.maintenance)

    @property
    def worst(self) -> Effect:
        if self.down:
            return Effect.DOWN
        return Effect.DEGRADED if self.degraded else Effect.OPERATIONAL


@dataclass(frozen=True)
class _Row:
    """One row of the banner's query: an incident's facts or a running window's, for `effect_of`."""

    kind: str
    pk: int
    level: str  # an incident's priority, a window's effect
    service_id: int | None
    state: str
    major: bool
    starts_at: datetime
    ends_at: datetime | None

    @property
    def priority(self) -> str:
        return self.level

    @property
    def effect(self) -> str:
        return self.level


def banner_now(now: datetime | None = None) -> Banner:
    """The banner's summary read from the database: one query (the open major incidents and the
    maintenance running at `now`, default the present, as one UNION)."""
    now = now or timezone.now()
    no_end = Value(None, output_field=DateTimeField())
    incidents = Ticket.objects.filter(open_major_q()).values_list(
        Value("incident"), "pk", "priority", "service_id", "state", "major", "created_at", no_end
    )
    running = Maintenance.objects.filter(starts_at__lte=now, ends_at__gt=now).values_list(
        Value("maintenance"), "pk", "effect", "services__id", Value(""), Value(False), "starts_at", "ends_at"
    )
    rows = [_Row(*row) for row in incidents.order_by().union(running.order_by(), all=True)]
    theirs: dict[int, tuple[list[_Row], list[_Row]]] = defaultdict(lambda: ([], []))
    for row in rows:
        if row.service_id is not None:
            theirs[row.service_id][row.kind == "maintenance"].append(row)
    effects = [effect_of(found, works, now=now) for found, works in theirs.values()]
    return Banner(
        incidents=len({row.pk for row in rows if row.kind == "incident"}),
        maintenance=len({row.pk for row in rows if row.kind == "maintenance"}),
        down=effects.count(Effect.DOWN),
        degraded=effects.count(Effect.DEGRADED),
    )


def banner() -> Banner:
    """The banner's summary from the cache, read again (one query) at most once a minute per cache.

    The entry is dropped when planned maintenance is saved, deleted or given other services, and when a
    ticket that is a major incident is saved (or saved with update_fields naming "major") or declared
    one (its event logged). Maintenance
    that starts or ends on its own, a whole save() that unmakes a major incident and changes made with
    QuerySet.update() show within BANNER_SECONDS."""
    stored = cache.get(BANNER_KEY)
    if isinstance(stored, tuple) and len(stored) == 4 and all(isinstance(n, int) for n in stored):
        return Banner(*stored)
    summary = banner_now()
    cache.set(BANNER_KEY, (summary.incidents, summary.maintenance, summary.down, summary.degraded), BANNER_SECONDS)
    return summary


def forget_banner() -> None:
    """Drop the cached summary once the change that calls this commits (before, a reader could cache the
    old state again)."""
    transaction.on_commit(lambda: cache.delete(BANNER_KEY))


@receiver(post_save, sender=Maintenance, dispatch_uid="helpdesk.status.maintenance_saved")
@receiver(post_delete, sender=Maintenance, dispatch_uid="helpdesk.status.maintenance_deleted")
@receiver(m2m_changed, sender=Maintenance.services.through, dispatch_uid="helpdesk.status.maintenance_services")
def _maintenance_changed(**kwargs) -> None:
    forget_banner()


@receiver(post_save, sender=Ticket, dispatch_uid="helpdesk.status.ticket_saved")
def _ticket_saved(instance: Ticket, update_fields=None, **kwargs) -> None:
    # A major incident's state may have changed, or a ticket was just unmade one (saving "major"). Other
    # tickets' saves, nearly all of them, leave the cache alone.
    if instance.major or (update_fields and "major" in update_fields):
        forget_banner()
