"""Reading reports: figures for a period from the daily roll-ups, and the tickets behind any figure.

A report never reads the ticket table for its figures: one query for the period's rows, one for the
period before, one for the backlog and one for the names, however many tickets the period holds.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from catalogue.models import RequestKind, Service
from helpdesk.models import Channel, CostCentre, DailyFigure, Division, Grade, Location, Team, TicketFact, User
from helpdesk.models.people import display_name
from helpdesk.reports import steps
from helpdesk.reports.measures import ALL, BACKLOG, DIMENSIONS, EVERYONE, MEASURES, SUMS, TIMES, timed
from helpdesk.reports.periods import Period, next_month
from helpdesk.verdicts import percent
from sla.models import Policy, Priority

COUNTS = (*MEASURES, *SUMS)


@dataclass
class Figures:
    """What was counted for one row of a report (or its total) over a period."""

    value: str = ""
    label: str = ""
    backlog: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTS, 0))
    times: dict[str, dict[str, int]] = field(default_factory=lambda: {name: {} for name in TIMES})

    def add(self, row: dict) -> None:
        for name in COUNTS:
            self.counts[name] += row[name]
        for name in TIMES:
            steps.add(self.times[name], row[name])

    def __getattr__(self, name: str) -> int:
        counts = self.__dict__.get("counts")
        if counts is not None and name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def response_judged(self) -> int:
        return self.response_met + self.response_missed

    @property
    def resolution_judged(self) -> int:
        return self.resolution_met + self.resolution_missed

    @property
    def response_percent(self) -> int | None:
        return percent(self.response_met, self.response_judged)

    @property
    def resolution_percent(self) -> int | None:
        return percent(self.resolution_met, self.resolution_judged)

    @property
    def reopen_percent(self) -> int | None:
        return percent(self.reopened, self.resolved)

    @property
    def first_contact_percent(self) -> int | None:
        return percent(self.first_contact, self.resolved)

    @property
    def csat_average(self) -> float | None:
        return round(self.csat_total / self.csat_answered, 1) if self.csat_answered else None

    @property
    def csat_percent(self) -> int | None:
        """Satisfied (4 or 5) of those who answered."""
        return percent(self.csat_happy, self.csat_answered)

    @property
    def csat_rate(self) -> int | None:
        """Who answered, of those asked."""
        return percent(self.csat_answered, self.csat_asked)

    def _time(self, name: str, fraction: float) -> timedelta | None:
        seconds = steps.percentile(self.times[name], fraction)
        return None if seconds is None else timedelta(seconds=seconds)

    @property
    def response_median(self) -> timedelta | None:
        return self._time("response_times", 0.5)

    @property
    def response_p90(self) -> timedelta | None:
        return self._time("response_times", 0.9)

    @property
    def resolution_median(self) -> timedelta | None:
        return self._time("resolution_times", 0.5)

    @property
    def resolution_p90(self) -> timedelta | None:
        return self._time("resolution_times", 0.9)


@dataclass
class Slice:
    """Which rows a report reads: everyone or one division or team, broken down by one dimension."""

    segment: str = EVERYONE
    segment_value: str = ""
    by: str = ALL


@dataclass
class Report:
    period: Period
    previous: Period
    slice: Slice
    rows: list[Figures]
    total: Figures
    before_total: Figures  # the period before, for the trend beside each figure
    before: dict[str, Figures]  # the period before, by breakdown value
    by_priority: list[Figures]  # compliance per target: the segment's figures per priority
    trend: list[dict]  # per day, week or month of the period: raised, resolved, compliance


NONE_LABELS = {
    "service": _("No service"),
    "analyst": _("Nobody yet"),
    "division": _("No division"),
    "grade": _("No grade"),
    "cost_centre": _("No cost centre"),
    "location": _("No location"),
    "policy": _("No service level"),
}
CHOICES = {"priority": dict(Priority.choices), "kind": dict(RequestKind.choices), "channel": dict(Channel.choices)}
MODELS = {
    "service": Service,
    "team": Team,
    "division": Division,
    "grade": Grade,
    "location": Location,
    "policy": Policy,
}


def names(by: str, values: list[str]) -> dict[str, str]:
    """The names of a dimension's values, as they read today (one query; none for fixed choices)."""
    if by in CHOICES:
        return {value: str(CHOICES[by].get(value, value)) for value in values}
    ids = [int(value) for value in values if value]
    found: dict[str, str] = {}
    if by == "analyst":
        people = User.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username")
        found = {str(pk): display_name(first, last, username) for pk, first, last, username in people}
    elif by == "cost_centre":
        centres = CostCentre.objects.filter(pk__in=ids).values_list("pk", "code", "name")
        found = {str(pk): f"{code} {name}" for pk, code, name in centres}
    elif by in MODELS:
        found = {str(pk): name for pk, name in MODELS[by].objects.filter(pk__in=ids).values_list("pk", "name")}
    if "" in values:
        found[""] = str(NONE_LABELS.get(by, _("None")))
    return found


DAY, MONTH = DailyFigure.Span.DAY, DailyFigure.Span.MONTH


def spans(first: date, last: date) -> Q:
    """The rows that add up exactly the days from `first` to `last`: a month's row for each whole month
    among them, day rows for the days at either edge."""
    months, edges, day = [], Q(pk__in=[]), first
    while day <= last:
        after = next_month(day)
        if day.day == 1 and after - timedelta(days=1) <= last:
            months.append(day)
        else:
            edges |= Q(span=DAY, day__gte=day, day__lte=min(after - timedelta(days=1), last))
        day = after
    return Q(span=MONTH, day__in=months) | edges


def until(last: date) -> Q:
    """The rows that add up every day up to `last`, for what was still open then."""
    month = last.replace(day=1)
    if next_month(last) - timedelta(days=1) == last:
        return Q(span=MONTH, day__lte=month)
    return Q(span=MONTH, day__lt=month) | Q(span=DAY, day__gte=month, day__lte=last)


def _rows(chosen: Slice, period: Period, *also: str, days: bool = False) -> QuerySet:
    """A slice's rows adding up `period`, for its breakdown, its total and `also`; with `days`, the
    total by day (for the trend) rather than by month."""
    breakdowns = {chosen.by, ALL, *also}
    wanted = Q(by__in=breakdowns) & spans(period.first, period.last)
    if days:
        by_day = Q(by=ALL, span=DAY, day__gte=period.first, day__lte=period.last)
        wanted = by_day | Q(by__in=breakdowns - {ALL}) & spans(period.first, period.last)
    return DailyFigure.objects.filter(wanted, segment=chosen.segment, segment_value=chosen.segment_value).values(
        "day", "by", "value", *COUNTS, *TIMES
    )


def report(period: Period, chosen: Slice) -> Report:
    """The figures of `period` for one slice, with the period before beside them (four queries, five
    with names to read), however many tickets the period holds."""
    previous = period.previous()
    total, rows, priorities = Figures(), defaultdict(Figures), defaultdict(Figures)
    days: dict[date, Figures] = defaultdict(Figures)
    for row in _rows(chosen, period, "priority", days=True):
        if row["by"] == ALL:
            total.add(row)
            days[row["day"]].add(row)
        if row["by"] == "priority":
            priorities[row["value"]].add(row)
        if row["by"] == chosen.by != ALL:
            rows[row["value"]].add(row)
    before_total, before = Figures(), defaultdict(Figures)
    for row in _rows(chosen, previous):
        if row["by"] == ALL:
            before_total.add(row)
        if row["by"] == chosen.by != ALL:
            before[row["value"]].add(row)
    backlog = (
        DailyFigure.objects.filter(
            until(period.last), segment=chosen.segment, segment_value=chosen.segment_value, by__in={chosen.by, ALL}
        )
        .values("by", "value")
        .annotate(raised=Sum("raised"), finished=Sum("finished"))
        .order_by()
    )
    for row in backlog:
        still_open = row["raised"] - row["finished"]
        if row["by"] == ALL:
            total.backlog = still_open
        if row["by"] == chosen.by != ALL:
            rows[row["value"]].backlog = still_open
    # A row that did nothing in the period and had nothing open at its end (a former analyst) is left out.
    rows = {value: f for value, f in rows.items() if f.backlog or any(f.counts.values())}
    labels = names(chosen.by, list(rows)) if chosen.by != ALL else {}
    for value, figures in rows.items():
        figures.value, figures.label = value, labels.get(value, value)
    total.label = str(_("All"))
    by_priority = []
    for value, label in Priority.choices:
        if value in priorities:
            priorities[value].value, priorities[value].label = value, str(label)
            by_priority.append(priorities[value])
    return Report(
        period=period,
        previous=previous,
        slice=chosen,
        rows=sorted(rows.values(), key=lambda f: (-(f.raised + f.resolved), f.label)),
        total=total,
        before_total=before_total,
        before=dict(before),
        by_priority=by_priority,
        trend=trend(period, days),
    )


def trend(period: Period, days: dict[date, Figures]) -> list[dict]:
    """The period in steps a chart can show: days up to five weeks, weeks up to half a year, else months.
    Each step: its first and last day, raised, resolved, and resolution compliance."""
    if period.days <= 35:
        start_of = lambda day: day  # noqa: E731
    elif period.days <= 190:
        start_of = lambda day: day - timedelta(days=day.weekday())  # noqa: E731
    else:
        start_of = lambda day: day.replace(day=1)  # noqa: E731
    steps_: dict[date, Figures] = {}
    day = period.first
    while day <= period.last:
        steps_.setdefault(start_of(day), Figures())
        if day in days:
            target = steps_[start_of(day)]
            for name in COUNTS:
                target.counts[name] += days[day].counts[name]
        day += timedelta(days=1)
    starts = sorted(steps_)
    return [
        {
            "first": max(start, period.first),
            "last": min((starts[i + 1] - timedelta(days=1)) if i + 1 < len(starts) else period.last, period.last),
            "raised": steps_[start].raised,
            "resolved": steps_[start].resolved,
            "resolution_percent": steps_[start].resolution_percent,
        }
        for i, start in enumerate(starts)
    ]


# -- the tickets behind a figure --------------------------------------------------------------------------


def tickets_behind(period: Period, chosen: Slice, value: str | None, measure: str) -> QuerySet[TicketFact]:
    """The facts counted in one figure: `measure` (a key of MEASURES, of TIMES, or "backlog") in `period`,
    for the slice's segment and, unless `value` is None, the breakdown value. Counting them gives the
    figure (for a kind of time: the number of times its median and 9-in-10 figures are read from)."""
    facts = TicketFact.objects.all()
    if chosen.segment != EVERYONE:
        facts = facts.filter(DIMENSIONS[chosen.segment].matching(chosen.segment_value) or Q(pk__in=[]))
    if value is not None and chosen.by != ALL:
        facts = facts.filter(DIMENSIONS[chosen.by].matching(value) or Q(pk__in=[]))
    if measure == BACKLOG:
        return facts.filter(Q(finished_on__isnull=True) | Q(finished_on__gt=period.last), raised_on__lte=period.last)
    if measure in TIMES:  # the times a median or a 9-in-10 figure is read from
        day = TIMES[measure][0]
        return facts.filter(timed(measure), **{f"{day}__gte": period.first, f"{day}__lte": period.last})
    chosen_measure = MEASURES[measure]
    return facts.filter(
        chosen_measure.condition,
        **{f"{chosen_measure.day}__gte": period.first, f"{chosen_measure.day}__lte": period.last},
    )
