"""Daily figures: the facts of each day added up per segment and breakdown (helpdesk/reports/measures.py).

A day is always added up whole: its rows are deleted and written again from its facts, so a figure never
depends on the order changes came in. The counts are the measures' own conditions (measures.py), compiled
by Django for whichever database runs them, and added up two ways that must agree:

- on PostgreSQL, every slice at once: one grouped scan per kind of day and per kind of business time, with
  a GROUPING SET per slice, and the rows written with COPY (a rebuild at a million tickets in minutes);
- elsewhere (SQLite), one slice at a time: one grouped query per kind of day and per kind of business time.

tests/helpdesk/test_reports.py holds the two to the same rows, field by field, on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from functools import reduce
from operator import or_

from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet, Sum

from helpdesk.models import DailyFigure, TicketFact
from helpdesk.reports import bulk, steps
from helpdesk.reports.measures import (
    ALL,
    DAY_FIELDS,
    DIMENSIONS,
    EVERYONE,
    MEASURES,
    SEGMENTS,
    SUMS,
    TIMES,
    Dimension,
    timed,
)
from helpdesk.reports.periods import next_month

MONTHS_A_ROUND = 2  # whole months added up per round, one slice at a time: a round's rows stay few

COUNTED = (*MEASURES, *SUMS)
SLICES = tuple((segment, by) for segment, breakdowns in SEGMENTS.items() for by in breakdowns)
COLUMNS = ("day", "span", "segment", "segment_value", "by", "value", *COUNTED, *TIMES)

Days = Callable[[str], Q]  # the facts to add up, given the day field a measure is dated by


def _dimensions(segment: str, by: str) -> tuple[Dimension | None, Dimension | None]:
    return (DIMENSIONS[segment] if segment != EVERYONE else None, DIMENSIONS[by] if by != ALL else None)


def _fields(segment: str, by: str) -> tuple[str, ...]:
    """The fact fields one slice is grouped by."""
    fields: list[str] = []
    for dimension in _dimensions(segment, by):
        fields += [name for name in (dimension.fields if dimension else ()) if name not in fields]
    return tuple(fields)


FIELDS = tuple(dict.fromkeys(name for s in SLICES for name in _fields(*s)))  # every field any slice groups by


class Figures:
    """Rows being added up: one per slice, span, day and values, each a dict of COLUMNS."""

    def __init__(self) -> None:
        self.rows: dict[tuple, dict] = {}

    def row(self, segment: str, by: str, day: date, values: dict, span: str = DailyFigure.Span.DAY) -> dict | None:
        """The row a fact (or a grouped row of facts) dated `day` is counted in; None when the fact is not
        one of the segment's (a segment holds what belongs to one of its members)."""
        narrowed, broken = _dimensions(segment, by)
        if narrowed and all(values[name] is None for name in narrowed.fields):
            return None
        segment_value = narrowed.value_of(values) if narrowed else ""
        value = broken.value_of(values) if broken else ""
        return self._row(segment, by, span, day, segment_value, value)

    def _row(self, segment: str, by: str, span: str, day: date, segment_value: str, value: str) -> dict:
        """The row of one slice, span, day and values, made empty the first time it is asked for."""
        key = (segment, by, span, day, segment_value, value)
        row = self.rows.get(key)
        if row is None:
            row = self.rows[key] = dict.fromkeys(COUNTED, 0) | {name: {} for name in TIMES}
            row.update(day=day, span=span, segment=segment, segment_value=segment_value, by=by, value=value)
        return row

    def add_months(self) -> None:
        """Month rows adding up whole months of day rows (all of each month's days must be among these)."""
        for row in [row for row in self.rows.values() if row["span"] == DailyFigure.Span.DAY]:
            month = self._row(
                row["segment"],
                row["by"],
                DailyFigure.Span.MONTH,
                row["day"].replace(day=1),
                row["segment_value"],
                row["value"],
            )
            for name in COUNTED:
                month[name] += row[name]
            for name in TIMES:
                steps.add(month[name], row[name])


def _counts(day_field: str) -> dict:
    """The aggregates of the measures (and sums) dated by `day_field`."""
    counts = {
        m.key: Count("pk", filter=m.condition) if m.condition else Count("pk")
        for m in MEASURES.values()
        if m.day == day_field
    }
    return counts | {name: Sum(field) for name, (day, field) in SUMS.items() if day == day_field}


def _timed(days: Days, name: str) -> tuple[QuerySet, str, str]:
    """The facts whose business time `name` counts, with their day field and step field."""
    day_field = TIMES[name][0]
    step = f"{name.removesuffix('_times')}_step"
    return TicketFact.objects.filter(days(day_field), timed(name)), day_field, step


# -- one slice at a time (any database) -----------------------------------------------------------------------


def _slice(days: Days, segment: str, by: str, figures: Figures) -> None:
    """Add up one slice's rows for the days `days` selects."""
    group = _fields(segment, by)
    for day_field in DAY_FIELDS:
        counts = _counts(day_field)
        grouped = TicketFact.objects.filter(days(day_field)).values(day_field, *group).annotate(**counts).order_by()
        for values in grouped:
            row = figures.row(segment, by, values[day_field], values)
            if row is not None:
                for name in counts:
                    row[name] = values[name] or 0
    for name in TIMES:
        facts, day_field, step = _timed(days, name)
        for values in facts.values(day_field, *group, step).annotate(n=Count("pk")).order_by():
            row = figures.row(segment, by, values[day_field], values)
            if row is not None:
                row[name][str(values[step])] = values["n"]


def one_slice_at_a_time(days: Days) -> Figures:
    figures = Figures()
    for segment, by in SLICES:
        _slice(days, segment, by, figures)
    figures.add_months()
    return figures


# -- every slice at once (PostgreSQL) ---------------------------------------------------------------------------


def _mask(fields: Iterable[str]) -> int:
    """What GROUPING(*FIELDS) answers for a row of the set grouped by `fields`: a bit for each field left out."""
    return sum(1 << (len(FIELDS) - 1 - i) for i, name in enumerate(FIELDS) if name not in fields)


def _plan() -> dict[int, list[tuple[str, str]]]:
    """The grouping sets to run, each with the slices added up from its rows. A slice whose fields are all
    among a larger slice's is the sum of that set's rows (every fact is in exactly one of them), so only
    the largest sets are grouped: 20 instead of 33, and the others are sums in Python."""
    own = {s: frozenset(_fields(*s)) for s in SLICES}
    largest = [fields for fields in dict.fromkeys(own.values()) if not any(fields < other for other in own.values())]
    plan: dict[int, list[tuple[str, str]]] = {}
    for s in SLICES:
        grouped_by = min((fields for fields in largest if own[s] <= fields), key=len)
        plan.setdefault(_mask(grouped_by), []).append(s)
    return plan


PLAN = _plan()


def _grouping_sets(query: QuerySet, always: tuple[str, ...], *, histogram: tuple[str, str] | None = None) -> Iterator:
    """Run a grouped `query` (values(*always, *FIELDS).annotate(...)) with the grouping sets of PLAN instead
    of one GROUP BY, and yield (slices, row) for every row: the slices it is added into.
    With `histogram` (step field, count), rows of one set and values are folded into one, its steps and
    their counts as two lists in the same order (cheaper to build than JSON: 48 s instead of 54 s for a
    million facts)."""
    quote = connection.ops.quote_name
    column = {name: f"{quote(TicketFact._meta.db_table)}.{quote(name)}" for name in (*always, *FIELDS)}
    grouping_sets = ", ".join(
        "(" + ", ".join(column[name] for name in (*always, *_unmasked(mask))) + ")" for mask in PLAN
    )
    sql, params = query.query.sql_with_params()
    head, found, _group_by = sql.rpartition(" GROUP BY ")
    if not found or not head.startswith("SELECT "):
        raise RuntimeError(f"not a grouped query Django wrote as expected: {sql[:200]}")
    mask = f"GROUPING({', '.join(column[name] for name in FIELDS)}) AS grouping_mask"
    sql = f"SELECT {mask}, {head.removeprefix('SELECT ')} GROUP BY GROUPING SETS ({grouping_sets})"
    if histogram:
        step, count = histogram
        kept = ", ".join(quote(name) for name in ("grouping_mask", *always, *FIELDS) if name != step)
        # Names and Django's own SQL only: every value is a parameter.
        folded = f"array_agg({quote(step)}) AS {quote(step)}, array_agg({quote(count)}) AS {quote(count)}"
        sql = f"SELECT {kept}, {folded} FROM ({sql}) AS grouped GROUP BY {kept}"  # noqa: S608
    with connection.cursor() as cursor:
        # Room to hash every set in one pass rather than sort the facts once per set.
        cursor.execute("SET LOCAL work_mem = '512MB'")
        cursor.execute(sql, params)
        names = [description.name for description in cursor.description]
        while chunk := cursor.fetchmany(10_000):
            for record in chunk:
                row = dict(zip(names, record, strict=True))
                yield PLAN[row["grouping_mask"]], row


def _unmasked(mask: int) -> tuple[str, ...]:
    return tuple(name for i, name in enumerate(FIELDS) if not mask & (1 << (len(FIELDS) - 1 - i)))


def every_slice_at_once(days: Days) -> Figures:
    figures = Figures()
    for day_field in DAY_FIELDS:
        counts = _counts(day_field)
        query = TicketFact.objects.filter(days(day_field)).values(day_field, *FIELDS).annotate(**counts).order_by()
        for slices, values in _grouping_sets(query, (day_field,)):
            for segment, by in slices:
                row = figures.row(segment, by, values[day_field], values)
                if row is not None:
                    for name in counts:
                        row[name] += values[name] or 0
    for name in TIMES:
        facts, day_field, step = _timed(days, name)
        query = facts.values(day_field, *FIELDS, step).annotate(n=Count("pk")).order_by()
        for slices, values in _grouping_sets(query, (day_field, step), histogram=(step, "n")):
            counted = {str(number): n for number, n in zip(values[step], values["n"], strict=True)}
            for segment, by in slices:
                row = figures.row(segment, by, values[day_field], values)
                if row is not None:
                    steps.add(row[name], counted)
    figures.add_months()
    return figures


def add_up(days: Days) -> list[dict]:
    """Every slice's day and month rows for the days `days` selects (whole months), as dicts of COLUMNS."""
    figures = every_slice_at_once(days) if connection.vendor == "postgresql" else one_slice_at_a_time(days)
    return list(figures.rows.values())


def _write(days: Days, delete: Q) -> int:
    """Add up the days `days` selects for every slice, with their months, in place of the rows `delete`
    selects (which must be those days' rows and their months' rows)."""
    with transaction.atomic():
        DailyFigure.objects.filter(delete).delete()
        rows = add_up(days)
        bulk.insert(DailyFigure, COLUMNS, ([row[name] for name in COLUMNS] for row in rows))
    return len(rows)


def _runs(months: list[date]) -> list[tuple[date, date]]:
    """Sorted first days of months as runs of months in a row: (first day, first day after)."""
    runs: list[tuple[date, date]] = []
    for month in months:
        if runs and runs[-1][1] == month:
            runs[-1] = (runs[-1][0], next_month(month))
        else:
            runs.append((month, next_month(month)))
    return runs


def recompute(days: Iterable[date]) -> int:
    """Add these days up again from their facts, with every other day of their months (a month's row
    adds up all of its days); returns how many rows were written. On PostgreSQL every month is added up
    in one round (a scan per kind of day however many months); elsewhere two months a round."""
    months = sorted({day.replace(day=1) for day in days})
    per_round = len(months) if connection.vendor == "postgresql" else MONTHS_A_ROUND
    written = 0
    for start in range(0, len(months), max(per_round, 1)):
        runs = _runs(months[start : start + per_round])

        def within(field: str, runs=runs) -> Q:
            return reduce(or_, (Q(**{f"{field}__gte": first, f"{field}__lt": after}) for first, after in runs))

        written += _write(within, within("day"))  # the months' day rows, and their month rows dated the 1st
    return written


def rebuild_all() -> int:
    """Every day and month anew: one pass over all facts per slice."""
    return _write(lambda field: Q(**{f"{field}__isnull": False}), Q())
