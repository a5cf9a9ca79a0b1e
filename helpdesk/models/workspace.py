"""What a team keeps to work faster and to tell people how things stand: canned replies and planned
maintenance (the service status reads the latter with open major incidents, helpdesk/status.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import MESSAGE_LIMIT, TITLE_LIMIT
from sla.models import Priority


class CannedAction(models.TextChoices):
    """What a canned reply may also do: a transition the team takes (its name in the state machine)."""

    START = "start", _("Start work")
    WAIT_ON_REQUESTER = "wait_on_requester", _("Ask the requester (wait on them)")
    WAIT_ON_PROVIDER = "wait_on_provider", _("Wait on the supplier")
    RESOLVE = "resolve", _("Resolve")


class CannedReply(models.Model):
    """A reply a team sends often, kept per team; choosing it fills the composer and may set the state
    or the priority when sent."""

    team = models.ForeignKey(
        "helpdesk.Team", on_delete=models.CASCADE, related_name="canned_replies", verbose_name=_("team")
    )
    title = models.CharField(_("title"), max_length=80)
    body = models.TextField(_("text"), max_length=MESSAGE_LIMIT)
    action = models.CharField(_("also"), max_length=20, choices=CannedAction.choices, blank=True)
    priority = models.CharField(_("and set the priority to"), max_length=2, choices=Priority.choices, blank=True)

    class Meta:
        ordering = ["team", "title"]
        verbose_name = _("canned reply")
        verbose_name_plural = _("canned replies")
        constraints = [models.UniqueConstraint(fields=["team", "title"], name="canned_reply_title_per_team")]

    def __str__(self) -> str:
        return self.title


class Effect(models.TextChoices):
    """How a service stands, worst last."""

    OPERATIONAL = "operational", _("Operational")
    DEGRADED = "degraded", _("Degraded")
    DOWN = "down", _("Down")


class Maintenance(models.Model):
    """Planned work on services: shown on the status page and in the banner while it runs."""

    title = models.CharField(_("what is being done"), max_length=TITLE_LIMIT)
    details = models.TextField(_("details"), blank=True, max_length=2_000)
    services = models.ManyToManyField("catalogue.Service", related_name="maintenance", verbose_name=_("services"))
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    effect = models.CharField(
        _("while it runs, the services are"), max_length=12, choices=Effect.choices, default=Effect.DEGRADED
    )

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("planned maintenance")
        verbose_name_plural = _("planned maintenance")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="maintenance_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.title
