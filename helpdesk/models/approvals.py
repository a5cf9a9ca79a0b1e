"""Sign-off before work starts: the approvals a request waits for, and who stands in for an approver."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalogue.models import ApproverRole


class Approval(models.Model):
    """One approver's decision on one ticket. Steps are asked in order (step 1, 2 ...) or all at once (all
    step 1, any one decides). A step waiting has `asked_at` set and no decision yet; a later step has
    neither until the one before is approved."""

    class Decision(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")
        NOT_NEEDED = "not_needed", _("No longer needed")

    ticket = models.ForeignKey(
        "helpdesk.Ticket", on_delete=models.CASCADE, related_name="approvals", verbose_name=_("ticket")
    )
    step = models.PositiveSmallIntegerField(_("step"))
    role = models.CharField(_("role"), max_length=20, choices=ApproverRole.choices)
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="approvals", verbose_name=_("approver")
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, default=Decision.WAITING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )  # the approver, or the person standing in for them
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    asked_at = models.DateTimeField(_("asked at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # The mailed link's; emptied once it is used.
    link_nonce = models.CharField(_("link code"), max_length=32, blank=True)

    class Meta:
        ordering = ["ticket", "step", "pk"]
        constraints = [models.UniqueConstraint(fields=["ticket", "role"], name="approval_once_per_role")]
        indexes = [
            models.Index(
                fields=["approver", "asked_at"],
                condition=Q(decision="waiting", asked_at__isnull=False),
                name="approval_waiting",
            )
        ]
        verbose_name = _("approval")
        verbose_name_plural = _("approvals")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.role} {self.decision}"


class Delegation(models.Model):
    """While away, an approver's requests may be decided by someone else as well."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delegations", verbose_name=_("approver")
    )
    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stand_ins", verbose_name=_("stand-in")
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-starts_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="delegation_ends_after_start"),
            models.CheckConstraint(condition=~Q(person=models.F("delegate")), name="delegation_not_to_self"),
        ]
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")

    def __str__(self) -> str:
        return f"{self.person_id} -> {self.delegate_id} {self.starts_on}..{self.ends_on}"
