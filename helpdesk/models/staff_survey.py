"""The yearly staff survey: questions kept as data (as request forms are), invitations, anonymous answers.

A response is never linked to a person: it has no key to the invitation or the user and is dated to the
day only. What it keeps of its author is their division at the time they answered, so results can be
read by division; groups too small to hide anyone are never shown (see helpdesk/staff_survey.py).
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel
from wagtail.models import Orderable

from catalogue.models.offerings import KEY_LIMIT, TOO_FEW_CHOICES, answer_key, choice_lines

# The smallest group whose answers a survey may show: below three, one person can work out another's.
SMALLEST_GROUP = 3


def this_year() -> int:
    return timezone.localdate().year


class AnswerKeyField(models.SlugField):
    """Left empty in a form, the key is filled in from the question (`SurveyQuestion.clean`). Empty is
    None to the form, so the admin's formset does not take two questions left empty for duplicates."""

    def formfield(self, **kwargs):
        return super().formfield(**{"empty_value": None, **kwargs})


def day(value) -> str:
    """A date as people read it ("4 December 2026")."""
    return date_format(value, "DATE_FORMAT")


SENT_QUESTIONS = _("This survey has been sent, so this answer key cannot change.")


class StaffSurveyForm(WagtailAdminModelForm):
    """Two questions with one answer key would share their answers. The formset refuses keys typed twice;
    this refuses keys that come out the same once filled in from the questions, before the database's
    constraint would turn them into a server error.

    Once a survey has been sent, people answer its questions as they were sent: none may be added or
    removed, nor given another answer key (its answers are stored under the key). The wording and the
    order may still be corrected. Its closing date may only move later (StaffSurvey.clean)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        sent = self.instance.pk and self.instance.sent_at
        if not sent:
            return
        if "closes_on" in self.fields:
            self.fields["closes_on"].help_text = _(
                "Sent on %(sent)s, so it may close later but not earlier than %(day)s."
            ) % {"sent": day(timezone.localdate(self.instance.sent_at)), "day": day(self.instance.closes_on)}
        formset = self.formsets.get("questions")
        for form in formset.forms if formset is not None else []:
            if form.instance.pk and "key" in form.fields:
                form.fields["key"].help_text = SENT_QUESTIONS

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("questions")
        if formset is None:
            return cleaned
        valid = formset.is_valid()  # cleans the questions' forms, for what follows
        self._keep_sent_questions(formset)
        if not valid:
            return cleaned
        seen: set[str] = set()
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            key = data.get("key") or answer_key(data.get("label") or "")
            if key in seen:
                self.add_error(
                    None,
                    _("Two questions have the answer key “%(key)s”. Give one of them another key.") % {"key": key},
                )
            seen.add(key)
        return cleaned

    def _keep_sent_questions(self, formset) -> None:
        """Refuse adding, removing or re-keying a question of a survey that has been sent (as stored)."""
        if not (self.instance.pk and StaffSurvey.objects.filter(pk=self.instance.pk, sent_at__isnull=False).exists()):
            return
        stored = {
            pk: (key, kind)
            for pk, key, kind in SurveyQuestion.objects.filter(survey_id=self.instance.pk).values_list(
                "pk", "key", "kind"
            )
        }
        added = False
        for form in formset.forms:
            data = getattr(form, "cleaned_data", None) or {}
            pk = form.instance.pk if form.instance.pk in stored else None
            if pk is None:
                added = added or bool(data and not data.get("DELETE") and form.has_changed())
                continue
            label = data.get("label") or form.instance.label
            if data.get("DELETE"):
                message = _("This survey has been sent, so the question “%(label)s” cannot be removed.")
                self.add_error(None, message % {"label": label})
            elif data and (data.get("key") or answer_key(data.get("label") or "")) != stored[pk][0]:
                message = _("This survey has been sent, so the question “%(label)s” keeps its answer key “%(key)s”.")
                self.add_error(None, message % {"label": label, "key": stored[pk][0]})
            elif data and data.get("kind", stored[pk][1]) != stored[pk][1]:
                # Answers already stored were given to the question as it was: read as another kind, they lie.
                message = _("This survey has been sent, so the question “%(label)s” keeps its kind of answer.")
                self.add_error(None, message % {"label": label})
        if added:
            self.add_error(None, _("This survey has been sent, so no question can be added to it."))


class StaffSurveyQuerySet(models.QuerySet):
    def for_list(self):
        """The managers' list: each survey with its segment and how many were invited and answered."""
        invited = SurveyInvitation.objects.filter(survey=OuterRef("pk")).values("survey").annotate(n=Count("pk"))
        answered = SurveyResponse.objects.filter(survey=OuterRef("pk")).values("survey").annotate(n=Count("pk"))
        return (
            self.select_related("division")
            .annotate(
                invited=Coalesce(Subquery(invited.values("n")), 0),
                answered=Coalesce(Subquery(answered.values("n")), 0),
            )
            .order_by("-year", "title", "pk")
        )


class StaffSurvey(ClusterableModel):
    """A short survey sent to everyone, or to one division, once a year."""

    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), default=this_year, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    intro = models.TextField(
        _("introduction"), blank=True, max_length=2_000, help_text=_("Shown above the questions and in the mail.")
    )
    division = models.ForeignKey(
        "helpdesk.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("only for division"),
        help_text=_("Empty: everyone."),
    )
    min_group = models.PositiveSmallIntegerField(
        _("smallest group shown"),
        default=5,
        validators=[MinValueValidator(SMALLEST_GROUP), MaxValueValidator(1_000)],
        help_text=_("The answers of a group with fewer answers than this are never shown."),
    )
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compare with"),
        help_text=_("Last year's survey: questions with the same answer key are shown side by side."),
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"), help_text=_("The last day answers are taken."))
    sent_at = models.DateTimeField(_("first sent"), null=True, blank=True, editable=False)

    objects = StaffSurveyQuerySet.as_manager()

    base_form_class = StaffSurveyForm
    panels = [
        FieldRowPanel([FieldPanel("title"), FieldPanel("year")]),
        FieldPanel("intro"),
        # A plain list for `follows`: the snippet chooser Wagtail would give a survey looks up whatever is posted.
        FieldRowPanel([FieldPanel("division"), FieldPanel("min_group"), FieldPanel("follows", widget=forms.Select)]),
        FieldRowPanel([FieldPanel("opens_on"), FieldPanel("closes_on")], heading=_("Open for answers")),
        InlinePanel(
            "questions",
            label=_("Questions"),
            min_num=1,
            help_text=_(
                "Once the survey has been sent, questions cannot be added or removed, and each keeps its "
                "answer key; the wording and the order can still be corrected."
            ),
        ),
    ]

    class Meta:
        ordering = ["-year", "title"]
        verbose_name = _("staff survey")
        verbose_name_plural = _("staff surveys")

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"

    def clean(self) -> None:
        super().clean()
        self._close_no_earlier_once_sent()
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("The survey cannot close before it opens.")})
        if self.follows_id and self.pk and self.follows_id == self.pk:
            raise ValidationError({"follows": _("A survey cannot be compared with itself.")})

    def _close_no_earlier_once_sent(self) -> None:
        """Results by division show once a survey has closed: a sent survey's closing date moved earlier
        would show them while answers still come in (and could then be moved back). So, once sent (as
        stored), it may only move later."""
        if not (self.pk and self.closes_on):
            return
        sent = StaffSurvey.objects.filter(pk=self.pk, sent_at__isnull=False)
        stored = sent.values_list("closes_on", "min_group").first()
        if stored is None:
            return
        before, smallest = stored
        if self.closes_on < before:
            message = _("This survey has been sent, so it can close later but not earlier than %(day)s.")
            raise ValidationError({"closes_on": message % {"day": day(before)}})
        if self.min_group is not None and self.min_group < smallest:
            # Lowered after the answers are in, it would show groups their people were promised stay hidden.
            message = _("This survey has been sent, so its smallest group shown can rise but not fall below %(n)s.")
            raise ValidationError({"min_group": message % {"n": smallest}})

    def is_open(self, today) -> bool:
        return self.opens_on <= today <= self.closes_on


class QuestionKind(models.TextChoices):
    SCALE = "scale", _("Scale from 1 to 5")
    CHOICE = "choice", _("One choice")
    TEXT = "text", _("Free text")


class SurveyQuestion(Orderable):
    """One question. `key` names its answers and matches last year's question: keep it once answered."""

    survey = ParentalKey(StaffSurvey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("survey"))
    label = models.CharField(_("question"), max_length=200)
    key = AnswerKeyField(
        _("answer key"),
        max_length=KEY_LIMIT,
        blank=True,
        help_text=_("Filled in from the question. Use last year's key to compare; keep it once answers exist."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.SCALE)
    choices = models.TextField(
        _("choices"), blank=True, max_length=2_000, help_text=_("For one-choice questions: one choice per line.")
    )
    required = models.BooleanField(_("required"), default=True)

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("kind"), FieldPanel("required")]),
        FieldRowPanel([FieldPanel("choices"), FieldPanel("key")]),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [models.UniqueConstraint(fields=["survey", "key"], name="survey_question_key_unique")]

    def __str__(self) -> str:
        return self.label

    @property
    def choice_list(self) -> list[str]:
        return choice_lines(self.choices)

    def clean(self) -> None:
        super().clean()
        self.key = self.key or answer_key(self.label)
        if self.kind == QuestionKind.CHOICE and len(self.choice_list) < 2:
            raise ValidationError({"choices": TOO_FEW_CHOICES})
        if self.kind == QuestionKind.CHOICE and len(set(self.choice_list)) < len(self.choice_list):
            raise ValidationError({"choices": _("Each choice once, please.")})

    def save(self, *args, **kwargs):
        self.key = self.key or answer_key(self.label)
        super().save(*args, **kwargs)


class SurveyInvitation(models.Model):
    """Who was asked, and whether they have answered: never which answer is theirs."""

    # Indexed by the unique (survey, person) below.
    survey = models.ForeignKey(
        StaffSurvey, on_delete=models.CASCADE, related_name="invitations", db_index=False, verbose_name=_("survey")
    )
    # Deleting a person takes their invitation with them; their anonymous answer stays.
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="survey_invitations", verbose_name=_("person")
    )
    token = models.CharField(_("link code"), max_length=64, unique=True)
    sent_at = models.DateTimeField(_("sent at"))
    answered = models.BooleanField(_("answered"), default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "person"], name="survey_invitation_once")]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"{self.survey} → {self.person}"


class SurveyResponse(models.Model):
    """One person's answers, {question key: value}, with their division then and the day: nothing more."""

    survey = models.ForeignKey(
        StaffSurvey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    division = models.ForeignKey(
        "helpdesk.Division",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("division"),
    )
    answers = models.JSONField(_("answers"), default=dict)
    answered_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.survey}: answer {self.pk}"
