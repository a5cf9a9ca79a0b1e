"""What the team offers: categories in the four parts of the promise, providers and services."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.search import index


class Part(models.TextChoices):
    CORE = "core", _("Core services")
    SOFTWARE = "software", _("Software services")
    DELIVERY = "delivery", _("Service delivery")
    PROJECTS = "projects", _("Projects")


class Category(models.Model):
    """Devices, networks, security... each belongs to one part of the promise."""

    part = models.CharField(_("part"), max_length=12, choices=Part.choices)
    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    description = models.CharField(_("description"), max_length=250, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    panels = [
        FieldRowPanel([FieldPanel("part"), FieldPanel("name"), FieldPanel("slug")]),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        ordering = ["part", "sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name


class Handoff(models.TextChoices):
    """How a provider hears of a case we wait on them for (helpdesk/handoff.py)."""

    MAIL = "mail", _("Mail to their contact address")
    WEBHOOK = "webhook", _("A webhook to their system")


class Provider(models.Model):
    """Who delivers a service: one of our teams, or a third party under contract."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Our team")
        THIRD_PARTY = "third_party", _("Third party")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INTERNAL)
    team = models.ForeignKey(
        "helpdesk.Team",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="provides",
        verbose_name=_("team"),
    )
    contact_name = models.CharField(_("contact name"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contract_reference = models.CharField(_("contract reference"), max_length=80, blank=True)
    contract_target = models.DurationField(
        _("contract response target"),
        null=True,
        blank=True,
        help_text=_("Business time the provider has to act, e.g. 8:00:00."),
    )
    calendar = models.ForeignKey(
        "sla.Calendar",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("provider's hours"),
    )
    handoff = models.CharField(
        _("hand cases over by"),
        max_length=10,
        choices=Handoff.choices,
        blank=True,
        help_text=_("How the provider is told of a case we wait on them for. Empty: we tell them ourselves."),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind"), FieldPanel("team")]),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("contact_name"), FieldPanel("contact_email"), FieldPanel("contact_phone")])],
            heading=_("Contact"),
        ),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("contract_reference"), FieldPanel("contract_target"), FieldPanel("calendar")])],
            heading=_("Contract"),
        ),
        FieldPanel("handoff"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    @property
    def is_third_party(self) -> bool:
        return self.kind == self.Kind.THIRD_PARTY


class ServiceQuerySet(models.QuerySet):
    def offered(self) -> ServiceQuerySet:
        """Services people may still ask for: live and retiring (retired ones are history)."""
        return self.exclude(status=Service.Status.RETIRED)


class Service(index.Indexed, models.Model):
    class Status(models.TextChoices):
        LIVE = "live", _("Live")
        RETIRING = "retiring", _("Retiring")
        RETIRED = "retired", _("Retired")

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=120, unique=True)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="services", verbose_name=_("category")
    )
    summary = models.CharField(
        _("summary"), max_length=300, help_text=_("One or two plain sentences: what you get and who it is for.")
    )
    owner_team = models.ForeignKey(
        "helpdesk.Team", on_delete=models.PROTECT, related_name="services", verbose_name=_("owner team")
    )
    service_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service owner"),
    )
    provider = models.ForeignKey(
        Provider,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("provider"),
        help_text=_("Empty when the owner team delivers it."),
    )
    calendar = models.ForeignKey(
        "sla.Calendar", on_delete=models.PROTECT, related_name="services", verbose_name=_("opening hours")
    )
    policy = models.ForeignKey(
        "sla.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("service-level policy"),
        help_text=_("Empty for the default policy."),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LIVE)
    review_date = models.DateField(_("owner review due"))

    # Changing or cancelling, in plain words and as data; shown before anyone confirms either.
    change_notice_days = models.PositiveSmallIntegerField(_("notice to change (working days)"), default=0)
    change_fee = models.DecimalField(_("fee to change"), max_digits=10, decimal_places=2, default=0)
    change_effects = models.TextField(_("what changing it means"), blank=True, max_length=2_000)
    cancel_notice_days = models.PositiveSmallIntegerField(_("notice to cancel (working days)"), default=0)
    cancel_fee = models.DecimalField(_("fee to cancel"), max_digits=10, decimal_places=2, default=0)
    cancel_stops = models.TextField(_("what stops working when cancelled"), blank=True, max_length=2_000)
    cancel_data = models.TextField(_("what happens to your data"), blank=True, max_length=2_000)

    objects = ServiceQuerySet.as_manager()

    search_fields = [
        index.SearchField("name", boost=3),
        index.SearchField("summary"),
        index.AutocompleteField("name"),
        index.FilterField("status"),
    ]
    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("slug"), FieldPanel("category")]),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("owner_team"), FieldPanel("service_owner"), FieldPanel("provider")]),
        FieldRowPanel([FieldPanel("calendar"), FieldPanel("policy")]),
        FieldRowPanel([FieldPanel("status"), FieldPanel("review_date")]),
        MultiFieldPanel(
            [FieldRowPanel([FieldPanel("change_notice_days"), FieldPanel("change_fee")]), FieldPanel("change_effects")],
            heading=_("Changing it"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("cancel_notice_days"), FieldPanel("cancel_fee")]),
                FieldPanel("cancel_stops"),
                FieldPanel("cancel_data"),
            ],
            heading=_("Cancelling it"),
        ),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.name
