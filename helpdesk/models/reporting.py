"""What reports read: one fact row per ticket, and daily roll-ups of those facts.

A ticket's fact says which days it counts on (raised, first response judged, resolved, resolution
judged, left the backlog), who and what it was for, and its outcomes. The days are local dates in the
organisation's one reporting time zone (settings.REPORTING_TIME_ZONE), so every report, whoever reads
it, has the same month boundaries. Facts are rebuilt from the tickets whenever a ticket changes
(helpdesk/reports/facts.py); `DailyFigure` rows add them up per day (helpdesk/reports/rollup.py), and
reports add up days. Nothing here is typed by a person.
"""

from __future__ import annotations

from django.db import models

from helpdesk.models.tickets import Ticket


class TicketFact(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="+")
    raised_on = models.DateField()
    responded_on = models.DateField(null=True, blank=True, help_text="The first-response target was judged.")
    resolved_on = models.DateField(null=True, blank=True, help_text="Resolved (None while not resolved).")
    judged_on = models.DateField(null=True, blank=True, help_text="The resolution target was judged.")
    finished_on = models.DateField(null=True, blank=True, help_text="Left the backlog: resolved or cancelled.")
    # Who and what, as ids: names are read when a report is shown, so a renamed team reads as it is now.
    service_id = models.BigIntegerField(null=True, blank=True)
    team_id = models.BigIntegerField(null=True, blank=True)
    assignee_id = models.BigIntegerField(null=True, blank=True)
    division_id = models.BigIntegerField(null=True, blank=True)
    grade_id = models.BigIntegerField(null=True, blank=True)
    cost_centre_id = models.BigIntegerField(null=True, blank=True)
    location_id = models.BigIntegerField(null=True, blank=True)
    policy_id = models.BigIntegerField(null=True, blank=True)
    priority = models.CharField(max_length=2, blank=True)
    kind = models.CharField(max_length=10, blank=True)
    channel = models.CharField(max_length=10, blank=True)
    # Outcomes.
    response_verdict = models.CharField(max_length=9, blank=True, help_text="met or missed; empty when not judged.")
    response_time = models.PositiveIntegerField(null=True, blank=True, help_text="Business seconds used.")
    response_step = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Its step (reports/steps.py).")
    resolution_verdict = models.CharField(max_length=9, blank=True)
    resolution_time = models.PositiveIntegerField(null=True, blank=True)
    resolution_step = models.PositiveSmallIntegerField(null=True, blank=True)
    reopened = models.BooleanField(default=False)
    first_contact = models.BooleanField(default=False)
    csat = models.PositiveSmallIntegerField(null=True, blank=True, help_text="The satisfaction score, 1-5.")
    csat_asked = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["raised_on"], name="fact_raised"),
            models.Index(fields=["responded_on"], name="fact_responded"),
            models.Index(fields=["resolved_on"], name="fact_resolved"),
            models.Index(fields=["judged_on"], name="fact_judged"),
            models.Index(fields=["finished_on"], name="fact_finished"),
        ]

    def __str__(self) -> str:
        return f"Facts of ticket {self.ticket_id}"


class DailyFigure(models.Model):
    """The facts of one day added up for one slice: a segment (everyone, one division, one team...) broken
    down by one dimension (`by`; "all" for the segment's total). Counts add across days; business times
    are kept as counts per step of time (helpdesk/reports/steps.py), which add too."""

    class Span(models.TextChoices):
        DAY = "day", "a day"
        MONTH = "month", "a month"

    # A month's row adds up its days' rows (dated the 1st), so a quarter reads three rows a value, not
    # ninety: a report reads whole months from month rows and only the days at its edges from day rows.
    day = models.DateField()
    span = models.CharField(max_length=5, choices=Span.choices, default=Span.DAY)
    segment = models.CharField(max_length=20, blank=True)
    segment_value = models.CharField(max_length=40, blank=True)
    by = models.CharField(max_length=20)
    value = models.CharField(max_length=40, blank=True)
    raised = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    finished = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    first_contact = models.PositiveIntegerField(default=0)
    response_met = models.PositiveIntegerField(default=0)
    response_missed = models.PositiveIntegerField(default=0)
    resolution_met = models.PositiveIntegerField(default=0)
    resolution_missed = models.PositiveIntegerField(default=0)
    csat_asked = models.PositiveIntegerField(default=0)
    csat_answered = models.PositiveIntegerField(default=0)
    csat_total = models.PositiveIntegerField(default=0)
    csat_happy = models.PositiveIntegerField(default=0)
    csat_unhappy = models.PositiveIntegerField(default=0)
    response_times = models.JSONField(default=dict, blank=True)
    resolution_times = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            # Also the index a report reads by: one slice, a range of days.
            models.UniqueConstraint(
                fields=["segment", "segment_value", "by", "span", "day", "value"], name="daily_figure_one_per_slice"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="daily_figure_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.segment or 'everyone'}={self.segment_value} by {self.by}={self.value}"


class ReportState(models.Model):
    """The one row that says how far the facts are brought up to date, and in which time zone."""

    key = models.CharField(max_length=20, unique=True, default="facts")
    changes_seen_until = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Reports up to {self.changes_seen_until}"
