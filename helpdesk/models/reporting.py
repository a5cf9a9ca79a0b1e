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
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import Ticket


class TicketFact(models.Model):
    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name=_("ticket")
    )
    raised_on = models.DateField(_("raised on"))
    responded_on = models.DateField(
        _("first response judged on"), null=True, blank=True, help_text=_("The first-response target was judged.")
    )
    resolved_on = models.DateField(
        _("resolved on"), null=True, blank=True, help_text=_("Resolved (empty while not resolved).")
    )
    judged_on = models.DateField(
        _("resolution judged on"), null=True, blank=True, help_text=_("The resolution target was judged.")
    )
    finished_on = models.DateField(
        _("finished on"), null=True, blank=True, help_text=_("Left the backlog: resolved or cancelled.")
    )
    # Who and what, as ids: names are read when a report is shown, so a renamed team reads as it is now.
    service_id = models.BigIntegerField(_("service"), null=True, blank=True)
    team_id = models.BigIntegerField(_("team"), null=True, blank=True)
    assignee_id = models.BigIntegerField(_("assignee"), null=True, blank=True)
    division_id = models.BigIntegerField(_("division"), null=True, blank=True)
    grade_id = models.BigIntegerField(_("grade"), null=True, blank=True)
    cost_centre_id = models.BigIntegerField(_("cost centre"), null=True, blank=True)
    location_id = models.BigIntegerField(_("location"), null=True, blank=True)
    policy_id = models.BigIntegerField(_("service-level policy"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=2, blank=True)
    kind = models.CharField(_("kind"), max_length=10, blank=True)
    channel = models.CharField(_("came in by"), max_length=10, blank=True)
    # Outcomes.
    response_verdict = models.CharField(
        _("first response verdict"), max_length=9, blank=True, help_text=_("Met or missed; empty when not judged.")
    )
    response_time = models.PositiveIntegerField(
        _("first response time"), null=True, blank=True, help_text=_("Business time used, in seconds.")
    )
    response_step = models.PositiveSmallIntegerField(
        _("first response time step"),
        null=True,
        blank=True,
        help_text=_("The step of time it falls in, as reports count them."),
    )
    resolution_verdict = models.CharField(_("resolution verdict"), max_length=9, blank=True)
    resolution_time = models.PositiveIntegerField(_("resolution time"), null=True, blank=True)
    resolution_step = models.PositiveSmallIntegerField(_("resolution time step"), null=True, blank=True)
    reopened = models.BooleanField(_("reopened"), default=False)
    first_contact = models.BooleanField(_("resolved at first contact"), default=False)
    csat = models.PositiveSmallIntegerField(
        _("satisfaction score"), null=True, blank=True, help_text=_("The satisfaction score, 1-5.")
    )
    csat_asked = models.BooleanField(_("satisfaction asked"), default=False)

    class Meta:
        indexes = [
            models.Index(fields=["raised_on"], name="fact_raised"),
            models.Index(fields=["responded_on"], name="fact_responded"),
            models.Index(fields=["resolved_on"], name="fact_resolved"),
            models.Index(fields=["judged_on"], name="fact_judged"),
            models.Index(fields=["finished_on"], name="fact_finished"),
        ]
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")

    def __str__(self) -> str:
        return f"Facts of ticket {self.ticket_id}"


class DailyFigure(models.Model):
    """The facts of one day added up for one slice: a segment (everyone, one division, one team...) broken
    down by one dimension (`by`; "all" for the segment's total). Counts add across days; business times
    are kept as counts per step of time (helpdesk/reports/steps.py), which add too."""

    class Span(models.TextChoices):
        DAY = "day", _("a day")
        MONTH = "month", _("a month")

    # A month's row adds up its days' rows (dated the 1st), so a quarter reads three rows a value, not
    # ninety: a report reads whole months from month rows and only the days at its edges from day rows.
    day = models.DateField(_("day"))
    span = models.CharField(_("span"), max_length=5, choices=Span.choices, default=Span.DAY)
    segment = models.CharField(_("segment"), max_length=20, blank=True)
    segment_value = models.CharField(_("segment value"), max_length=40, blank=True)
    by = models.CharField(_("broken down by"), max_length=20)
    value = models.CharField(_("value"), max_length=40, blank=True)
    raised = models.PositiveIntegerField(_("raised"), default=0)
    resolved = models.PositiveIntegerField(_("resolved"), default=0)
    finished = models.PositiveIntegerField(_("finished"), default=0)
    reopened = models.PositiveIntegerField(_("reopened"), default=0)
    first_contact = models.PositiveIntegerField(_("resolved at first contact"), default=0)
    response_met = models.PositiveIntegerField(_("first responses met"), default=0)
    response_missed = models.PositiveIntegerField(_("first responses missed"), default=0)
    resolution_met = models.PositiveIntegerField(_("resolutions met"), default=0)
    resolution_missed = models.PositiveIntegerField(_("resolutions missed"), default=0)
    csat_asked = models.PositiveIntegerField(_("satisfaction asked"), default=0)
    csat_answered = models.PositiveIntegerField(_("satisfaction answered"), default=0)
    csat_total = models.PositiveIntegerField(_("satisfaction score total"), default=0)
    csat_happy = models.PositiveIntegerField(_("satisfied answers"), default=0)
    csat_unhappy = models.PositiveIntegerField(_("dissatisfied answers"), default=0)
    response_times = models.JSONField(_("first response times"), default=dict, blank=True)
    resolution_times = models.JSONField(_("resolution times"), default=dict, blank=True)

    class Meta:
        constraints = [
            # Also the index a report reads by: one slice, a range of days.
            models.UniqueConstraint(
                fields=["segment", "segment_value", "by", "span", "day", "value"], name="daily_figure_one_per_slice"
            ),
        ]
        indexes = [models.Index(fields=["day"], name="daily_figure_day")]
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")

    def __str__(self) -> str:
        return f"{self.day} {self.segment or 'everyone'}={self.segment_value} by {self.by}={self.value}"


class ReportState(models.Model):
    """The one row that says how far the facts are brought up to date, and in which time zone."""

    key = models.CharField(_("key"), max_length=20, unique=True, default="facts")
    changes_seen_until = models.DateTimeField(_("changes seen until"), null=True, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report state")
        verbose_name_plural = _("report states")

    def __str__(self) -> str:
        return f"Reports up to {self.changes_seen_until}"
