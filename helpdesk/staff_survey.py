"""The yearly staff survey: send it, answer it, read its results without naming anyone.

Anonymity holds by construction. A response has no link to a person or an invitation and is dated to
the day. In the results, a group (a division, or the whole survey) with fewer answers to a question than
the survey's `min_group` shows no figures; nor does the smallest other division while the hidden ones
together are still below the minimum, since the total minus the shown divisions would give them away.
Free-text answers are listed for the whole survey only, in alphabetical order, never by division.
Figures wait until the survey has closed: watched while answers come in, each change would show the
answer that caused it.
"""

from __future__ import annotations

import csv
import secrets
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalogue.spreadsheet import safe
from helpdesk import outbox
from helpdesk.languages import writing_for
from helpdesk.models import (
    Division,
    Mail,
    QuestionKind,
    StaffSurvey,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    User,
)
from helpdesk.models.staff_survey import day
from helpdesk.services import Refused

TEXT_LIMIT = 2_000
TOKEN_LIMIT = 64
SCALE = range(1, 6)
EVERYONE = "everyone"  # the whole survey, as a group key beside division ids (and None: no division)


# -- sending ---------------------------------------------------------------------------------------------


def audience(survey: StaffSurvey) -> QuerySet[User]:
    """Everyone the survey goes to: active people with an email address, in its division if it has one."""
    people = User.objects.filter(is_active=True).exclude(email="")
    if survey.division_id:
        people = people.filter(division_id=survey.division_id)
    return people


def questions_of(survey: StaffSurvey) -> QuerySet[SurveyQuestion]:
    """The survey's questions as stored, in order (not the admin's unsaved copy a survey object may hold)."""
    return SurveyQuestion.objects.filter(survey=survey).order_by("sort_order", "pk")


def newcomers(survey: StaffSurvey) -> QuerySet[User]:
    """The part of the audience not invited yet: whom pressing Send would reach."""
    return audience(survey).exclude(survey_invitations__survey=survey)


def answer_url(token: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL + reverse("survey-answer", args=[token])


def _invitation_mail(survey: StaffSurvey, invitation: SurveyInvitation) -> outbox.Outgoing:
    person = invitation.person
    with writing_for(person):
        body = render_to_string(
            "emails/staff_survey.txt", {"survey": survey, "person": person, "link": answer_url(invitation.token)}
        )
        subject = _("%(title)s: a few minutes of your time") % {"title": survey.title}
    return outbox.Outgoing(to=[person.email], subject=subject, body=body, purpose=Mail.Purpose.SURVEY)


def send_survey(*, survey: StaffSurvey, now: datetime | None = None) -> int:
    """Invite everyone in the audience not invited yet and queue one mail each; returns how many.

    Raises Refused when the survey has closed or has no questions.
    """
    now = now or timezone.now()
    with transaction.atomic():
        # Two managers pressing Send together: the second waits here, then finds nobody left to invite.
        survey = StaffSurvey.objects.select_for_update().get(pk=survey.pk)
        if survey.closes_on < timezone.localdate(now):
            message = _("This survey closed on %(day)s, so it can no longer be sent.")
            raise Refused(message % {"day": day(survey.closes_on)}, 409)
        if not questions_of(survey).exists():
            raise Refused(_("Add at least one question before sending the survey."), 400)
        people = newcomers(survey).only("pk", "email", "username", "first_name", "language").order_by("pk")
        invitations = [
            SurveyInvitation(survey=survey, person=person, token=secrets.token_urlsafe(24), sent_at=now)
            for person in people
        ]
        SurveyInvitation.objects.bulk_create(invitations)
        outbox.queue([_invitation_mail(survey, invitation) for invitation in invitations], now=now)
        if survey.sent_at is None:
            survey.sent_at = now
            survey.save(update_fields=["sent_at"])
    return len(invitations)


# -- answering -------------------------------------------------------------------------------------------


def invitation_for(token: str) -> SurveyInvitation | None:
    """The invitation a link's token names, with its survey; None for a token nobody was sent."""
    if not token or len(token) > TOKEN_LIMIT:
        return None
    return SurveyInvitation.objects.select_related("survey").filter(token=token).first()


def _field_for(question: SurveyQuestion) -> forms.Field:
    common = {"label": question.label, "required": question.required}
    if question.kind == QuestionKind.SCALE:
        labels = {1: _("1 (lowest)"), 5: _("5 (highest)")}
        return forms.TypedChoiceField(
            choices=[(n, labels.get(n, str(n))) for n in SCALE],
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            **common,
        )
    if question.kind == QuestionKind.CHOICE:
        return forms.ChoiceField(choices=[(c, c) for c in question.choice_list], widget=forms.RadioSelect, **common)
    return forms.CharField(max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4}), **common)


class SurveyForm(forms.Form):
    """The survey's questions as a form, keyed by their answer keys (as request forms are built)."""

    def __init__(self, questions: Iterable[SurveyQuestion], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[question.key] = _field_for(question)

    def answers(self) -> dict[str, Any]:
        """{key: value} for the questions answered; unanswered optional ones are left out."""
        return {key: value for key, value in self.cleaned_data.items() if value not in (None, "")}


def answer(*, invitation: SurveyInvitation, answers: dict[str, Any], today: date | None = None) -> SurveyResponse:
    """Store `answers` anonymously and mark the invitation answered, together.

    Raises Refused when the link was used already (409), the survey is not open yet (409) or has closed (410).
    """
    today = today or timezone.localdate()
    with transaction.atomic():
        invitation = (
            SurveyInvitation.objects.select_for_update(of=("self",))
            .select_related("survey", "person")
            .get(pk=invitation.pk)
        )
        survey = invitation.survey
        if invitation.answered:
            raise Refused(_("This survey has already been answered with this link. Thank you!"), 409)
        if not survey.is_open(today):
            raise Refused(closed_message(survey, today), 410 if today > survey.closes_on else 409)
        response = SurveyResponse.objects.create(
            survey=survey, division_id=invitation.person.division_id, answers=answers, answered_on=today
        )
        SurveyInvitation.objects.filter(pk=invitation.pk).update(answered=True)
    return response


def closed_message(survey: StaffSurvey, today: date) -> str:
    if today < survey.opens_on:
        return _("This survey opens on %(day)s. Please come back then.") % {"day": day(survey.opens_on)}
    return _("This survey closed on %(day)s. Thank you for your interest.") % {"day": day(survey.closes_on)}


# -- results ---------------------------------------------------------------------------------------------


@dataclass
class Figure:
    """One group's answers to one question. When not `shown`, only `answers` is known and `hidden`
    says why, in words; `answers` is then never displayed."""

    answers: int
    shown: bool = True
    hidden: str = ""
    average: float | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def percent(self, choice: str) -> int | None:
        if not self.shown or not self.answers:
            return None
        return round(100 * self.counts.get(choice, 0) / self.answers)


@dataclass
class Cell:
    """One choice in one group's row: this year's count and share, last year's share beside."""

    choice: str
    count: int
    percent: int | None
    before: int | None


@dataclass
class Row:
    group: str
    now: Figure
    before: Figure | None  # None: last year had no such question or nobody in this group answered it
    cells: list[Cell] = field(default_factory=list)


@dataclass
class QuestionResult:
    question: SurveyQuestion
    rows: list[Row]
    compared: bool
    choices: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # whole survey only, when at least min_group answered

    @property
    def averaged(self) -> bool:
        return self.question.kind == QuestionKind.SCALE

    @property
    def counted(self) -> bool:
        return self.question.kind == QuestionKind.CHOICE

    @property
    def columns(self) -> int:
        """The table's columns after the group's name: answers, then the figures."""
        if self.averaged:
            return 2 + self.compared
        return 1 + len(self.choices)


@dataclass
class SurveyResults:
    survey: StaffSurvey
    previous: StaffSurvey | None
    invited: int
    answered: int
    questions: list[QuestionResult]
    ready: bool  # the survey has closed, so its figures may be shown

    @property
    def rate(self) -> int | None:
        return round(100 * self.answered / self.invited) if self.invited else None


def hidden_groups(sizes: dict[Any, int], minimum: int) -> set:
    """The groups (by key) whose figures may not be shown: those below `minimum`, and then the smallest
    others until the hidden ones together reach it, so that no hidden group follows from the total."""
    hidden = {group for group, size in sizes.items() if size < minimum}
    if hidden:
        pooled = sum(sizes[group] for group in hidden)
        for group in sorted((g for g in sizes if g not in hidden), key=lambda g: (sizes[g], str(g))):
            if pooled >= minimum:
                break
            hidden.add(group)
            pooled += sizes[group]
    return hidden


def _figure(question: SurveyQuestion, values: list) -> Figure:
    if question.kind == QuestionKind.SCALE:
        values = [v for v in values if isinstance(v, int) and v in SCALE]
        return Figure(answers=len(values), average=sum(values) / len(values) if values else None)
    if question.kind == QuestionKind.CHOICE:
        values = [v for v in values if isinstance(v, str)]
        return Figure(answers=len(values), counts=dict(Counter(values)))
    return Figure(answers=len([v for v in values if isinstance(v, str) and v.strip()]))


def _figures(question: SurveyQuestion, by_group: dict[Any, list[dict]], minimum: int) -> dict[Any, Figure]:
    """Each group's figure for `question` (EVERYONE for the whole survey), hidden where it must be."""
    figures = {
        group: _figure(question, [a[question.key] for a in answers if question.key in a])
        for group, answers in by_group.items()
    }
    figures = {group: figure for group, figure in figures.items() if figure.answers}
    divisions = {group: f.answers for group, f in figures.items() if group != EVERYONE}
    too_few = _("Too few answers to show (fewer than %(minimum)s).") % {"minimum": minimum}
    for group in hidden_groups(divisions, minimum):
        figures[group] = Figure(
            answers=figures[group].answers,
            shown=False,
            hidden=too_few
            if divisions[group] < minimum
            else _("Not shown, so that a smaller division's answers cannot be worked out from the total."),
        )
    whole = figures.get(EVERYONE)
    if whole and whole.answers < minimum:
        figures[EVERYONE] = Figure(answers=whole.answers, shown=False, hidden=too_few)
    return figures


def _responses_by_group(survey: StaffSurvey) -> dict[Any, list[dict]]:
    groups: dict[Any, list[dict]] = defaultdict(list)
    for division_id, answers in SurveyResponse.objects.filter(survey=survey).values_list("division_id", "answers"):
        if isinstance(answers, dict):
            groups[division_id].append(answers)
            groups[EVERYONE].append(answers)
    return groups


def _texts(question: SurveyQuestion, answers: list[dict]) -> list[str]:
    values = (a.get(question.key) for a in answers)
    return sorted(v.strip() for v in values if isinstance(v, str) and v.strip())


def _question_result(
    question: SurveyQuestion, now: dict[Any, Figure], before: dict[Any, Figure], groups: list[tuple[Any, str]]
) -> QuestionResult:
    choices = question.choice_list if question.kind == QuestionKind.CHOICE else []
    seen = {c for figure in now.values() if figure.shown for c in figure.counts}
    choices += sorted(seen - set(choices))  # answers to a choice since reworded are still counted
    rows = []
    for group, name in groups:
        if group not in now:
            continue
        figure, old = now[group], before.get(group)
        cells = [
            Cell(c, figure.counts.get(c, 0), figure.percent(c), old.percent(c) if old else None)
            for c in (choices if figure.shown else [])
        ]
        rows.append(Row(group=name, now=figure, before=old, cells=cells))
    return QuestionResult(question=question, rows=rows, compared=bool(before), choices=choices)


def results(survey: StaffSurvey, *, today: date | None = None) -> SurveyResults:
    """The survey's figures per question and division, with last year's (from `survey.follows`, the
    question with the same answer key and kind) beside them. No figures while the survey is open, only
    how many answered. A fixed number of queries, however many answers."""
    ready = (today or timezone.localdate()) > survey.closes_on
    invited = survey.invitations.count()
    if not ready:
        return SurveyResults(survey, survey.follows, invited, survey.responses.count(), [], ready=False)
    previous = survey.follows
    before_questions = {q.key: q for q in questions_of(previous)} if previous else {}
    now_groups = _responses_by_group(survey)
    before_groups = _responses_by_group(previous) if before_questions else {}
    divisions = [g for g in now_groups if g not in (EVERYONE, None)]
    names = dict(Division.objects.filter(pk__in=divisions).values_list("pk", "name"))
    groups = [(EVERYONE, _("Everyone")), *sorted(((g, names[g]) for g in divisions), key=lambda g: g[1])]
    if None in now_groups:
        groups.append((None, _("No division recorded")))

    questions = []
    for question in questions_of(survey):
        now = _figures(question, now_groups, survey.min_group)
        old = before_questions.get(question.key)
        same = old is not None and old.kind == question.kind and question.kind != QuestionKind.TEXT
        item = _question_result(question, now, _figures(old, before_groups, previous.min_group) if same else {}, groups)
        if question.kind == QuestionKind.TEXT and now.get(EVERYONE) and now[EVERYONE].shown:
            item.texts = _texts(question, now_groups[EVERYONE])
        questions.append(item)
    return SurveyResults(survey, previous, invited, len(now_groups.get(EVERYONE, [])), questions, ready=True)


# -- export ----------------------------------------------------------------------------------------------

CSV_HEADER = [
    gettext_lazy("Question"),
    gettext_lazy("Group"),
    gettext_lazy("Answers"),
    gettext_lazy("Figure"),
    gettext_lazy("This year"),
    gettext_lazy("Last year"),
]


def _cell(value: Any) -> Any:
    """A value a spreadsheet shows as typed (catalogue.spreadsheet.safe), and nothing for none."""
    return "" if value is None else safe(value)


def _before(row: Row, value: Any) -> Any:
    if row.before is None:
        return ""
    return value if row.before.shown else row.before.hidden


def csv_rows(figures: SurveyResults) -> Iterator[list]:
    """The results as rows of a table: averages, and each choice's share in percent."""
    yield [str(title) for title in CSV_HEADER]
    for item in figures.questions:
        label = item.question.label
        for row in item.rows:
            if not row.now.shown:
                yield [label, row.group, "", "", row.now.hidden, ""]
            elif item.question.kind == QuestionKind.SCALE:
                before = round(row.before.average, 2) if row.before and row.before.shown else None
                average = round(row.now.average, 2)
                yield [label, row.group, row.now.answers, _("Average (1 to 5)"), average, _before(row, before)]
            elif item.question.kind == QuestionKind.CHOICE:
                for cell in row.cells:
                    figure = _("%(choice)s (%% of answers)") % {"choice": cell.choice}
                    yield [label, row.group, row.now.answers, figure, cell.percent, _before(row, cell.before)]
            else:
                yield [label, row.group, row.now.answers, _("Written answers"), row.now.answers, ""]
        for text in item.texts:
            yield [label, _("Everyone"), "", _("Written answer"), text, ""]


def write_csv(figures: SurveyResults, out) -> None:
    writer = csv.writer(out)
    for row in csv_rows(figures):
        writer.writerow([_cell(value) for value in row])
