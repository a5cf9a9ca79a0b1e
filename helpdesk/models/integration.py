"""Where Promise Desk meets an organisation's plumbing: mail that comes in, personal API tokens, and
webhooks with their deliveries (helpdesk/mail_in/, helpdesk/api/ and helpdesk/webhooks.py use them)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helpdesk.models.mail import SUBJECT_LIMIT


class InboundMail(models.Model):
    """One message that came in, whatever became of it: kept to take the same message once (by its
    Message-ID) and to show an administrator why a mail did or did not reach a ticket."""

    class Outcome(models.TextChoices):
        ADDED = "added", _("Added to a ticket")
        OPENED = "opened", _("Opened a ticket")
        IGNORED = "ignored", _("Ignored (automatic reply, loop or a copy already taken)")
        REFUSED = "refused", _("Refused")

    # NULLs never clash.
    message_id = models.CharField(_("message ID"), max_length=255, unique=True, null=True, blank=True)
    sender = models.CharField(_("sender"), max_length=254, blank=True)
    recipient = models.CharField(_("recipient"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=SUBJECT_LIMIT, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    received_at = models.DateTimeField(_("received at"))
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    ticket = models.ForeignKey(
        "helpdesk.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_mail",
        verbose_name=_("ticket"),
    )
    ticket_message = models.ForeignKey(
        "helpdesk.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message added"),
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["-received_at"], name="inbound_mail_recent")]
        verbose_name = _("mail received")
        verbose_name_plural = _("mail received")

    def __str__(self) -> str:
        return f"{self.sender}: {self.subject}"


class ApiToken(models.Model):
    """A personal API token: shown once when made, kept only as a digest; read only or read and write,
    until it expires or its owner revokes it."""

    class Access(models.TextChoices):
        READ = "read", _("Read only")
        READ_WRITE = "read_write", _("Read and write")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=60, help_text=_("What it is for, e.g. “HR joiners”."))
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True, editable=False)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    access = models.CharField(_("access"), max_length=10, choices=Access.choices, default=Access.READ)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Webhook(models.Model):
    """A URL told of ticket events, each delivery signed with its secret. Limited to one team's tickets,
    or to the cases handed to one provider (that provider's hand-off), or neither (every ticket)."""

    url = models.URLField(_("address"), max_length=500)
    secret = models.CharField(_("secret"), max_length=100, help_text=_("Signs each delivery (HMAC-SHA256)."))
    events = models.JSONField(_("events"), default=list, blank=True, help_text=_("Empty: every event."))
    team = models.ForeignKey(
        "helpdesk.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("team"),
    )
    provider = models.ForeignKey(
        "catalogue.Provider",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhooks",
        verbose_name=_("provider"),
    )
    description = models.CharField(_("what it is for"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["url", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One event for one webhook: written in the transaction of the change it tells of, sent by the task
    worker, tried again with a growing pause until `retry_until`, then given up (and sent again on asking)."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook"))
    event = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("payload"))
    ticket = models.ForeignKey(
        "helpdesk.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("ticket")
    )
    created_at = models.DateTimeField(_("created at"))
    next_try_at = models.DateTimeField(
        _("next try"), null=True, blank=True, help_text=_("Empty once delivered or given up.")
    )
    retry_until = models.DateTimeField(_("retry until"))
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_tried_at = models.DateTimeField(_("last tried"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_response = models.TextField(_("last response"), blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    gave_up_at = models.DateTimeField(_("gave up at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["next_try_at"], condition=Q(next_try_at__isnull=False), name="delivery_due"),
            models.Index(fields=["webhook", "-created_at"], name="delivery_recent"),
        ]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} → {self.webhook}"
