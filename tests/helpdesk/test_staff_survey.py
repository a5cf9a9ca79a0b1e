"""The yearly staff survey: managers send it to a segment, each person answers once through their own
link, answers keep no trace of who gave them, and results hide every group too small to hide anyone."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from demo.surveys import seed_staff_surveys
from helpdesk import staff_survey
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
from tests import factories

TODAY = timezone.localdate()
TOO_FEW = "Too few answers to show (fewer than 5)."


def make_survey(*, closed: bool = False, **kwargs) -> StaffSurvey:
    """A survey with a scale, a one-choice and an optional free-text question; open now unless `closed`."""
    dates = (TODAY - timedelta(days=30), TODAY - timedelta(days=2)) if closed else (TODAY, TODAY + timedelta(days=14))
    survey = StaffSurvey.objects.create(
        title=kwargs.pop("title", "How well does IT serve you?"),
        year=kwargs.pop("year", TODAY.year),
        opens_on=dates[0],
        closes_on=dates[1],
        **kwargs,
    )
    SurveyQuestion.objects.create(
        survey=survey, label="My tools are good enough", key="tools", kind=QuestionKind.SCALE, sort_order=0
    )
    SurveyQuestion.objects.create(
        survey=survey,
        label="How do you ask for help?",
        key="channel",
        kind=QuestionKind.CHOICE,
        choices="Portal\nPhone\nEmail",
        sort_order=1,
    )
    SurveyQuestion.objects.create(
        survey=survey,
        label="What should IT do better?",
        key="better",
        kind=QuestionKind.TEXT,
        required=False,
        sort_order=2,
    )
    return survey


def answered(survey, division, count: int, **answers) -> None:
    """`count` responses from `division` (None: no division), each with `answers`."""
    SurveyResponse.objects.bulk_create(
        SurveyResponse(survey=survey, division=division, answers=dict(answers), answered_on=TODAY) for _ in range(count)
    )


def row(results, key: str, group: str):
    question = next(q for q in results.questions if q.question.key == key)
    return next(r for r in question.rows if r.group == group)


# -- who may do what -------------------------------------------------------------------------------------

PAGES = ["surveys", "survey", "survey-results", "survey-results-csv"]


@pytest.mark.parametrize("page", PAGES)
def test_survey_pages_are_for_managers_only(page, people, client_for):
    survey = make_survey(closed=True)
    url = "/reports/surveys/" if page == "surveys" else f"/reports/surveys/{survey.pk}/"
    url += {"survey-results": "results/", "survey-results-csv": "results.csv"}.get(page, "")
    expected = {
        people.anonymous: 302,
        people.requester: 403,
        people.analyst: 403,
        people.editor: 403,
        people.manager: 200,
    }
    for person, status in expected.items():
        response = client_for(person).get(url)
        assert response.status_code == status, (person, page)
        if status == 302:
            assert response["Location"].startswith("/accounts/login/")


def test_only_managers_can_send(people, client_for):
    survey = make_survey()
    for person, status in ((people.anonymous, 302), (people.requester, 403), (people.analyst, 403)):
        assert client_for(person).post(f"/reports/surveys/{survey.pk}/send/").status_code == status
    assert not SurveyInvitation.objects.exists()
    assert client_for(people.manager).get(f"/reports/surveys/{survey.pk}/send/").status_code == 405
    assert client_for(people.manager).get("/reports/surveys/999999/").status_code == 404


def test_managers_may_write_surveys_in_the_admin(people, client_for):
    survey = make_survey()
    manager = client_for(people.manager)
    for page in ("", "add/", f"edit/{survey.pk}/"):
        assert manager.get(f"/admin/snippets/helpdesk/staffsurvey/{page}").status_code == 200, page
    assert client_for(people.analyst).get("/admin/snippets/helpdesk/staffsurvey/add/").status_code == 302


def admin_form(**questions) -> dict:
    """The admin's add form with one question per keyword argument (label=key)."""
    data = {
        "title": "Pulse",
        "year": TODAY.year,
        "min_group": 5,
        "opens_on": TODAY.isoformat(),
        "closes_on": (TODAY + timedelta(days=7)).isoformat(),
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": 0,
        "questions-MIN_NUM_FORMS": 1,
        "questions-MAX_NUM_FORMS": 1000,
    }
    for index, (label, key) in enumerate(questions.items()):
        data |= {
            f"questions-{index}-label": label,
            f"questions-{index}-key": key,
            f"questions-{index}-kind": QuestionKind.SCALE,
            f"questions-{index}-required": "on",
            f"questions-{index}-ORDER": index + 1,
        }
    return data


def test_two_questions_with_one_key_are_a_form_error_in_the_admin(people, client_for):
    manager = client_for(people.manager)
    response = manager.post("/admin/snippets/helpdesk/staffsurvey/add/", admin_form(Tools="tools", Laptop="tools"))
    assert response.status_code == 200
    assert "Please correct the duplicate data" in response.content.decode()
    # Filled in from the questions, "Tools" and "tools" would both be "tools".
    response = manager.post("/admin/snippets/helpdesk/staffsurvey/add/", admin_form(Tools="", tools=""))
    assert response.status_code == 200
    assert "Two questions have the answer key “tools”" in response.content.decode()
    assert not StaffSurvey.objects.exists()

    response = manager.post("/admin/snippets/helpdesk/staffsurvey/add/", admin_form(Tools="tools", Help=""))
    assert response.status_code == 302
    assert list(StaffSurvey.objects.get().questions.values_list("key", flat=True)) == ["tools", "help"]


# -- editing a survey once sent ---------------------------------------------------------------------------


def edit_form(survey: StaffSurvey, **changes) -> dict:
    """The admin's edit form of `survey` as stored, with its questions, then `changes` on top."""
    questions = list(survey.questions.order_by("sort_order", "pk"))
    data = {
        "title": survey.title,
        "year": survey.year,
        "intro": survey.intro,
        "division": survey.division_id or "",
        "min_group": survey.min_group,
        "follows": survey.follows_id or "",
        "opens_on": survey.opens_on.isoformat(),
        "closes_on": survey.closes_on.isoformat(),
        "questions-TOTAL_FORMS": len(questions),
        "questions-INITIAL_FORMS": len(questions),
        "questions-MIN_NUM_FORMS": 1,
        "questions-MAX_NUM_FORMS": 1000,
    }
    for index, question in enumerate(questions):
        data |= {
            f"questions-{index}-id": question.pk,
            f"questions-{index}-label": question.label,
            f"questions-{index}-key": question.key,
            f"questions-{index}-kind": question.kind,
            f"questions-{index}-choices": question.choices,
            f"questions-{index}-ORDER": index + 1,
        }
        if question.required:
            data[f"questions-{index}-required"] = "on"
    return data | changes


def stored(survey: StaffSurvey) -> tuple:
    survey = StaffSurvey.objects.get(pk=survey.pk)
    return survey.closes_on, list(survey.questions.order_by("sort_order", "pk").values_list("label", "key"))


def test_a_sent_survey_may_close_later_but_never_earlier(divisions, people, client_for):
    survey = make_survey()
    staff_survey.send_survey(survey=survey)
    answered(survey, divisions["Big"], 8, tools=4, channel="Portal")
    closes_on = survey.closes_on
    edit = f"/admin/snippets/helpdesk/staffsurvey/edit/{survey.pk}/"
    manager = client_for(people.manager)
    assert "so it may close later but not earlier than" in manager.get(edit).content.decode()

    for earlier in (TODAY - timedelta(days=1), TODAY, closes_on - timedelta(days=1)):
        opens_on = (TODAY - timedelta(days=7)).isoformat()
        response = manager.post(edit, edit_form(survey, opens_on=opens_on, closes_on=earlier.isoformat()))
        assert response.status_code == 200, earlier
        assert "This survey has been sent, so it can close later but not earlier than" in response.content.decode()
        assert stored(survey)[0] == closes_on
    assert not staff_survey.results(StaffSurvey.objects.get(pk=survey.pk)).ready  # no early look at the figures

    survey.closes_on = TODAY - timedelta(days=1)  # the rule holds without the admin's form too
    with pytest.raises(ValidationError) as refused:
        survey.full_clean()
    assert "closes_on" in refused.value.message_dict

    later = closes_on + timedelta(days=7)
    assert manager.post(edit, edit_form(survey, closes_on=later.isoformat())).status_code == 302
    assert stored(survey)[0] == later
    assert manager.post(edit, edit_form(survey, closes_on=later.isoformat())).status_code == 302  # unchanged: fine


def test_a_survey_not_sent_yet_may_close_earlier_and_change_its_questions(people, client_for):
    survey = make_survey()
    edit = f"/admin/snippets/helpdesk/staffsurvey/edit/{survey.pk}/"
    manager = client_for(people.manager)
    assert "may close later but not earlier" not in manager.get(edit).content.decode()
    earlier = TODAY + timedelta(days=1)
    changes = {
        "closes_on": earlier.isoformat(),
        "questions-0-key": "kit",
        "questions-2-DELETE": "on",
        "questions-TOTAL_FORMS": 4,
        "questions-3-label": "Is the VPN reliable?",
        "questions-3-key": "",
        "questions-3-kind": QuestionKind.SCALE,
        "questions-3-ORDER": 4,
    }
    response = manager.post(edit, edit_form(survey, **changes))
    assert response.status_code == 302
    assert stored(survey) == (
        earlier,
        [
            ("My tools are good enough", "kit"),
            ("How do you ask for help?", "channel"),
            ("Is the VPN reliable?", "is_the_vpn_reliable"),
        ],
    )


ADDED = {  # two new questions: one message
    "questions-TOTAL_FORMS": 5,
    "questions-3-label": "Is the VPN reliable?",
    "questions-3-key": "vpn",
    "questions-3-kind": QuestionKind.SCALE,
    "questions-3-ORDER": 4,
    "questions-4-label": "Is the Wi-Fi reliable?",
    "questions-4-key": "",
    "questions-4-kind": QuestionKind.SCALE,
    "questions-4-ORDER": 5,
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (ADDED, "This survey has been sent, so no question can be added to it."),
        (
            {"questions-2-DELETE": "on"},
            "This survey has been sent, so the question “What should IT do better?” cannot be removed.",
        ),
        (
            {"questions-0-key": "kit"},
            "This survey has been sent, so the question “My tools are good enough” keeps its answer key “tools”.",
        ),
        (  # left empty, the key would be made again from the new wording
            {"questions-0-key": "", "questions-0-label": "My tools do the job"},
            "This survey has been sent, so the question “My tools do the job” keeps its answer key “tools”.",
        ),
        (
            {"questions-0-kind": QuestionKind.TEXT},
            "This survey has been sent, so the question “My tools are good enough” keeps its kind of answer.",
        ),
        ({"min_group": 3}, "This survey has been sent, so its smallest group shown can rise but not fall below 5."),
    ],
    ids=["added", "removed", "re-keyed", "key-emptied", "kind-changed", "smallest-group-lowered"],
)
def test_the_questions_of_a_sent_survey_cannot_be_added_removed_or_rekeyed(changes, message, people, client_for):
    survey = make_survey()
    staff_survey.send_survey(survey=survey)
    before = stored(survey)
    edit = f"/admin/snippets/helpdesk/staffsurvey/edit/{survey.pk}/"
    response = client_for(people.manager).post(edit, edit_form(survey, **changes))
    assert response.status_code == 200
    assert response.content.decode().count(message) == 1
    assert stored(survey) == before


def test_a_sent_surveys_questions_say_so_and_their_wording_can_still_be_corrected(people, client_for):
    survey = make_survey()
    staff_survey.send_survey(survey=survey)
    edit = f"/admin/snippets/helpdesk/staffsurvey/edit/{survey.pk}/"
    manager = client_for(people.manager)
    page = manager.get(edit).content.decode()
    assert "Once the survey has been sent, questions cannot be added or removed" in page
    assert page.count("This survey has been sent, so this answer key cannot change.") == 3
    changes = {
        "questions-0-label": "My tools are good enough for my work",
        "questions-0-ORDER": 2,
        "questions-1-ORDER": 1,
    }
    assert manager.post(edit, edit_form(survey, **changes)).status_code == 302
    assert sorted(stored(survey)[1]) == sorted(
        [
            ("My tools are good enough for my work", "tools"),
            ("How do you ask for help?", "channel"),
            ("What should IT do better?", "better"),
        ]
    )


# -- sending ---------------------------------------------------------------------------------------------


def test_send_invites_the_segment_once_and_queues_one_mail_each(people, client_for, settings):
    settings.WAGTAILADMIN_BASE_URL = "https://desk.example.org"
    research, sales = factories.DivisionFactory(name="Research"), factories.DivisionFactory(name="Sales")
    ada = factories.UserFactory(division=research, cost_centre__division=research)
    factories.UserFactory(division=research, email="")  # no address to send to
    factories.UserFactory(division=research, is_active=False)
    factories.UserFactory(division=sales)
    survey = make_survey(division=research)
    manager = client_for(people.manager)

    page = manager.get(f"/reports/surveys/{survey.pk}/")
    assert "to 1 person who has not been sent this survey yet" in page.content.decode()
    response = manager.post(f"/reports/surveys/{survey.pk}/send/")
    assert response.status_code == 302

    invitation = SurveyInvitation.objects.get()
    assert invitation.person == ada
    mail = Mail.objects.get()
    assert mail.to == [ada.email]
    assert f"https://desk.example.org/survey/{invitation.token}/" in mail.body
    assert "&quot;" not in mail.body and "How well does IT serve you?" in mail.body
    survey.refresh_from_db()
    assert survey.sent_at is not None

    # A second send invites only people who joined the segment since.
    assert manager.post(f"/reports/surveys/{survey.pk}/send/").status_code == 302
    assert SurveyInvitation.objects.count() == 1 and Mail.objects.count() == 1
    newcomer = factories.UserFactory(division=research)
    manager.post(f"/reports/surveys/{survey.pk}/send/")
    assert set(SurveyInvitation.objects.values_list("person", flat=True)) == {ada.pk, newcomer.pk}
    assert Mail.objects.count() == 2


def test_a_survey_for_everyone_goes_to_every_active_person_with_an_address(people, client_for):
    survey = make_survey()
    client_for(people.manager).post(f"/reports/surveys/{survey.pk}/send/")
    expected = User.objects.filter(is_active=True).exclude(email="").count()
    assert SurveyInvitation.objects.filter(survey=survey).count() == expected == Mail.objects.count()


def test_a_closed_survey_is_not_sent(people, client_for):
    survey = make_survey(closed=True)
    response = client_for(people.manager).post(f"/reports/surveys/{survey.pk}/send/")
    assert response.status_code == 409
    assert "can no longer be sent" in response.content.decode()
    assert not SurveyInvitation.objects.exists() and not Mail.objects.exists()


# -- answering -------------------------------------------------------------------------------------------


def invite(survey, person) -> SurveyInvitation:
    staff_survey.send_survey(survey=survey)
    return SurveyInvitation.objects.get(survey=survey, person=person)


def test_a_link_answers_once_without_logging_in(people, client):
    survey = make_survey()
    invitation = invite(survey, people.requester)
    url = f"/survey/{invitation.token}/"

    page = client.get(url)
    assert page.status_code == 200
    assert "My tools are good enough" in page.content.decode()
    response = client.post(url, {"tools": "4", "channel": "Phone", "better": "  Faster laptops  "})
    assert response.status_code == 302

    stored = SurveyResponse.objects.get()
    assert stored.answers == {"tools": 4, "channel": "Phone", "better": "Faster laptops"}
    assert stored.division_id == people.requester.division_id
    assert stored.answered_on == TODAY
    invitation.refresh_from_db()
    assert invitation.answered

    again = client.post(url, {"tools": "1", "channel": "Email"})
    assert again.status_code == 409
    assert "already been answered" in again.content.decode()
    assert "already been answered" in client.get(url).content.decode()
    assert SurveyResponse.objects.count() == 1


def test_a_response_holds_no_link_to_the_person(people, client):
    survey = make_survey()
    invitation = invite(survey, people.requester)
    client.post(f"/survey/{invitation.token}/", {"tools": "3", "channel": "Portal"})

    fields = SurveyResponse._meta.get_fields()
    assert {f.name for f in fields} == {"id", "survey", "division", "answers", "answered_on"}
    assert not any(isinstance(f, models.DateTimeField) for f in fields)
    assert all(f.related_model in (None, StaffSurvey, Division) for f in fields)
    stored = SurveyResponse.objects.values().get()
    assert invitation.token not in str(stored)
    assert people.requester.username not in str(stored)


def test_a_link_nobody_was_sent_is_not_found(db, client):
    assert client.get("/survey/made-up-token/").status_code == 404
    assert client.post("/survey/made-up-token/", {"tools": "5"}).status_code == 404
    assert client.get("/survey/" + "x" * 500 + "/").status_code == 404


def test_a_closed_or_not_yet_open_survey_says_so(people, client):
    survey = make_survey()
    invitation = invite(survey, people.requester)
    url = f"/survey/{invitation.token}/"
    StaffSurvey.objects.filter(pk=survey.pk).update(closes_on=TODAY - timedelta(days=1))
    response = client.post(url, {"tools": "4", "channel": "Phone"})
    assert response.status_code == 410
    assert "This survey closed on" in response.content.decode()
    StaffSurvey.objects.filter(pk=survey.pk).update(opens_on=TODAY + timedelta(days=1), closes_on=TODAY + timedelta(9))
    not_yet = client.get(url)
    assert not_yet.status_code == 200 and "This survey opens on" in not_yet.content.decode()
    assert client.post(url, {"tools": "4", "channel": "Phone"}).status_code == 409
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "posted, error",
    [
        ({"tools": "4", "channel": "Carrier pigeon"}, "Select a valid choice"),
        ({"tools": "9", "channel": "Phone"}, "Select a valid choice"),
        ({"tools": "4"}, "This field is required"),
        ({"tools": "4", "channel": "Phone", "better": "x" * 2001}, "at most 2000 characters"),
        ({"tools": ["4", "5"], "channel": "Phone", "better": "\x00"}, "a character we cannot accept"),
    ],
)
def test_bad_answers_are_form_errors_that_keep_what_was_typed(posted, error, people, client):
    invitation = invite(make_survey(), people.requester)
    posted = {"better": "Keep the desk open at lunch", **posted}
    response = client.post(f"/survey/{invitation.token}/", posted)
    assert response.status_code == 400
    page = response.content.decode()
    assert error in page
    if posted["better"].startswith("Keep"):
        assert "Keep the desk open at lunch</textarea>" in page
    assert not SurveyResponse.objects.exists()
    invitation.refresh_from_db()
    assert not invitation.answered


def test_hostile_answers_are_refused_without_a_server_error(people, client):
    invitation = invite(make_survey(), people.requester)
    url = f"/survey/{invitation.token}/"
    plausible = {"tools": "4", "channel": "Phone", "better": "Fine"}
    for name in plausible:
        for value in ("²", "٣", "-1", "99999999999999999999", "x" * 1_000_000):
            # Free text may hold any of these: the first such answer is taken, the rest refused (409).
            assert client.post(url, {**plausible, name: value}).status_code in (302, 400, 409), (name, value[:20])
        raw = "&".join(f"{k}={'%ff%fe' if k == name else v}" for k, v in plausible.items())
        response = client.generic("POST", url, raw.encode(), content_type="application/x-www-form-urlencoded")
        assert response.status_code in (400, 409), name
    assert SurveyResponse.objects.get().answers["better"] == "²"


# -- results ---------------------------------------------------------------------------------------------


@pytest.fixture
def divisions(db):
    return {name: factories.DivisionFactory(name=name) for name in ("Big", "Middle", "Small")}


def test_results_hide_a_division_below_the_minimum_and_show_one_above(divisions, people, client_for):
    survey = make_survey(closed=True)
    answered(survey, divisions["Big"], 8, tools=4, channel="Portal", better="Faster laptops")
    answered(survey, divisions["Middle"], 6, tools=2, channel="Phone")
    answered(survey, divisions["Small"], 2, tools=1, channel="Email", better="Small team says hello")

    results = staff_survey.results(survey)
    big, small, middle = (row(results, "tools", name) for name in ("Big", "Small", "Middle"))
    assert big.now.shown and big.now.average == 4 and big.now.answers == 8
    assert not small.now.shown and small.now.hidden == TOO_FEW and small.now.average is None
    # Shown, Middle and the total would give Small away (16 answers minus 8 minus 6): Middle is hidden too.
    assert not middle.now.shown and "cannot be worked out" in middle.now.hidden
    everyone = row(results, "tools", "Everyone")
    assert everyone.now.shown and everyone.now.average == pytest.approx((8 * 4 + 6 * 2 + 2 * 1) / 16)
    assert [c.choice for c in row(results, "channel", "Big").cells] == ["Portal", "Phone", "Email"]
    assert row(results, "channel", "Small").cells == []

    page = client_for(people.manager).get(f"/reports/surveys/{survey.pk}/results/").content.decode()
    assert TOO_FEW in page
    assert "<td>4.0</td>" in page
    # Free text is listed for everyone together, never beside a division.
    table, written = page.split("What people wrote")
    assert "Small team says hello" not in table and written.count("Small team says hello") == 2
    texts = next(q for q in results.questions if q.question.key == "better")
    assert texts.texts == ["Faster laptops"] * 8 + ["Small team says hello"] * 2


def test_a_survey_with_too_few_answers_shows_nothing(divisions):
    survey = make_survey(closed=True)
    answered(survey, divisions["Big"], 4, tools=5, channel="Portal", better="Only four of us")
    results = staff_survey.results(survey)
    assert not row(results, "tools", "Everyone").now.shown
    assert not row(results, "tools", "Big").now.shown
    assert all(not q.texts for q in results.questions)


def test_results_wait_until_the_survey_has_closed(divisions, people, client_for):
    survey = make_survey()
    answered(survey, divisions["Big"], 8, tools=4, channel="Portal")
    results = staff_survey.results(survey)
    assert not results.ready and results.questions == [] and results.answered == 8
    manager = client_for(people.manager)
    assert (
        "The figures are shown once the survey has closed"
        in manager.get(f"/reports/surveys/{survey.pk}/results/").content.decode()
    )
    assert manager.get(f"/reports/surveys/{survey.pk}/results.csv").status_code == 409


def test_last_years_figure_is_beside_this_years(divisions, people, client_for):
    last = make_survey(closed=True, year=TODAY.year - 1)
    SurveyQuestion.objects.filter(survey=last, key="channel").update(choices="Portal\nPhone")
    answered(last, divisions["Big"], 5, tools=2, channel="Phone")
    answered(last, divisions["Big"], 5, tools=3, channel="Portal")
    answered(last, divisions["Middle"], 3, tools=1, channel="Phone")
    answered(last, divisions["Small"], 2, tools=1, channel="Phone")  # with Middle, enough to hide both
    survey = make_survey(closed=True, follows=last)
    SurveyQuestion.objects.create(
        survey=survey, label="New this year", key="new", kind=QuestionKind.SCALE, sort_order=3
    )
    answered(survey, divisions["Big"], 10, tools=4, channel="Portal", new=5)
    answered(survey, divisions["Middle"], 6, tools=5, channel="Portal", new=5)

    results = staff_survey.results(survey)
    big = row(results, "tools", "Big")
    assert big.before.average == 2.5
    assert [(c.choice, c.percent, c.before) for c in row(results, "channel", "Big").cells] == [
        ("Portal", 100, 50),
        ("Phone", 0, 50),
        ("Email", 0, 0),
    ]
    middle = row(results, "tools", "Middle")
    assert middle.now.shown and not middle.before.shown  # three answers last year
    assert not next(q for q in results.questions if q.question.key == "new").compared

    page = client_for(people.manager).get(f"/reports/surveys/{survey.pk}/results/").content.decode()
    assert "<td>4.0</td>\n                        <td>2.5</td>" in page
    assert "last year 50 %" in page

    export = client_for(people.manager).get(f"/reports/surveys/{survey.pk}/results.csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(export.content.decode())))
    assert rows[0] == ["Question", "Group", "Answers", "Figure", "This year", "Last year"]
    assert ["My tools are good enough", "Big", "10", "Average (1 to 5)", "4.0", "2.5"] in rows
    assert ["My tools are good enough", "Middle", "6", "Average (1 to 5)", "5.0", TOO_FEW] in rows


def test_the_export_does_not_hand_formulas_to_a_spreadsheet(divisions, people, client_for):
    survey = make_survey(closed=True)
    answered(survey, divisions["Big"], 5, tools=3, channel="Portal", better='=HYPERLINK("http://x","y")')
    export = client_for(people.manager).get(f"/reports/surveys/{survey.pk}/results.csv").content.decode()
    rows = list(csv.reader(io.StringIO(export)))
    assert ["What should IT do better?", "Everyone", "", "Written answer", '\'=HYPERLINK("http://x","y")', ""] in rows


@pytest.mark.parametrize("per_division", [5, 40])
def test_results_queries_do_not_grow_with_answers(
    per_division, divisions, people, client_for, django_assert_max_num_queries
):
    last = make_survey(closed=True, year=TODAY.year - 1)
    survey = make_survey(closed=True, follows=last)
    for division in divisions.values():
        answered(last, division, per_division, tools=3, channel="Phone", better="Hm")
        answered(survey, division, per_division, tools=4, channel="Portal", better="Better")
    answered(survey, None, per_division, tools=2, channel="Email")
    manager = client_for(people.manager)
    with django_assert_max_num_queries(9):
        assert manager.get(f"/reports/surveys/{survey.pk}/results/").status_code == 200
    with django_assert_max_num_queries(3):
        assert manager.get("/reports/surveys/").status_code == 200


@given(st.dictionaries(st.integers(0, 9), st.integers(1, 30)), st.integers(3, 10))
def test_no_hidden_group_can_be_worked_out_from_the_total(sizes, minimum):
    hidden = staff_survey.hidden_groups(sizes, minimum)
    assert {g for g, n in sizes.items() if n < minimum} <= hidden
    pooled = sum(sizes[g] for g in hidden)
    # Whatever is hidden is hidden together with at least `minimum` answers, or everything is hidden.
    assert not hidden or pooled >= minimum or hidden == set(sizes)


# -- demo ------------------------------------------------------------------------------------------------


def test_demo_surveys_compare_two_years_and_hide_the_small_division(db):
    for code in ("finance", "operations", "research", "sales"):
        Division.objects.create(code=code, name=code.capitalize())
    total = seed_staff_surveys()
    assert seed_staff_surveys() == total == SurveyResponse.objects.count() > 40
    assert SurveyInvitation.objects.filter(answered=True).count() == total
    survey = StaffSurvey.objects.get(year=TODAY.year)
    assert survey.follows.year == TODAY.year - 1
    results = staff_survey.results(survey)
    for name in ("Research", "No division recorded"):
        assert row(results, "tools", name).now.hidden == TOO_FEW
    for name in ("Finance", "Operations", "Sales", "Everyone"):
        figure = row(results, "tools", name)
        assert figure.now.shown and figure.before.shown
