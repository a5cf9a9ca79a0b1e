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

    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    to = models.JSONField(help_text="The addresses it goes to.")
    subject = models.CharField(max_length=SUBJECT_LIMIT)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    ticket = models.ForeignKey("helpdesk.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Our Message-ID for it: a reply's In-Reply-To or References names it, and so its ticket.
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    # Service-level warnings and breaches this mail tells of: they count as told once it is accepted.
    sla_event_ids = models.JSONField(default=list, blank=True)

    created_at = models.DateTimeField()
    next_try_at = models.DateTimeField(null=True, blank=True, help_text="Empty once sent or given up.")
    retry_until = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    last_tried_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    gave_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_try_at"], condition=Q(next_try_at__isnull=False), name="mail_due"),
            models.Index(fields=["-gave_up_at"], condition=Q(gave_up_at__isnull=False), name="mail_given_up"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.to)}"
