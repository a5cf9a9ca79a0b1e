"""Demo staff surveys: last year's and this year's, sent to everyone and answered in every division.

Answers are written directly (with the invitations they used marked answered), as many as a real year
would bring: enough in most divisions to be shown, and too few in Research and among the people with no
division recorded, which the results hide (together they are just enough that no other division has to
be hidden with them). Colleagues without a login are added so that each division has people to ask.
Run it after the demo people and tickets (colleagues are not meant to raise demo tickets); safe to run again.
"""

from __future__ import annotations

import random
import secrets
from datetime import date, datetime, time, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from helpdesk.models import (
    CostCentre,
    Division,
    QuestionKind,
    StaffSurvey,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
    User,
)
from helpdesk.staff_survey import audience, questions_of

TITLE = "How well does IT serve you?"
# division code ("": none recorded) -> colleagues without a login, so every division has people to ask
COLLEAGUES = {
    "finance": ["Amira Haddad", "Ben Okafor", "Chloe Martin", "Dan Novak", "Elena Rossi", "Femi Adeyemi",
                "Greta Lind", "Hugo Silva", "Ida Berg"],
    "operations": ["Jonas Weber", "Kemi Bello", "Lars Holm", "Maya Cohen", "Nils Eriksson", "Oona Virtanen",
                   "Pavel Dvorak", "Rosa Diaz", "Sven Olsen"],
    "research": ["Tariq Aziz", "Una Kelly", "Viktor Petrov"],
    "sales": ["Wen Li", "Xavier Dupont", "Yara Nasser", "Zoe Clarke", "Aaron Brooks", "Bea Lopez", "Carl Jung",
              "Dina Kaur", "Emil Strand", "Fay Morgan"],
    "": ["Gil Ramos", "Hana Sato"],
}  # fmt: skip
# division code -> (answers last year, answers this year); Research stays below the smallest group shown
ANSWERS = {"finance": (6, 7), "operations": (11, 10), "research": (3, 3), "sales": (7, 8), "": (2, 2)}
# division code -> how each division leans on the scales (added to a middling 3)
MOOD = {"finance": 0.4, "operations": -0.2, "research": 0.0, "sales": 0.6, "": 0.2}
CHANNELS = "The portal\nPhone\nEmail\nWalking over to the desk"
YES_NO = "Yes\nNo\nNot sure"
QUESTIONS = [
    # key, label, kind, choices, required, asked last year
    ("tools", "The laptop and software I have are good enough for my work.", QuestionKind.SCALE, "", True, True),
    ("help_in_time", "When I ask IT for help, I get it in good time.", QuestionKind.SCALE, "", True, True),
    ("channel", "How do you usually ask IT for help?", QuestionKind.CHOICE, CHANNELS, True, True),
    ("recommend", "Would you tell a colleague to use the portal?", QuestionKind.CHOICE, YES_NO, True, False),
    ("better", "What one thing should IT do better?", QuestionKind.TEXT, "", False, True),
]  # fmt: skip
COMMENTS = [
    "Faster laptops for the analysts, please.",
    "Tell us when a fix is planned, not only when it is done.",
    "The Wi-Fi on the third floor drops every afternoon.",
    "More self-help articles for the common problems.",
    "Keep the walk-in desk open over lunch.",
    "Answer the phone line a bit sooner in the mornings.",
    "Fewer password changes.",
    "Nothing much, it works well.",
    "Better headsets for video calls.",
    "Explain the new tools before they are rolled out.",
]


def _colleagues() -> int:
    divisions = {d.code: d for d in Division.objects.filter(code__in=COLLEAGUES)}
    centres = {}
    for centre in CostCentre.objects.filter(division__in=divisions.values()).order_by("code"):
        centres.setdefault(centre.division_id, centre)
    for code, names in COLLEAGUES.items():
        division = divisions.get(code)
        if division is None and code:
            continue
        for name in names:
            first, last = name.split(" ", 1)
            username = f"{first}.{last}".lower().replace(" ", "")
            User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "division": division,
                    "cost_centre": centres.get(division.pk) if division else None,
                    "password": make_password(None),  # no login: they only answer surveys
                },
            )
    return sum(len(names) for names in COLLEAGUES.values())


def _survey(year: int, opens_on: date, closes_on: date, follows: StaffSurvey | None, last_year: bool) -> StaffSurvey:
    survey, created = StaffSurvey.objects.get_or_create(
        title=TITLE,
        year=year,
        defaults={
            "intro": "Five short questions about the IT you use every day. It takes about three minutes.",
            "opens_on": opens_on,
            "closes_on": closes_on,
            "follows": follows,
        },
    )
    if created:
        for order, (key, label, kind, choices, required, asked_before) in enumerate(QUESTIONS):
            if asked_before or not last_year:
                SurveyQuestion.objects.create(
                    survey=survey, key=key, label=label, kind=kind, choices=choices, required=required, sort_order=order
                )
    return survey


def _answer(rng: random.Random, questions: list[SurveyQuestion], mood: float) -> dict:
    answers = {}
    for question in questions:
        if question.kind == QuestionKind.SCALE:
            answers[question.key] = min(5, max(1, round(rng.gauss(3 + mood, 0.9))))
        elif question.kind == QuestionKind.CHOICE:
            choices = question.choice_list  # the first choices are the likelier
            answers[question.key] = rng.choices(choices, weights=range(len(choices), 0, -1))[0]
        elif rng.random() < 0.6:
            answers[question.key] = rng.choice(COMMENTS)
    return answers


def _send_and_answer(survey: StaffSurvey, which: int) -> int:
    """Invite the audience (no mail: it is a demo) and answer for the first people of each division."""
    if survey.responses.exists():
        return survey.responses.count()
    sent = timezone.make_aware(datetime.combine(survey.opens_on, time(9)))
    questions = list(questions_of(survey))
    people = list(audience(survey).select_related("division").order_by("username"))
    SurveyInvitation.objects.bulk_create(
        [SurveyInvitation(survey=survey, person=p, token=secrets.token_urlsafe(24), sent_at=sent) for p in people],
        ignore_conflicts=True,
    )
    days = (survey.closes_on - survey.opens_on).days
    responses, answered = [], []
    for code, counts in ANSWERS.items():
        rng = random.Random(f"{survey.year}-{code}")
        in_division = [p for p in people if (p.division.code if p.division else "") == code][: counts[which]]
        for person in in_division:
            day = survey.opens_on + timedelta(days=rng.randint(0, days))
            answers = _answer(rng, questions, MOOD[code])
            responses.append(SurveyResponse(survey=survey, division=person.division, answers=answers, answered_on=day))
            answered.append(person.pk)
    SurveyResponse.objects.bulk_create(responses)
    survey.invitations.filter(person_id__in=answered).update(answered=True)
    StaffSurvey.objects.filter(pk=survey.pk).update(sent_at=sent)
    return len(responses)


@transaction.atomic
def seed_staff_surveys() -> int:
    """Last year's survey and this year's (closed a few days ago, so its results show), with answers;
    returns how many answers they hold."""
    _colleagues()
    today = timezone.localdate()
    last = _survey(today.year - 1, today - timedelta(days=400), today - timedelta(days=372), None, last_year=True)
    this = _survey(today.year, today - timedelta(days=35), today - timedelta(days=3), last, last_year=False)
    return _send_and_answer(last, 0) + _send_and_answer(this, 1)


STEPS = [("staff surveys", seed_staff_surveys)]
