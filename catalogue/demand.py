"""Demand the catalogue does not meet: searches that found nothing and requests refused for entitlement.

Both are written where they happen (the catalogue search, the ask page and the API) with one INSERT and no
read; repeats are held back by the cache, so a person searching the same words again and again within an
hour counts once. `gaps()` is the one read: the table editors see in the admin and the board report reads.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Max
from django.utils import timezone

from catalogue.models import DemandSignal, RequestType

# The same person and the same words (or the same request type) count once in this long.
QUIET = timedelta(hours=1)
WORDS_MAX = DemandSignal._meta.get_field("words").max_length


def normalised(words: str) -> str:
    """The words as they are counted: lower-cased, runs of whitespace made one space, control characters
    dropped, at most WORDS_MAX characters; "" when nothing is left."""
    printable = "".join(c if c.isprintable() else " " for c in words or "")
    return " ".join(printable.lower().split())[:WORDS_MAX].rstrip()


def _person(person):
    """The logged-in person, or None for a visitor (AnonymousUser or no one)."""
    return person if person is not None and person.is_authenticated else None


def _first_in_the_hour(*parts: object) -> bool:
    """True the first time these parts are seen in QUIET (cache.add is atomic); the key is a digest, as
    typed words may hold anything a cache key may not."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:40]
    return cache.add(f"demand:{digest}", 1, timeout=int(QUIET.total_seconds()))


def record_search_miss(words: str, *, person) -> DemandSignal | None:
    """Record a catalogue search that found nothing, with the searcher's division (none for visitors, who
    count together as one searcher). Returns None, writing nothing, when the normalised words are empty or
    the same person searched them within the hour."""
    text = normalised(words)
    person = _person(person)
    if not text or not _first_in_the_hour("miss", person.pk if person else "visitor", text):
        return None
    return DemandSignal.objects.create(
        kind=DemandSignal.Kind.SEARCH_MISS,
        words=text,
        division_id=person.division_id if person else None,
        at=timezone.now(),
    )


def record_refusal(request_type: RequestType, *, person) -> DemandSignal | None:
    """Record that `person` (whom the request would be for) was refused `request_type` for entitlement,
    with their division. Returns None, writing nothing, when the same person was refused the same request
    type within the hour (a page opened again is not more demand)."""
    person = _person(person)
    if not _first_in_the_hour("refused", person.pk if person else "visitor", request_type.pk):
        return None
    return DemandSignal.objects.create(
        kind=DemandSignal.Kind.NOT_ENTITLED,
        request_type=request_type,
        service_id=request_type.service_id,
        division_id=person.division_id if person else None,
        at=timezone.now(),
    )


@dataclass(frozen=True)
class Gap:
    """One row of the table: a kind of unmet demand for one service (refusals) or one set of words
    (searches), from one division (None: visitors and people without one)."""

    kind: str
    kind_label: str
    service_id: int | None
    service: str
    words: str
    division_id: int | None
    division: str
    count: int
    last_at: datetime

    @property
    def what(self) -> str:
        """What was wanted: the service's name for a refusal, the words for a search."""
        return self.service if self.kind == DemandSignal.Kind.NOT_ENTITLED else self.words


def gaps(since: datetime, until: datetime) -> list[Gap]:
    """Unmet demand recorded in [since, until), counted by kind, service (refusals) or words (searches)
    and division; most counted first. One query, however many rows."""
    labels = dict(DemandSignal.Kind.choices)
    rows = (
        DemandSignal.objects.filter(at__gte=since, at__lt=until)
        .values("kind", "service_id", "service__name", "words", "division_id", "division__name")
        .annotate(count=Count("pk"), last_at=Max("at"))
        # An explicit order replaces Meta.ordering, which would otherwise split the groups by `at`.
        .order_by("-count", "kind", "service__name", "words", "division__name")
    )
    return [
        Gap(
            kind=row["kind"],
            kind_label=str(labels.get(row["kind"], row["kind"])),
            service_id=row["service_id"],
            service=row["service__name"] or "",
            words=row["words"],
            division_id=row["division_id"],
            division=row["division__name"] or "",
            count=row["count"],
            last_at=row["last_at"],
        )
        for row in rows
    ]
