"""Service-level policies: targets for first response and resolution per priority, on a calendar."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from sla.models.calendars import Calendar
from sla.tiers import Tier, tier_for


class Priority(models.TextChoices):
    P1 = "P1", _("P1 critical")
    P2 = "P2", _("P2 high")
    P3 = "P3", _("P3 medium")
    P4 = "P4", _("P4 low")


class TargetKind(models.TextChoices):
    RESPONSE = "response", _("first response")
    RESOLUTION = "resolution", _("resolution")
    PROVIDER = "provider", _("provider's part")


class Policy(ClusterableModel):
    """A promise: how fast we respond and resolve at each priority, measured on a calendar."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        related_name="policies",
        verbose_name=_("calendar"),
        help_text=_("The hours the targets are counted in."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (percentage of target)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("The team is warned when this share of the target has been used."),
    )
    is_default = models.BooleanField(
        _("default policy"), default=False, help_text=_("Used for services without a policy of their own.")
    )
    premium_policy = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("premium policy"),
        help_text=_("Faster targets for requesters at or above the grade level below."),
    )
    premium_from_grade_level = models.PositiveSmallIntegerField(_("premium from grade level"), null=True, blank=True)
    escalate_to = models.EmailField(
        _("escalate breaches to"),
        blank=True,
        help_text=_("Besides the owning team, who hears when a target is breached."),
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldRowPanel([FieldPanel("calendar"), FieldPanel("warning_percent"), FieldPanel("is_default")]),
        FieldPanel("escalate_to"),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("premium_policy"), FieldPanel("premium_from_grade_level")])],
            heading=_("Entitled tiers"),
        ),
        InlinePanel("targets", label=_("Targets")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="sla_one_default_policy"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if bool(self.premium_policy_id) != (self.premium_from_grade_level is not None):
            raise ValidationError(_("Give both a premium policy and the grade level it starts at, or neither."))
        if self.premium_policy_id and self.premium_policy_id == self.pk:
            raise ValidationError({"premium_policy": _("A policy cannot be its own premium tier.")})

    @classmethod
    def default(cls) -> Policy | None:
        """The default policy; None when no policy is marked default."""
        return cls.objects.filter(is_default=True).select_related("calendar").first()

    def tier(self, grade_level: int | None) -> Tier[Policy]:
        """The policy a requester at `grade_level` (None: no grade) is measured by, and whether it is the
        premium tier: by the one rule in `sla.tiers`, which the catalogue quotes with too."""
        premium = self.premium_policy if self.premium_policy_id else None
        return tier_for(
            self, premium=premium, premium_from_level=self.premium_from_grade_level, grade_level=grade_level
        )

    def target(self, priority: str, kind: str) -> Target | None:
        """The target for a priority and kind; None when the policy sets none (nothing is measured)."""
        return next((t for t in self.targets.all() if t.priority == priority and t.kind == kind), None)


class Target(Orderable):
    policy = ParentalKey(Policy, on_delete=models.CASCADE, related_name="targets", verbose_name=_("policy"))
    priority = models.CharField(_("priority"), max_length=2, choices=Priority.choices)
    kind = models.CharField(
        _("target"),
        max_length=12,
        choices=[
            (TargetKind.RESPONSE, TargetKind.RESPONSE.label),
            (TargetKind.RESOLUTION, TargetKind.RESOLUTION.label),
        ],
    )
    duration = models.DurationField(
        _("within (business time)"), help_text=_("Hours:minutes of open time, e.g. 4:00:00 for four hours.")
    )
    calendar = models.ForeignKey(
        Calendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("counted on"),
        help_text=_("Leave empty for the policy's calendar; choose 24/7 for round-the-clock."),
    )
    pauses_while_waiting = models.BooleanField(_("pauses while we wait on the requester"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("priority"), FieldPanel("kind"), FieldPanel("duration")]),
        FieldRowPanel([FieldPanel("calendar"), FieldPanel("pauses_while_waiting")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority", "kind"], name="sla_one_target_per_priority_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.priority} {self.get_kind_display()} within {self.duration}"

    def clean(self) -> None:
        super().clean()
        if self.duration is not None and self.duration <= timedelta(0):
            raise ValidationError({"duration": _("A target must be longer than zero.")})

    @property
    def effective_calendar_id(self) -> int:
        return self.calendar_id or self.policy.calendar_id
