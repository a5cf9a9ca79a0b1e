"""What the pages show, read live from catalogue/ and sla/ with a fixed number of queries per page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _

from catalogue.entitlement import Offer
from catalogue.models import Category, Part, RequestKind, RequestType, Service
from catalogue.selectors import OfferBook, request_types_for, services_for_catalogue
from cms.filters import CatalogueFilter
from cms.languages import for_reader_by, translated
from helpdesk.models import Level, Team, priority_for
from helpdesk.reports.published import Published, Share, published
from sla.models import Calendar, Policy, Priority, TargetKind

# A request from the catalogue is raised at medium impact and low urgency (helpdesk.services.
# raise_from_submission); its card promises that priority's resolution target.
REQUEST_PRIORITY = priority_for(Level.MEDIUM, Level.LOW)

# -- home -------------------------------------------------------------------------------------------


@dataclass
class PartSummary:
    part: str
    label: str
    categories: list[Category]


def parts_with_categories() -> list[PartSummary]:
    """The four parts of the promise with their categories and how many services each offers (one query)."""
    categories = Category.objects.annotate(
        offered=Count("services", filter=~Q(services__status=Service.Status.RETIRED))
    ).order_by("part", "sort_order", "name")
    by_part: dict[str, list[Category]] = defaultdict(list)
    for category in categories:
        by_part[category.part].append(category)
    return [PartSummary(value, label, by_part.get(value, [])) for value, label in Part.choices]


# -- catalogue index -----------------------------------------------------------------------------------


@dataclass
class RequestOffer:
    request_type: RequestType
    offer: Offer


@dataclass
class CatalogueRow:
    service: Service
    url: str | None
    name: str  # the service page's title in the reader's language, else the service's name
    offers: list[RequestOffer] = field(default_factory=list)
    policy: Policy | None = None

    @property
    def requests(self) -> list[RequestOffer]:
        """What can be asked for and paid for: requests, not the incident forms for reporting a fault
        (those are free, and would make a 1,100 EUR laptop read "Free")."""
        return [o for o in self.offers if o.request_type.kind == RequestKind.REQUEST]

    @property
    def resolution(self) -> timedelta | None:
        """How long a request takes at most under the reader's policy: the resolution target the service
        page lists (`target_rows`, the one rule) at the priority a catalogue request is raised at; None
        when the policy sets none."""
        row = next((r for r in target_rows(self.policy) if r.priority == REQUEST_PRIORITY), None)
        return row.resolution if row else None

    @property
    def cheapest(self) -> RequestOffer | None:
        """The lowest first-year price among the requests this reader may ask for."""
        entitled = [o for o in self.requests if o.offer.entitled]
        return min(entitled, key=lambda o: o.offer.one_off + 12 * o.offer.monthly, default=None)

    @property
    def cheapest_list(self) -> RequestOffer | None:
        """The lowest first-year list price among the requests, whoever may ask (for visitors)."""
        return min(self.requests, key=lambda o: o.offer.list_one_off + 12 * o.offer.list_monthly, default=None)


@dataclass
class CatalogueResults:
    filter: CatalogueFilter
    rows: Any  # a Paginator page of CatalogueRow
    query: str


def catalogue_rows(request, per_page: int = 30) -> CatalogueResults:
    """One page of the catalogue for this reader: filtered, paginated, then offers for that page only."""
    from cms.models import ServicePage

    filterset = CatalogueFilter(
        request.GET or None,
        queryset=services_for_catalogue().order_by("category__part", "category__sort_order", "name"),
        request=request,
    )
    services = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    page = Paginator(services, per_page).get_page(request.GET.get("page"))
    listed = list(page.object_list)
    pages = for_reader_by(
        ServicePage.objects.live().filter(service__in=listed).select_related("locale"), key=lambda p: p.service_id
    )
    book = OfferBook(request.user)
    offers: dict[int, list[RequestOffer]] = defaultdict(list)
    for request_type in request_types_for(listed):
        offers[request_type.service_id].append(RequestOffer(request_type, book.offer(request_type)))
    page.object_list = [
        CatalogueRow(
            service=service,
            url=pages[service.pk].url if service.pk in pages else None,
            name=pages[service.pk].title if translated(pages.get(service.pk)) else service.name,
            offers=offers.get(service.pk, []),
            policy=book.policy_for(service),
        )
        for service in listed
    ]
    return CatalogueResults(filter=filterset, rows=page, query=request.GET.get("q", ""))


# -- service page ------------------------------------------------------------------------------------


@dataclass
class TargetRow:
    priority: str
    label: str
    response: timedelta | None
    resolution: timedelta | None
    round_the_clock: bool
    # Last full month's measured results beside each target (helpdesk/reports/published.py).
    response_result: Share | None = None
    resolution_result: Share | None = None


def target_rows(
    policy: Policy | None, *, proof: Published | None = None, of: tuple[str, int] = ("", 0)
) -> list[TargetRow]:
    """Response and resolution targets per priority, from a policy with prefetched targets; with `proof`,
    each with last month's measured result of `of` (("policy", id) or ("service", id))."""
    if policy is None:
        return []
    by_key = {(t.priority, t.kind): t for t in policy.targets.all()}
    rows = []
    for priority, label in Priority.choices:
        response = by_key.get((priority, TargetKind.RESPONSE))
        resolution = by_key.get((priority, TargetKind.RESOLUTION))
        if response or resolution:
            special = [t.calendar_id for t in (response, resolution) if t and t.calendar_id]
            row = TargetRow(
                priority, label, response and response.duration, resolution and resolution.duration, bool(special)
            )
            if proof is not None:
                kept = partial(proof.kept, *of, policy_id=policy.pk, priority=priority)
                row.response_result = kept(kind=TargetKind.RESPONSE) if response else None
                row.resolution_result = kept(kind=TargetKind.RESOLUTION) if resolution else None
            rows.append(row)
    return rows


@dataclass
class HoursLine:
    days: str
    hours: str


def hours_summary(calendar: Calendar) -> list[HoursLine]:
    """Opening hours in plain words, runs of days with the same hours together ("Monday to Friday")."""
    week = calendar.week()
    lines: list[HoursLine] = []
    runs: list[tuple[int, int, str]] = []
    for day in range(7):
        intervals = week.get(day)
        text = ", ".join(f"{a}-{b}" for a, b in sorted(intervals)) if intervals else _("Closed")
        text = _("Open all day") if text == "00:00-24:00" else text
        if runs and runs[-1][2] == text and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    for first, last, text in runs:
        if first == last:
            days = str(WEEKDAYS[first])
        elif last == first + 1:
            days = _("%(first)s and %(last)s") % {"first": WEEKDAYS[first], "last": WEEKDAYS[last]}
        else:
            days = _("%(first)s to %(last)s") % {"first": WEEKDAYS[first], "last": WEEKDAYS[last]}
        lines.append(HoursLine(days, text))
    return lines


def upcoming_closures(calendar: Calendar, *, days: int = 60, today: date | None = None) -> list[tuple[date, str]]:
    """Closed dates in the coming weeks (public holidays and the team's own), with their names."""
    today = today or timezone.localdate()
    closed = calendar.working_hours().closed
    own = {day: closure.name for closure in calendar.closures.all() for day in closure.days()}
    result = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        if day in closed:
            name = own.get(day) or (closed.public.get(day) if getattr(closed, "public", None) is not None else "")
            result.append((day, name or "Closed"))
    return result


def service_facts(service_id: int, user) -> dict[str, Any]:
    """Everything a service page shows beyond its own text, for this reader."""
    service = (
        Service.objects.select_related("category", "owner_team", "provider", "calendar", "service_owner")
        .prefetch_related("calendar__opening_hours", "calendar__closures")
        .get(pk=service_id)
    )
    book = OfferBook(user)
    offers = [RequestOffer(rt, book.offer(rt)) for rt in request_types_for([service])]
    policy = book.policy_for(service)
    proof = published()
    return {
        "service": service,
        "offers": offers,
        "policy": policy,
        "targets": target_rows(policy, proof=proof, of=("service", service.pk)),
        "satisfied": proof.satisfied("service", service.pk),
        "hours": hours_summary(service.calendar),
        "closures": upcoming_closures(service.calendar, days=45),
        # One row per project, in the reader's language when it is translated (each translation links the
        # same services).
        "projects": sorted(
            for_reader_by(
                service.projects.live().select_related("locale"), key=lambda project: project.translation_key
            ).values(),
            key=lambda project: project.title,
        ),
    }


# -- the IT Promise ----------------------------------------------------------------------------------


def promise_facts(page) -> dict[str, Any]:
    """Teams, calendars and policies the editors chose, with the facts read live."""
    team_ids = [row.team_id for row in page.teams.all()]
    teams = {
        t.pk: t
        for t in Team.objects.filter(pk__in=team_ids)
        .select_related("parent")
        .annotate(analysts=Count("members", distinct=True), owned=Count("services", distinct=True))
    }
    calendar_ids = [row.calendar_id for row in page.calendars.all()]
    calendars = {
        c.pk: c for c in Calendar.objects.filter(pk__in=calendar_ids).prefetch_related("opening_hours", "closures")
    }
    policy_ids = [row.policy_id for row in page.policies.all()]
    policies = {
        p.pk: p
        for p in Policy.objects.filter(pk__in=policy_ids)
        .select_related("calendar", "premium_policy")
        .prefetch_related("targets__calendar")
    }
    now = timezone.now()
    proof = published(now=now)
    return {
        "promise_teams": [teams[i] for i in team_ids if i in teams],
        "promise_calendars": [
            {
                "calendar": calendars[i],
                "hours": hours_summary(calendars[i]),
                "open_now": calendars[i].working_hours().is_open(now),
                "closures": upcoming_closures(calendars[i]),
            }
            for i in calendar_ids
            if i in calendars
        ],
        "promise_policies": [
            {"policy": policies[i], "targets": target_rows(policies[i], proof=proof, of=("policy", i))}
            for i in policy_ids
            if i in policies
        ],
        "satisfied": proof.satisfied(),
    }
