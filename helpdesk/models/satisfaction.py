"""Satisfaction: the one question asked when a ticket is resolved, and the follow-up a poor answer opens."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from helpdesk.models.tickets import COMMENT_LIMIT, Ticket

SCORES = range(1, 6)
UNHAPPY = 2  # an answer of 1 or 2 opens a follow-up for the team's lead
HAPPY = 4  # 4 or 5 counts as satisfied


class Satisfaction(models.Model):
    """How satisfied the requester was with the resolution, 1 (not at all) to 5 (very), with a comment.

    One per ticket: asked when it is first resolved (asked again, the same row, if it is resolved again).
    """

    ticket = models.OneToOneField(
        Ticket, on_delete=models.CASCADE, related_name="satisfaction", verbose_name=_("ticket")
    )
    asked_at = models.DateTimeField(_("asked at"))
    score = models.PositiveSmallIntegerField(
        _("score"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True, max_length=COMMENT_LIMIT)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # The scores whose one-click mail link has been used: each link records an answer once.
    links_used = models.JSONField(_("mail links used"), default=list, blank=True)

    class Meta:
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="satisfaction_score_1_to_5",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id}: {self.score or '-'}"


class FollowUp(models.Model):
    """A poor answer (1 or 2) is followed up by the team's lead; closed only with what was done."""

    satisfaction = models.OneToOneField(
        Satisfaction, on_delete=models.CASCADE, related_name="follow_up", verbose_name=_("satisfaction answer")
    )
    team = models.ForeignKey(
        "helpdesk.Team", on_delete=models.PROTECT, related_name="follow_ups", verbose_name=_("team")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("team lead"),
    )
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    action = models.TextField(_("what was done"), blank=True, max_length=COMMENT_LIMIT)
    requester_told = models.BooleanField(_("the requester was told"), default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["team", "opened_at"], condition=models.Q(closed_at__isnull=True), name="follow_up_open"
            )
        ]
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")

    def __str__(self) -> str:
        return f"Follow-up of {self.satisfaction}"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
