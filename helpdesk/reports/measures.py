"""What a report can count and break down by: each rule written once, here, and used both to add up the
daily roll-ups and to list the tickets behind a figure, so a figure and its tickets always agree."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.models.satisfaction import HAPPY, UNHAPPY
from sla.models import Verdict

TEXT_FIELDS = {"priority", "kind", "channel"}  # fact fields holding a choice's key; the others hold ids
SEPARATOR = ":"


@dataclass(frozen=True)
class Dimension:
    """Something a report is narrowed to or broken down by: one fact field, or several read as one
    ("service level and priority"). A value is the fields' values joined by ":", "" for none."""

    key: str
    label: str
    fields: tuple[str, ...]

    def value_of(self, row: dict) -> str:
        """The value a fact (or a grouped row of facts) has, as the daily figures keep it."""
        return SEPARATOR.join("" if row[name] is None else str(row[name]) for name in self.fields)

    def matching(self, value: str) -> Q | None:
        """The facts whose value is `value`; None when `value` cannot be one of this dimension's."""
        parts = value.split(SEPARATOR)
        if len(parts) != len(self.fields):
            return None
        condition = Q()
        for name, part in zip(self.fields, parts, strict=True):
            if name in TEXT_FIELDS:
                if not part.replace("_", "").isalnum() and part != "":
                    return None
                condition &= Q(**{name: part})
            elif part == "":
                condition &= Q(**{f"{name}__isnull": True})
            elif part.isascii() and part.isdigit() and len(part) <= 18:
                condition &= Q(**{name: int(part)})
            else:
                return None
        return condition


DIMENSIONS = {
    d.key: d
    for d in (
        Dimension("service", _("Service"), ("service_id",)),
        Dimension("team", _("Team"), ("team_id",)),
        Dimension("analyst", _("Analyst"), ("assignee_id",)),
        Dimension("division", _("Division"), ("division_id",)),
        Dimension("grade", _("Grade"), ("grade_id",)),
        Dimension("cost_centre", _("Cost centre"), ("cost_centre_id",)),
        Dimension("location", _("Location"), ("location_id",)),
        Dimension("priority", _("Priority"), ("priority",)),
        Dimension("kind", _("Kind"), ("kind",)),
        Dimension("channel", _("Came in by"), ("channel",)),
        Dimension("policy", _("Service level"), ("policy_id",)),
        # A service's tickets run under more than one service level (a premium tier): each target's
        # result is counted within its own level.
        Dimension("target", _("Service level and priority"), ("policy_id", "priority")),
    )
}
ALL = "all"  # the breakdown that is no breakdown: one row, the segment's total
EVERYONE = ""  # the segment that is everyone

# What a report may be broken down by, and which breakdowns are kept for which segment. A report is
# narrowed to everyone, one division or one team; a service and a service level are kept by target only,
# for the measured results published beside each commitment.
REPORT_BREAKDOWNS = tuple(key for key in DIMENSIONS if key != "target")
BREAKDOWNS = (ALL, *REPORT_BREAKDOWNS)
SEGMENTS: dict[str, tuple[str, ...]] = {
    EVERYONE: BREAKDOWNS,
    "division": BREAKDOWNS,
    "team": BREAKDOWNS,
    "service": (ALL, "target"),
    "policy": (ALL, "priority"),
}


@dataclass(frozen=True)
class Measure:
    """A count: the facts dated `day` (a TicketFact date field) within the period that match `condition`."""

    key: str
    label: str
    day: str
    condition: Q


MET, MISSED = Verdict.MET.value, Verdict.MISSED.value
JUDGED = (MET, MISSED)  # what compliance counts; withdrawn (cancelled) work is neither
MEASURES = {
    m.key: m
    for m in (
        Measure("raised", _("Raised"), "raised_on", Q()),
        Measure("resolved", _("Resolved"), "resolved_on", Q()),
        Measure("finished", _("Resolved or cancelled"), "finished_on", Q()),
        Measure("reopened", _("Reopened"), "resolved_on", Q(reopened=True)),
        Measure("first_contact", _("Resolved at first contact"), "resolved_on", Q(first_contact=True)),
        Measure("response_met", _("First response on time"), "responded_on", Q(response_verdict=MET)),
        Measure("response_missed", _("First response late"), "responded_on", Q(response_verdict=MISSED)),
        Measure("resolution_met", _("Resolved on time"), "judged_on", Q(resolution_verdict=MET)),
        Measure("resolution_missed", _("Resolved late"), "judged_on", Q(resolution_verdict=MISSED)),
        Measure("csat_asked", _("Asked how satisfied"), "resolved_on", Q(csat_asked=True)),
        Measure("csat_answered", _("Answered"), "resolved_on", Q(csat__isnull=False)),
        Measure("csat_happy", _("Satisfied (4 or 5)"), "resolved_on", Q(csat__gte=HAPPY)),
        Measure("csat_unhappy", _("Dissatisfied (1 or 2)"), "resolved_on", Q(csat__lte=UNHAPPY)),
    )
}
BACKLOG = "backlog"  # not a count of a day: what was raised by the end of the period and still open then
# Sums that are not counts of tickets: the total of the scores, for the average.
SUMS = {"csat_total": ("resolved_on", "csat")}
# Business times kept as counts per step (helpdesk/reports/steps.py): (day, seconds field, verdict field).
TIMES = {
    "response_times": ("responded_on", "response_time", "response_verdict"),
    "resolution_times": ("judged_on", "resolution_time", "resolution_verdict"),
}
TIME_LABELS = {"response_times": _("First responses timed"), "resolution_times": _("Resolutions timed")}


def timed(name: str) -> Q:
    """The facts whose business time `name` (a key of TIMES) is counted: judged, with a time."""
    _day, seconds, verdict = TIMES[name]
    return Q(**{f"{verdict}__in": JUDGED, f"{seconds}__isnull": False})


def label(measure: str) -> str:
    """What a figure counts, in words: a measure, a kind of business time, or the backlog."""
    if measure == BACKLOG:
        return _("Open at the end")
    return TIME_LABELS[measure] if measure in TIME_LABELS else MEASURES[measure].label


DAY_FIELDS = ("raised_on", "responded_on", "resolved_on", "judged_on", "finished_on")
