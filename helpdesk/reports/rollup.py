"""Daily figures: the facts of each day added up per segment and breakdown (helpdesk/reports/measures.py).

A day is always added up whole: its rows are deleted and written again from its facts, so a figure never
depends on the order changes came in. Each (segment, breakdown) slice costs one grouped query per kind of
day and one per kind of business time, however many days are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Q, Sum

from helpdesk.models import DailyFigure, TicketFact
from helpdesk.reports import steps
from helpdesk.reports.measures import ALL, DAY_FIELDS, DIMENSIONS, EVERYONE, JUDGED, MEASURES, SEGMENTS, SUMS, TIMES

MONTHS_A_ROUND = 2  # whole months added up per round: a day__in list stays short, a round's rows few
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


COUNTED = (*MEASURES, *SUMS)


def _months(rows: Iterable[DailyFigure]) -> list[DailyFigure]:
    """Month rows adding up whole months of day rows (all of each month's days must be among `rows`)."""
    months: dict[tuple, DailyFigure] = {}
    for row in rows:
        first = row.day.replace(day=1)
        key = (first, row.segment_value, row.value)
        month = months.get(key)
        if month is None:
            month = months[key] = DailyFigure(
                day=first,
                span=DailyFigure.Span.MONTH,
                segment=row.segment,
                segment_value=row.segment_value,
                by=row.by,
                value=row.value,
            )
        for name in COUNTED:
            setattr(month, name, getattr(month, name) + getattr(row, name))
        for name in TIMES:
            steps.add(getattr(month, name), getattr(row, name))
    return list(months.values())


def _write(days: Callable[[str], Q], delete: Q) -> int:
    """Add up the days `days` selects for every slice, with their months, in place of the rows `delete`
    selects (which must be those days' rows and their months' rows)."""
    written = 0
    with transaction.atomic():
        DailyFigure.objects.filter(delete).delete()
        for segment, breakdowns in SEGMENTS.items():
            for by in breakdowns:
                rows = list(_slice(days, segment, by).values())
                rows += _months(rows)
                DailyFigure.objects.bulk_create(rows, batch_size=WRITE_BATCH)
                written += len(rows)
    return written


def _days_of(month: date) -> list[date]:
    days, day = [], month
    while day.month == month.month:
        days.append(day)
        day += timedelta(days=1)
    return days


def recompute(days: Iterable[date]) -> int:
    """Add these days up again from their facts, with every other day of their months (a month's row
    adds up all of its days), two months a round; returns how many rows were written."""
    months = sorted({day.replace(day=1) for day in days})
    written = 0
    for start in range(0, len(months), MONTHS_A_ROUND):
        chunk_months = months[start : start + MONTHS_A_ROUND]
        chunk = [day for month in chunk_months for day in _days_of(month)]
        delete = Q(span=DailyFigure.Span.DAY, day__in=chunk) | Q(span=DailyFigure.Span.MONTH, day__in=chunk_months)
        written += _write(lambda field, chunk=chunk: Q(**{f"{field}__in": chunk}), delete)
    return written


def rebuild_all() -> int:
    """Every day and month anew: one pass over all facts per slice."""
    return _write(lambda field: Q(**{f"{field}__isnull": False}), Q())
