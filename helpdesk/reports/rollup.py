"""Daily figures: the facts of each day added up per segment and breakdown (helpdesk/reports/measures.py).

A day is always added up whole: its rows are deleted and written again from its facts, so a figure never
depends on the order changes came in. Each (segment, breakdown) slice costs one grouped query per kind of
day and one per kind of business time, however many days are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction
from django.db.models import Count, Q, Sum

from helpdesk.models import DailyFigure, TicketFact
from helpdesk.reports.measures import ALL, DAY_FIELDS, DIMENSIONS, EVERYONE, JUDGED, MEASURES, SEGMENTS, SUMS, TIMES

CHUNK_DAYS = 62  # days added up per round: a day__in list stays short, a round's rows stay few
WRITE_BATCH = 2000


def _slice(days: Callable[[str], Q], segment: str, by: str) -> dict[tuple, DailyFigure]:
    """The rows of one slice for the days `days(day_field)` selects, keyed by (day, segment value, value)."""
    narrowed = DIMENSIONS[segment] if segment != EVERYONE else None
    broken = DIMENSIONS[by] if by != ALL else None
    group = [*(narrowed.fields if narrowed else ()), *(broken.fields if broken else ())]
    rows: dict[tuple, DailyFigure] = {}

    def row_for(day, values: dict) -> DailyFigure:
        segment_value = narrowed.value_of(values) if narrowed else ""
        value = broken.value_of(values) if broken else ""
        key = (day, segment_value, value)
        if key not in rows:
            rows[key] = DailyFigure(day=day, segment=segment, segment_value=segment_value, by=by, value=value)
        return rows[key]

    facts = TicketFact.objects.all()
    if narrowed:  # a segment holds what belongs to one of its members
        facts = facts.exclude(**{f"{name}__isnull": True for name in narrowed.fields})
    for day_field in DAY_FIELDS:
        counts = {
            m.key: Count("pk", filter=m.condition) if m.condition else Count("pk")
            for m in MEASURES.values()
            if m.day == day_field
        }
        counts |= {name: Sum(field) for name, (day, field) in SUMS.items() if day == day_field}
        grouped = facts.filter(days(day_field)).values(day_field, *group).annotate(**counts).order_by()
        for values in grouped:
            row = row_for(values[day_field], values)
            for name in counts:
                setattr(row, name, values[name] or 0)
    for name, (day_field, _seconds, verdict) in TIMES.items():
        step = f"{name.removesuffix('_times')}_step"
        grouped = (
            facts.filter(days(day_field), **{f"{verdict}__in": JUDGED}, **{f"{step}__isnull": False})
            .values(day_field, *group, step)
            .annotate(n=Count("pk"))
            .order_by()
        )
        for values in grouped:
            getattr(row_for(values[day_field], values), name)[str(values[step])] = values["n"]
    return rows


def _write(days: Callable[[str], Q], delete: Q) -> int:
    written = 0
    with transaction.atomic():
        DailyFigure.objects.filter(delete).delete()
        for segment, breakdowns in SEGMENTS.items():
            for by in breakdowns:
                rows = list(_slice(days, segment, by).values())
                DailyFigure.objects.bulk_create(rows, batch_size=WRITE_BATCH)
                written += len(rows)
    return written


def recompute(days: Iterable[date]) -> int:
    """Add these days up again from their facts; returns how many rows were written."""
    days = sorted(set(days))
    written = 0
    for start in range(0, len(days), CHUNK_DAYS):
        chunk = days[start : start + CHUNK_DAYS]
        written += _write(lambda field, chunk=chunk: Q(**{f"{field}__in": chunk}), Q(day__in=chunk))
    return written


def rebuild_all() -> int:
    """Every day anew: one pass over all facts per slice."""
    return _write(lambda field: Q(**{f"{field}__isnull": False}), Q())
