"""Keeping score beyond the tickets: problems (one cause behind many incidents), the improvement register
(what the team means to make better, and where it came from), and the board report kept per month."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import DESCRIPTION_LIMIT, TITLE_LIMIT


class Problem(models.Model):
    """The one cause behind incidents: they point at it (`Ticket.problem`); resolving it tells their
    requesters."""

    class Status(models.TextChoices):
        OPEN = "open", _("Being investigated")
        KNOWN_ERROR = "known_error", _("Cause known, fix to come")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    cause = models.TextField(_("cause"), blank=True, max_length=DESCRIPTION_LIMIT)
    workaround = models.TextField(_("workaround"), blank=True, max_length=DESCRIPTION_LIMIT)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    team = models.ForeignKey(
        "helpdesk.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
        verbose_name=_("team"),
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    resolution = models.TextField(_("resolution"), blank=True, max_length=DESCRIPTION_LIMIT)
    created_at = models.DateTimeField(_("created at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("problem")
        verbose_name_plural = _("problems")

    def __str__(self) -> str:
        return self.title


class Improvement(models.Model):
    """An action in the improvement register: where it came from, who owns it, how far it is."""

    class Source(models.TextChoices):
        FOLLOW_UP = "follow_up", _("A poor satisfaction answer followed up")
        RECURRING = "recurring", _("Recurring incidents")
        SURVEY = "survey", _("A staff survey comment")
        SUGGESTION = "suggestion", _("A staff suggestion")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    title = models.CharField(_("title"), max_length=TITLE_LIMIT)
    description = models.TextField(_("what and why"), blank=True, max_length=DESCRIPTION_LIMIT)
    source = models.CharField(_("came from"), max_length=12, choices=Source.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PROPOSED)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "helpdesk.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("team"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    follow_up = models.ForeignKey(
        "helpdesk.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("follow-up"),
    )
    problem = models.ForeignKey(
        Problem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvements",
        verbose_name=_("problem"),
    )
    tickets = models.ManyToManyField(
        "helpdesk.Ticket", blank=True, related_name="improvements", verbose_name=_("tickets")
    )
    created_at = models.DateTimeField(_("created at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("improvement")
        verbose_name_plural = _("improvements")

    def __str__(self) -> str:
        return self.title


def _private_storage():
    from django.core.files.storage import storages

    return storages["private"]


class BoardReport(models.Model):
    """The board's report for one month, never changed once made: making it again is a new version,
    which says why."""

    month = models.DateField(_("month"), help_text=_("The month's first day."))
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    reason = models.CharField(_("reason"), max_length=300, blank=True, help_text=_("Why this version was made."))
    generated_at = models.DateTimeField(_("made at"))
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("made by"),
    )
    figures = models.JSONField(_("figures"), default=dict)
    # One document for the board in one language, the site's (LANGUAGE_CODE) when it was made; its page
    # says so to a reader of another language.
    language = models.CharField(_("language"), max_length=10, default="en")
    html = models.TextField(_("report (HTML)"), blank=True)
    pdf = models.FileField(_("report (PDF)"), storage=_private_storage, upload_to="board/%Y/", blank=True)
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        ordering = ["-month", "-version"]
        constraints = [models.UniqueConstraint(fields=["month", "version"], name="board_report_month_version")]
        verbose_name = _("board report")
        verbose_name_plural = _("board reports")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} v{self.version}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("board-report", args=[f"{self.month:%Y-%m}"])
