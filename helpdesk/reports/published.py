"""The measured results published beside each commitment (the IT Promise and service pages): the last full
month's figures per service level or service and priority, read from the daily roll-ups, kept in the cache
by the task that refreshes the roll-ups, so a public page never adds anything up."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone

from helpdesk.models import DailyFigure
from helpdesk.reports.measures import ALL, DIMENSIONS, EVERYONE
from helpdesk.reports.periods import Period, last_full_month
from helpdesk.reports.read import COUNTS, Figures, spans
from helpdesk.verdicts import percent

CACHE_KEY = "reports:published:2"  # a new key when what is kept changes shape (2: the period, not its label)
CACHE_FOR = 60 * 60  # the refresh task writes it anew every five minutes; a process's own copy lasts an hour
TOO_FEW = 10  # fewer judged tickets than this: too few to judge, no percentage is shown


@dataclass(frozen=True)
class Share:
    """A measured result: `part` of `whole` in the period (targets kept of those judged, people satisfied of
    those who answered); with fewer than TOO_FEW, too few to judge, and no percentage."""

    part: int
    whole: int
    period: Period  # its label is read when shown, in the reader's language

    @property
    def too_few(self) -> bool:
        return self.whole < TOO_FEW

    @property
    def percent(self) -> int | None:
        return None if self.too_few else percent(self.part, self.whole)


@dataclass(frozen=True)
class Published:
    period: Period
    # (segment, id, target, kind) -> Share, where the target is a priority for a service level
    # ("policy", "3", "P2", "resolution") and a service level and priority for a service
    # ("service", "12", "3:P2", "resolution"): a service's targets differ by level (a premium tier).
    results: dict[tuple[str, str, str, str], Share]
    # (segment, id as text) -> the share satisfied; ("", "") for everyone
    satisfaction: dict[tuple[str, str], Share]

    def kept(self, segment: str, pk: int, *, policy_id: int, priority: str, kind: str) -> Share:
        """How often the `kind` target of `priority` under service level `policy_id` was kept, among the
        tickets of `segment` `pk` ("policy" or "service"); the target's key as that segment keeps it."""
        target = DIMENSIONS[TARGETS_BY[segment]].value_of({"policy_id": policy_id, "priority": priority})
        return self.results.get((segment, str(pk), target, kind)) or Share(0, 0, self.period)

    def satisfied(self, segment: str = EVERYONE, pk: int | None = None) -> Share:
        key = (segment, "" if pk is None else str(pk))
        return self.satisfaction.get(key) or Share(0, 0, self.period)


# Which breakdown holds the targets of each kind of thing a page publishes.
TARGETS_BY = {"policy": "priority", "service": "target"}


def measure(period: Period) -> Published:
    """Add up `period` for every service level and service, per target, and satisfaction (one query)."""
    added: dict[tuple[str, str, str, str], Figures] = defaultdict(Figures)
    rows = DailyFigure.objects.filter(
        spans(period.first, period.last), segment__in=[*TARGETS_BY, EVERYONE], by__in=[ALL, *TARGETS_BY.values()]
    ).values("segment", "segment_value", "by", "value", *COUNTS, "response_times", "resolution_times")
    for row in rows:
        added[(row["segment"], row["segment_value"], row["by"], row["value"])].add(row)
    results = {}
    satisfaction = {}
    for (segment, pk, by, value), figures in added.items():
        if by == ALL:
            satisfaction[(segment, pk)] = Share(figures.csat_happy, figures.csat_answered, period)
        elif by == TARGETS_BY.get(segment):
            results[(segment, pk, value, "response")] = Share(figures.response_met, figures.response_judged, period)
            results[(segment, pk, value, "resolution")] = Share(
                figures.resolution_met, figures.resolution_judged, period
            )
    return Published(period, results, satisfaction)


def publish(*, now: datetime | None = None) -> Published:
    """Work the results out anew and keep them for the pages (the refresh task calls this)."""
    published = measure(last_full_month(now or timezone.now()))
    cache.set(CACHE_KEY, published, CACHE_FOR)
    return published


def published(*, now: datetime | None = None) -> Published:
    """What the pages show: the kept results, worked out here only when none are kept (or they are of
    a month before the last full one)."""
    kept = cache.get(CACHE_KEY)
    if kept is None or kept.period.key != last_full_month(now or timezone.now()).key:
        return publish(now=now)
    return kept
