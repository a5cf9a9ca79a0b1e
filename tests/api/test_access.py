"""Who gets what from each endpoint (the shared `people`): anonymous 401; a ticket's requester and its
team see it, other staff and other teams get 404; notes for the team; people for those who ask for
others; report figures for managers."""

import pytest

from helpdesk.models import Ticket
from tests import factories

ROLES = ["anonymous", "requester", "other_staff", "analyst", "other_analyst", "manager"]


@pytest.fixture
def ticket(people, policy):
    made = factories.ticket(requester=people.requester, team=people.team, state="in_progress", title="Team's ticket")
    # Another team's ticket raised by the other analyst's colleague: nobody here but managers sees it.
    factories.ticket(requester=people.other_staff, team=people.other_team, title="Elsewhere")
    return made


def _who(people, role):
    return None if role == "anonymous" else getattr(people, role)


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 401),
        ("requester", {"Team's ticket"}),
        ("other_staff", {"Elsewhere"}),  # their own, raised on another team's service
        ("analyst", {"Team's ticket"}),
        ("other_analyst", {"Elsewhere"}),
        ("manager", {"Team's ticket", "Elsewhere"}),
    ],
)
def test_the_ticket_list_holds_what_each_role_may_see(role, expected, people, ticket, api_for):
    response = api_for(_who(people, role)).get("/api/tickets/")
    if expected == 401:
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert {row["title"] for row in response.json()["results"]} == expected


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 200),
        ("other_staff", 404),
        ("analyst", 200),
        ("other_analyst", 404),
        ("manager", 200),
    ],
)
def test_reading_a_ticket(role, status, people, ticket, api_for):
    response = api_for(_who(people, role)).get(f"/api/tickets/{ticket.reference}/")
    assert response.status_code == status
    if status == 404:
        assert response["Content-Type"] == "application/problem+json"
        assert "Team's ticket" not in response.content.decode()


def test_internal_notes_and_the_suppliers_reference_are_the_teams(people, ticket, api_for):
    from helpdesk import services

    services.reply(ticket, by=people.analyst, body="Secret note", internal=True)
    services.reply(ticket, by=people.analyst, body="Public reply")
    Ticket.objects.filter(pk=ticket.pk).update(provider_reference="SUP-1")
    mine = api_for(people.requester).get(f"/api/tickets/{ticket.reference}/").json()
    team = api_for(people.analyst).get(f"/api/tickets/{ticket.reference}/").json()
    assert [m["body"] for m in mine["messages"]] == ["Public reply"] and mine["provider_reference"] is None
    assert [m["body"] for m in team["messages"]] == ["Secret note", "Public reply"]
    assert team["provider_reference"] == "SUP-1"


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 403),
        ("other_staff", 404),
        ("analyst", 201),
        ("other_analyst", 404),
        ("manager", 201),
    ],
)
def test_adding_a_note(role, status, people, ticket, api_for):
    response = api_for(_who(people, role)).post(f"/api/tickets/{ticket.reference}/notes/", {"body": "Checked it"})
    assert response.status_code == status
    assert ticket.messages.filter(internal=True).exists() == (status == 201)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 201),
        ("other_staff", 404),
        ("analyst", 201),
        ("other_analyst", 404),
        ("manager", 201),
    ],
)
def test_replying(role, status, people, ticket, api_for):
    response = api_for(_who(people, role)).post(f"/api/tickets/{ticket.reference}/replies/", {"body": "Any news?"})
    assert response.status_code == status


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 403),
        ("other_staff", 404),
        ("analyst", 200),
        ("other_analyst", 404),
        ("manager", 200),
    ],
)
def test_resolving(role, status, people, ticket, api_for):
    response = api_for(_who(people, role)).post(
        f"/api/tickets/{ticket.reference}/transitions/", {"action": "resolve", "text": "Replaced it."}
    )
    assert response.status_code == status
    ticket.refresh_from_db()
    assert (ticket.state == "resolved") == (status == 200)


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 403),
        ("other_staff", 403),
        ("analyst", 200),
        ("other_analyst", 200),
        ("manager", 200),
    ],
)
def test_people_lookup(role, status, people, api_for):
    response = api_for(_who(people, role)).get("/api/people/", {"q": "requ"})
    assert response.status_code == status
    if status == 200:
        assert [p["username"] for p in response.json()] == ["requester"]
        assert response.json()[0]["email"] == people.requester.email


def test_a_line_manager_finds_their_reports_without_email(people, api_for):
    boss = factories.UserFactory(username="boss")
    people.requester.line_manager = boss
    people.requester.save(update_fields=["line_manager"])
    found = api_for(boss).get("/api/people/", {"q": "req"}).json()
    assert [(p["username"], p["email"]) for p in found] == [("requester", "")]


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("requester", 403),
        ("other_staff", 403),
        ("analyst", 403),
        ("other_analyst", 403),
        ("manager", 200),
    ],
)
def test_report_figures(role, status, people, api_for):
    assert api_for(_who(people, role)).get("/api/reports/").status_code == status


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue(role, people, api_for):
    factories.RequestTypeFactory(name="New laptop", slug="new-laptop")
    response = api_for(_who(people, role)).get("/api/services/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    assert [rt["slug"] for service in response.json() for rt in service["request_types"]] == ["new-laptop"]
    detail = api_for(_who(people, role)).get("/api/request-types/new-laptop/")
    assert detail.json()["questions"][0]["key"] == "why_do_you_need_it"


def test_a_request_type_not_offered_is_404(people, api_for):
    factories.RequestTypeFactory(slug="closed", is_active=False)
    assert api_for(people.requester).get("/api/request-types/closed/").status_code == 404


def test_signed_in_answers_are_private(people, ticket, api_for):
    response = api_for(people.requester).get(f"/api/tickets/{ticket.reference}/")
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_session_is_not_enough(people, ticket, client_for):
    """The API takes tokens only: a browser's session (and so a forged cross-site post) gets 401."""
    client = client_for(people.analyst)
    assert client.get("/api/tickets/").status_code == 401
    response = client.post(f"/api/tickets/{ticket.reference}/notes/", {"body": "x"}, content_type="application/json")
    assert response.status_code == 401
