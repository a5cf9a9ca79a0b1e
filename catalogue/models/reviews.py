"""The yearly questioning of every service and form ("are the forms even being used?"), and what people
looked for or asked for in vain (demand the catalogue does not meet)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Review(models.Model):
    """One review of a service or of a request type's form: what was decided, and when the next is due."""

    class Outcome(models.TextChoices):
        KEPT = "kept", _("Kept as it is")
        CHANGED = "changed", _("Changed")
        RETIRED = "retired", _("Retired")

    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("service"),
    )
    request_type = models.ForeignKey(
        "catalogue.RequestType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("request type"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    note = models.TextField(_("note"), max_length=2_000)
    reviewed_at = models.DateTimeField(_("reviewed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    uses_in_year = models.PositiveIntegerField(
        _("uses in the year before"), default=0, help_text=_("Uses in the 12 months before the review.")
    )
    next_review_on = models.DateField(_("next review"), null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at", "-pk"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(service__isnull=False, request_type__isnull=True)
                | models.Q(service__isnull=True, request_type__isnull=False),
                name="review_of_one_thing",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.reviewed_at:%Y-%m-%d}"


class DemandSignal(models.Model):
    """Demand the catalogue did not meet: a catalogue search that found nothing, or a request refused
    because the person was not entitled to it."""

    class Kind(models.TextChoices):
        SEARCH_MISS = "search_miss", _("Searched and found nothing")
        NOT_ENTITLED = "not_entitled", _("Asked but not entitled")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    words = models.CharField(_("words"), max_length=200, blank=True)
    service = models.ForeignKey(
        "catalogue.Service",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service"),
    )
    request_type = models.ForeignKey(
        "catalogue.RequestType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("request type"),
    )
    division = models.ForeignKey(
        "helpdesk.Division",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "at"], name="demand_kind_at")]
        verbose_name = _("unmet demand")
        verbose_name_plural = _("unmet demand")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.words or self.request_type_id}"
