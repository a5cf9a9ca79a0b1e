"""Hostile input gets a 4xx, never a 500: the places issue 13 found, each tried as the probe did."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from helpdesk.forms import DESCRIPTION_LIMIT, id_from
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture
def ticket(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)


def test_a_nul_character_anywhere_is_refused_at_the_door(people, ticket, client_for):
    analyst = client_for(people.analyst)
    probes = [
        analyst.get("/my/tickets/%00/"),
        analyst.get("/desk/", {"q": "printer\x00"}),
        analyst.post("/desk/views/", {"name": "mine\x00", "query": "state=open"}),
        analyst.post("/desk/bulk/", {"tickets": [ticket.pk], "op": "assign", "to": "analyst\x00"}),
        analyst.post("/my/report/", {"title": "Broken", "requester": "someone\x00", "impact": "low"}),
        client_for(people.requester).post("/my/services/REQ-000001/cancel/", {"text": "\x00", "confirm": "1"}),
    ]
    assert [response.status_code for response in probes] == [400] * len(probes)
    assert "character we cannot accept" in probes[0].content.decode()


@pytest.mark.parametrize("digit", ["²", "١", "99999999999999999999999"])
def test_digits_that_are_not_ascii_or_too_long_choose_nothing(people, ticket, client_for, digit):
    analyst = client_for(people.analyst)
    bulk = analyst.post("/desk/bulk/", {"tickets": [digit], "op": "move", "team": digit})
    assert bulk.status_code == 302  # told to tick some tickets, nothing changed
    work = analyst.post(f"/my/tickets/{ticket.reference}/work/", {"op": "move", "team": digit})
    assert work.status_code == 400
    assert analyst.get("/desk/", {"page": digit}).status_code == 200
    ticket.refresh_from_db()
    assert ticket.team == people.team


def test_ids_are_ascii_digits_that_fit():
    assert [id_from(text) for text in ["12", "²", "", None, "-3", "1" * 19, " 4"]] == [12, *[None] * 6]


def test_an_incident_description_has_a_limit(people, policy, client_for):
    response = client_for(people.requester).post(
        "/my/report/",
        {"title": "Broken", "description": "x" * (DESCRIPTION_LIMIT + 1), "impact": "low", "urgency": "low"},
    )
    assert response.status_code == 400
    assert "x" * 100 in response.content.decode()  # what they typed is kept on the page


def test_a_search_or_a_person_too_long_is_refused_in_words_not_looked_up(people, ticket, client_for):
    analyst = client_for(people.analyst)
    desk = analyst.get("/desk/", {"q": "x" * 1_000_000})  # SQLite: "LIKE pattern too complex"
    assert desk.status_code == 200
    assert "at most 200 characters" in desk.content.decode()
    report = analyst.post(
        "/my/report/", {"title": "Broken", "requester": "x" * 1_000_000, "impact": "low", "urgency": "low"}
    )
    assert report.status_code == 400
    assert "find anyone with that username" in report.content.decode()


def test_a_saved_view_name_too_long_is_refused_with_a_message(people, client_for):
    analyst = client_for(people.analyst)
    response = analyst.post("/desk/views/", {"name": "n" * 61, "query": "state=open"}, follow=True)
    assert "up to 60 characters" in response.content.decode()
    assert not people.analyst.saved_views.exists()
    analyst.post("/desk/views/", {"name": "Mine", "query": "state=open"})
    assert people.analyst.saved_views.get().name == "Mine"


def test_a_change_of_service_too_long_is_refused_keeping_what_was_typed(people, policy, client_for):
    from decimal import Decimal

    request_type = factories.RequestTypeFactory(monthly_price=Decimal("10.00"), service__owner_team=people.team)
    had = factories.ticket(
        requester=people.requester, team=people.team, kind="request", service=request_type.service, state="resolved"
    )
    had.request_type = request_type
    had.save(update_fields=["request_type"])
    url = f"/my/services/{had.reference}/cancel/"
    response = client_for(people.requester).post(url, {"text": "why " * 2_000, "confirm": "1"})
    assert response.status_code == 400
    assert "why why" in response.content.decode()
    assert client_for(people.requester).post(url, {"text": "Moving on", "confirm": "1"}).status_code == 302


def test_deleting_what_is_still_in_use_is_refused_not_a_server_error(people, client_for):
    manager = client_for(people.manager)
    grade = people.requester.grade
    response = manager.post(f"/admin/grade/delete/{grade.pk}/")
    assert response.status_code == 302  # Wagtail answers a refusal by sending the person back with a message
    assert type(grade).objects.filter(pk=grade.pk).exists()


# -- headers -----------------------------------------------------------------------------------------------


def test_what_a_signed_in_person_sees_is_kept_by_no_cache(people, ticket, client_for):
    page = client_for(people.requester).get(f"/my/tickets/{ticket.reference}/")
    assert {"private", "no-store"} <= {part.strip() for part in page["Cache-Control"].split(",")}
    assert "camera=()" in page["Permissions-Policy"]
    public = client_for(None).get("/")
    assert "no-store" not in public.get("Cache-Control", "")
    assert "camera=()" in public["Permissions-Policy"]


def test_healthz_answers_over_plain_http_when_everything_else_redirects(db, settings):
    from django.test import Client

    settings.SECURE_SSL_REDIRECT = True
    client = Client()  # a new client loads the middleware with the setting on
    assert client.get("/healthz").status_code == 200
    assert client.get("/my/").status_code == 301


def test_a_forged_formset_count_in_the_admin_is_a_400_not_a_500(people, client_for):
    """Wagtail's inline rows trust the posted count of existing rows and read an id that is not there."""
    forged = {
        "name": "Forged",
        "time_zone": "Europe/London",
        "opening_hours-TOTAL_FORMS": "1",
        "opening_hours-INITIAL_FORMS": "1",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
    }
    response = client_for(people.manager).post("/admin/calendar/new/", forged)
    assert response.status_code == 400
    assert "Part of the form was missing" in response.content.decode()


def test_a_number_too_large_for_the_database_is_a_400(people, client_for):
    """On SQLite a chosen id past 64 bits overflows inside Django's multiple-choice lookup."""
    huge = "99999999999999999999"
    response = client_for(people.manager).post(
        f"/admin/team/edit/{people.team.pk}/", {"name": "Desk", "slug": "desk", "members": [huge]}
    )
    # Refused as a request on SQLite, as a choice on PostgreSQL: never an error page.
    assert response.status_code == (400 if connection.vendor == "sqlite" else 200)
