"""What a person can ask for: request types with their forms, who may ask, and what it costs."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, Panel
from wagtail.models import Orderable

from catalogue.models.services import Service


class RequestKind(models.TextChoices):
    INCIDENT = "incident", _("Something is broken")
    REQUEST = "request", _("I need something")


class PreviewFormPanel(Panel):
    """A button that shows the request form with the unsaved changes (catalogue.wagtail_hooks preview)."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "catalogue/admin/preview_button.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            url = reverse("requesttype:preview")
            context["preview_url"] = f"{url}?of={self.instance.pk}" if self.instance.pk else url
            return context


class ApproverRole(models.TextChoices):
    """Who signs a request off: read from the requester's profile and the service when it is asked."""

    LINE_MANAGER = "line_manager", _("The requester's line manager")
    COST_CENTRE_HOLDER = "cost_centre_holder", _("The budget holder of the requester's cost centre")
    SERVICE_OWNER = "service_owner", _("The service owner")


class ApprovalMode(models.TextChoices):
    IN_ORDER = "in_order", _("Each of them, in this order")
    ANY_ONE = "any_one", _("Any one of them")


class RequestType(ClusterableModel):
    """An offering of a service ("New laptop", "Report a problem"), with its own form."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="request_types", verbose_name=_("service")
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("short name"), max_length=140, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=RequestKind.choices, default=RequestKind.REQUEST)
    summary = models.CharField(_("summary"), max_length=250, blank=True)
    one_off_price = models.DecimalField(_("one-off price"), max_digits=10, decimal_places=2, default=0)
    monthly_price = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2, default=0)
    not_entitled_contact = models.CharField(
        _("whom to ask when not entitled"),
        max_length=200,
        blank=True,
        help_text=_("Shown to people who may not ask for this, e.g. 'your line manager'. Empty: the owner team."),
    )
    form_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("form owner"),
    )
    form_review_date = models.DateField(_("form review due"), help_text=_("Review the form at least yearly."))
    is_active = models.BooleanField(_("open for requests"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    approval_mode = models.CharField(
        _("who must approve"), max_length=10, choices=ApprovalMode.choices, default=ApprovalMode.IN_ORDER
    )
    approval_from_price = models.DecimalField(
        _("only from this price"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Ask for approval only when the one-off price quoted, plus twelve months of the monthly price, "
            "is at least this. Empty: always."
        ),
    )
    approval_grades = ParentalManyToManyField(
        "helpdesk.Grade",
        blank=True,
        related_name="+",
        verbose_name=_("only for these grades"),
        help_text=_("None chosen: whatever the requester's grade."),
    )

    panels = [
        FieldRowPanel([FieldPanel("service"), FieldPanel("name"), FieldPanel("slug")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("is_active"), FieldPanel("sort_order")]),
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("one_off_price"), FieldPanel("monthly_price")], heading=_("Price")),
        FieldRowPanel([FieldPanel("form_owner"), FieldPanel("form_review_date")], heading=_("Form ownership")),
        InlinePanel("fields", label=_("Form fields")),
        PreviewFormPanel(heading=_("Preview")),
        MultiFieldPanel(
            [InlinePanel("rules", label=_("Rule")), FieldPanel("not_entitled_contact")],
            heading=_("Who may ask (no rules: everyone; otherwise anyone matching one rule)"),
        ),
        MultiFieldPanel(
            [
                InlinePanel("approvers", label=_("Approver")),
                FieldPanel("approval_mode"),
                FieldRowPanel([FieldPanel("approval_from_price"), FieldPanel("approval_grades")]),
            ],
            heading=_("Sign-off before the team starts (no approver: none)"),
        ),
    ]

    class Meta:
        ordering = ["service__name", "sort_order", "name"]
        verbose_name = _("request type")
        verbose_name_plural = _("request types")

    def __str__(self) -> str:
        return f"{self.service.name}: {self.name}"


class FieldType(models.TextChoices):
    TEXT = "text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    CHOICE = "choice", _("One choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Several choices")
    DATE = "date", _("Date")
    NUMBER = "number", _("Number")
    YES_NO = "yes_no", _("Yes or no")
    PERSON = "person", _("Person")
    FILE = "file", _("File")


KEY_LIMIT = 60  # an answer's key, as stored with the answers


def answer_key(label: str) -> str:
    """The key an answer is stored under when the editor gives none: the question, slugified."""
    return slugify(label)[:KEY_LIMIT].replace("-", "_")


def choice_lines(text: str) -> list[str]:
    """Choices as an editor types them, one per line; blank lines left out."""
    return [line.strip() for line in text.splitlines() if line.strip()]


TOO_FEW_CHOICES = _("Give at least two choices, one per line.")


class FormField(Orderable):
    """One question on a request type's form. `key` names the answer and never changes once used."""

    request_type = ParentalKey(
        RequestType, on_delete=models.CASCADE, related_name="fields", verbose_name=_("request type")
    )
    label = models.CharField(_("question"), max_length=200)
    key = models.SlugField(
        _("answer key"),
        max_length=60,
        blank=True,
        help_text=_("Filled in from the question; keep it once answers exist."),
    )
    field_type = models.CharField(_("type"), max_length=20, choices=FieldType.choices, default=FieldType.TEXT)
    help_text = models.CharField(_("help text"), max_length=250, blank=True)
    required = models.BooleanField(_("required"), default=True)
    choices = models.TextField(
        _("choices"), blank=True, max_length=5_000, help_text=_("For choice questions: one choice per line.")
    )
    min_value = models.DecimalField(_("lowest number"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("highest number"), max_digits=12, decimal_places=2, null=True, blank=True)
    max_length = models.PositiveIntegerField(_("longest answer (characters)"), null=True, blank=True)
    past_dates = models.BooleanField(
        _("dates before today"),
        default=False,
        help_text=_('For date questions about the past ("When did it start?"); a date needed by is never past.'),
    )

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("field_type"), FieldPanel("required")]),
        FieldPanel("help_text"),
        FieldPanel("choices"),
        FieldRowPanel([FieldPanel("min_value"), FieldPanel("max_value"), FieldPanel("max_length"), FieldPanel("key")]),
        FieldPanel("past_dates"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        constraints = [models.UniqueConstraint(fields=["request_type", "key"], name="catalogue_field_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return choice_lines(self.choices)

    def clean(self) -> None:
        super().clean()
        self.key = self.key or answer_key(self.label)
        if self.field_type in (FieldType.CHOICE, FieldType.MULTIPLE_CHOICE) and len(self.choice_list) < 2:
            raise ValidationError({"choices": TOO_FEW_CHOICES})
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": _("The highest number must not be below the lowest.")})

    def save(self, *args, **kwargs):
        self.key = self.key or answer_key(self.label)
        super().save(*args, **kwargs)


class EntitlementRule(Orderable):
    """One way to be entitled: every condition set here must hold (unset ones are ignored)."""

    request_type = ParentalKey(
        RequestType, on_delete=models.CASCADE, related_name="rules", verbose_name=_("request type")
    )
    min_grade = models.ForeignKey(
        "helpdesk.Grade",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("grade at least"),
    )
    division = models.ForeignKey(
        "helpdesk.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    cost_centre = models.ForeignKey(
        "helpdesk.CostCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cost centre"),
    )
    location = models.ForeignKey(
        "helpdesk.Location",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("location"),
    )
    group = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("group")
    )

    panels = [
        FieldRowPanel(
            [
                FieldPanel("min_grade"),
                FieldPanel("division"),
                FieldPanel("cost_centre"),
                FieldPanel("location"),
                FieldPanel("group"),
            ]
        )
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("entitlement rule")
        verbose_name_plural = _("entitlement rules")

    def __str__(self) -> str:
        return f"rule {self.pk}"

    def clean(self) -> None:
        super().clean()
        if not any([self.min_grade_id, self.division_id, self.cost_centre_id, self.location_id, self.group_id]):
            raise ValidationError(_("Set at least one condition, or delete the rule."))


class DiscountScheme(models.Model):
    """A reduction for some divisions or cost centres, for a while; the best one for a person applies."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percentage off")
        FIXED = "fixed", _("Fixed amount off")

    name = models.CharField(_("name"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    amount = models.DecimalField(
        _("amount"), max_digits=10, decimal_places=2, help_text=_("Percent (e.g. 20) or money off each price.")
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True, help_text=_("Empty: no end date."))
    divisions = models.ManyToManyField("helpdesk.Division", blank=True, related_name="+", verbose_name=_("divisions"))
    cost_centres = models.ManyToManyField(
        "helpdesk.CostCentre", blank=True, related_name="+", verbose_name=_("cost centres")
    )
    services = models.ManyToManyField(
        Service, blank=True, related_name="+", verbose_name=_("services"), help_text=_("Empty: every service.")
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind"), FieldPanel("amount")]),
        FieldRowPanel([FieldPanel("valid_from"), FieldPanel("valid_to")]),
        FieldPanel("divisions"),
        FieldPanel("cost_centres"),
        FieldPanel("services"),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("discount scheme")
        verbose_name_plural = _("discount schemes")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        if self.valid_to and self.valid_from and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The end cannot be before the start.")})
        if self.kind == self.Kind.PERCENT and self.amount is not None and not 0 < self.amount <= 100:
            raise ValidationError({"amount": _("A percentage is more than 0 and at most 100.")})


class RequestTypeApprover(Orderable):
    """One approver of a request type, in the order they are asked (when each must approve)."""

    request_type = ParentalKey(
        RequestType, on_delete=models.CASCADE, related_name="approvers", verbose_name=_("request type")
    )
    role = models.CharField(_("approver"), max_length=20, choices=ApproverRole.choices)

    panels = [FieldPanel("role")]

    class Meta(Orderable.Meta):
        verbose_name = _("approver")
        verbose_name_plural = _("approvers")
        constraints = [models.UniqueConstraint(fields=["request_type", "role"], name="request_type_approver_once")]

    def __str__(self) -> str:
        return self.get_role_display()


class Submission(models.Model):
    """What was asked for, by whom, for whom, under which terms: the record a ticket is raised from.

    The price, discount and policy are copied as quoted at the time, so later price changes do not
    rewrite what a cost centre was told.
    """

    # Indexed with created_at below: a request type's use (how often, when last) is read from that index alone.
    request_type = models.ForeignKey(
        RequestType,
        on_delete=models.PROTECT,
        related_name="submissions",
        db_index=False,
        verbose_name=_("request type"),
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="submissions", verbose_name=_("requester")
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("raised by")
    )
    answers = models.JSONField(_("answers"), default=dict)
    cost_centre = models.ForeignKey(
        "helpdesk.CostCentre",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cost centre"),
    )
    one_off_price = models.DecimalField(_("one-off price"), max_digits=10, decimal_places=2)
    monthly_price = models.DecimalField(_("monthly price"), max_digits=10, decimal_places=2)
    discount = models.CharField(_("discount"), max_length=120, blank=True)
    policy = models.ForeignKey(
        "sla.Policy",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("service-level policy"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requester", "-created_at"], name="catalogue_submission_mine"),
            models.Index(fields=["request_type", "created_at"], name="catalogue_submission_usage"),
        ]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.request_type} for {self.requester}"
