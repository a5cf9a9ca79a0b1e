"""The columns of a report's table, written once for the page and for its CSV and Excel exports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import tablib
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from catalogue.spreadsheet import safe
from helpdesk.reports.read import Figures, Report
from sla.timeline import business


@dataclass(frozen=True)
class Column:
    key: str  # an attribute of Figures
    label: str
    kind: str  # count, percent, time or average
    drill: str | None = None  # the measure whose tickets the cell opens
    of: str | None = None  # for a percentage: the attribute it is a share of ("94 % of 312")

    @property
    def drill_label(self) -> str:
        """What the cell's link opens, in words (a percentage opens the tickets that fell short of it)."""
        return str(MEASURE_WORDS.get(self.drill, ""))


MEASURE_WORDS = {
    "response_missed": _("see the late first responses"),
    "resolution_missed": _("see the late resolutions"),
    "reopened": _("see the reopened tickets"),
    "first_contact": _("see the tickets resolved at first contact"),
    "csat_answered": _("see the answers"),
    "csat_happy": _("see the satisfied answers"),
    "response_times": _("see the tickets timed, slowest first"),
    "resolution_times": _("see the tickets timed, slowest first"),
}
COLUMNS = (
    Column("raised", _("Raised"), "count", "raised"),
    Column("resolved", _("Resolved"), "count", "resolved"),
    Column("backlog", _("Open at the end"), "count", "backlog"),
    Column("response_percent", _("First response on time"), "percent", "response_missed", "response_judged"),
    Column("resolution_percent", _("Resolved on time"), "percent", "resolution_missed", "resolution_judged"),
    Column("response_median", _("First response, median"), "time", "response_times"),
    Column("response_p90", _("First response, 9 in 10 within"), "time", "response_times"),
    Column("resolution_median", _("Resolution, median"), "time", "resolution_times"),
    Column("resolution_p90", _("Resolution, 9 in 10 within"), "time", "resolution_times"),
    Column("reopen_percent", _("Reopened"), "percent", "reopened", "resolved"),
    Column("first_contact_percent", _("Resolved at first contact"), "percent", "first_contact", "resolved"),
    Column("csat_average", _("Satisfaction (1 to 5)"), "average", "csat_answered", "csat_answered"),
    Column("csat_percent", _("Satisfied (4 or 5)"), "percent", "csat_happy", "csat_answered"),
    Column("csat_rate", _("Answered the question"), "percent", "csat_answered", "csat_asked"),
    Column("csat_unhappy", _("Dissatisfied (1 or 2)"), "count", "csat_unhappy"),
)

# The figures shown large at the top of a report, in this order.
HEADLINE = tuple(
    column
    for key in (
        *("raised", "resolved", "backlog", "response_percent", "resolution_percent", "resolution_median"),
        *("first_contact_percent", "reopen_percent", "csat_average"),
    )
    for column in COLUMNS
    if column.key == key
)


def shown(value, kind: str) -> str:
    """A figure as every report page writes it, in the reader's language's way (decimal comma, thousands
    grouped): `kind` a Column's (count, percent, time, average); a time is a timedelta or whole seconds;
    none is a dash."""
    if value is None:
        return "–"
    if kind == "percent":
        return f"{number_format(value)} %"
    if kind == "time":
        return business(value if isinstance(value, timedelta) else timedelta(seconds=value))
    if kind == "average":
        return number_format(value, decimal_pos=1)
    if kind == "count" and isinstance(value, int):
        return number_format(value, force_grouping=True)
    return str(value)


def hours(value: timedelta | None) -> float | None:
    return None if value is None else round(value.total_seconds() / 3600, 2)


def export(report: Report, *, first_column: str) -> tablib.Dataset:
    """The table as data: one row per breakdown value and the total; times in hours of business time,
    percentages as whole numbers, with the count each is a share of beside it."""
    headers = [first_column]
    for column in COLUMNS:
        if column.kind == "time":
            headers.append(_("%(label)s (business hours)") % {"label": column.label})
        elif column.kind == "percent":
            headers += [f"{column.label} (%)", _("%(label)s: out of") % {"label": column.label}]
        else:
            headers.append(str(column.label))
    data = tablib.Dataset(headers=headers, title=str(_("Report"))[:31])

    def line(label: str, figures: Figures) -> list:
        cells: list = [label]
        for column in COLUMNS:
            value = getattr(figures, column.key)
            if column.kind == "time":
                cells.append(hours(value))
            elif column.kind == "percent":
                cells += [value, getattr(figures, column.of)]
            else:
                cells.append(value)
        return cells

    for row in report.rows:
        data.append([safe(cell) for cell in line(row.label, row)])
    data.append(line(str(_("All")), report.total))
    return data


def tickets(facts) -> tablib.Dataset:
    """The tickets behind a figure, one row each (facts with their tickets selected)."""
    data = tablib.Dataset(
        headers=[
            str(_("Reference")),
            str(_("Summary")),
            str(_("Service")),
            str(_("Team")),
            str(_("Analyst")),
            str(_("Priority")),
            str(_("Raised")),
            str(_("Resolved")),
            str(_("First response")),
            str(_("First response (business hours)")),
            str(_("Resolution")),
            str(_("Resolution (business hours)")),
            str(_("Satisfaction")),
        ],
        title=str(_("Tickets")),
    )
    verdicts = {"met": str(_("on time")), "missed": str(_("late")), "": ""}
    for fact in facts.iterator(chunk_size=2000):
        ticket = fact.ticket
        data.append(
            [
                safe(cell)
                for cell in [
                    ticket.reference,
                    ticket.title,
                    ticket.service.name if ticket.service else "",
                    ticket.team.name,
                    str(ticket.assignee) if ticket.assignee else "",
                    ticket.get_priority_display(),
                    fact.raised_on.isoformat(),
                    fact.resolved_on.isoformat() if fact.resolved_on else "",
                    verdicts[fact.response_verdict],
                    None if fact.response_time is None else round(fact.response_time / 3600, 2),
                    verdicts[fact.resolution_verdict],
                    None if fact.resolution_time is None else round(fact.resolution_time / 3600, 2),
                    fact.csat,
                ]
            ]
        )
    return data
