"""Outgoing mail, kept in the database until the mail server accepts it.

A mail is written in the same transaction as the change it tells of, so the two commit or roll back
together. The worker tries it at once and again with a growing pause until `retry_until` (24 hours by
default); after that it is given up and listed for managers, who can send it again.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SUBJECT_LIMIT = 300


class Mail(models.Model):
    class Purpose(models.TextChoices):
        TICKET = "ticket", _("Ticket notice")
        SLA_ALERT = "sla_alert", _("Service-level alert")
        ACCOUNT = "account", _("Password reset")
        REPORT = "report", _("Report")
        SURVEY = "survey", _("Staff survey")
        APPROVAL = "approval", _("Approval")
        OTHER = "other", _("Other (sent by the admin)")

    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    to = models.JSONField(_("to"), help_text=_("The addresses it goes to."))
    subject = models.CharField(_("subject"), max_length=SUBJECT_LIMIT)
    body = models.TextField(_("text"))
    html_body = models.TextField(_("HTML text"), blank=True)
    ticket = models.ForeignKey(
        "helpdesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("ticket")
    )
    # Our Message-ID for it: a reply's In-Reply-To or References names it, and so its ticket.
    message_id = models.CharField(_("message ID"), max_length=255, blank=True, db_index=True)
    # Service-level warnings and breaches this mail tells of: they count as told once it is accepted.
    sla_event_ids = models.JSONField(_("service-level alerts told of"), default=list, blank=True)

    created_at = models.DateTimeField(_("created at"))
    next_try_at = models.DateTimeField(
        _("next try"), null=True, blank=True, help_text=_("Empty once sent or given up.")
    )
    retry_until = models.DateTimeField(_("retry until"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_tried_at = models.DateTimeField(_("last tried"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("gave up at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_try_at"], condition=Q(next_try_at__isnull=False), name="mail_due"),
            models.Index(fields=["-gave_up_at"], condition=Q(gave_up_at__isnull=False), name="mail_given_up"),
        ]
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mail")

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
