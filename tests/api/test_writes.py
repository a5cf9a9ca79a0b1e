"""Writes through the API change a ticket as the pages do: the same services, so the same history and
clocks; what came through the API says so (Channel.API)."""

import pytest

from catalogue.models import Submission
from helpdesk.models import Channel, EventKind, Message, State, Ticket
from sla.models import TargetKind
from tests import factories


@pytest.fixture
def ticket(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress")


def test_raising_an_incident_starts_its_clocks_and_history(people, api_for, policy):
    response = api_for(people.requester).post(
        "/api/tickets/", {"title": "No Wi-Fi on floor 3", "description": "Since 9", "impact": "high", "urgency": "high"}
    )
    assert response.status_code == 201
    body = response.json()
    assert response["Location"] == f"/api/tickets/{body['reference']}/"
    ticket = Ticket.objects.get(reference=body["reference"])
    assert (ticket.kind, ticket.title, ticket.priority, ticket.channel) == (
        "incident",
        "No Wi-Fi on floor 3",
        "P1",
        "api",
    )
    assert (ticket.requester, ticket.raised_by) == (people.requester, people.requester)
    created = ticket.events.get(kind=EventKind.CREATED)
    assert created.data["channel"] == Channel.API and created.actor == people.requester
    assert {c.kind for c in ticket.clocks} >= {TargetKind.RESPONSE, TargetKind.RESOLUTION}
    assert ticket.due_at is not None and body["due_at"] is not None


def test_an_analyst_raises_for_someone_and_staff_may_not(people, api_for, policy):
    made = api_for(people.analyst).post(
        "/api/tickets/", {"title": "Phone call", "requester": people.requester.username}
    )
    assert made.status_code == 201
    ticket = Ticket.objects.get(reference=made.json()["reference"])
    assert (ticket.requester, ticket.raised_by) == (people.requester, people.analyst)
    refused = api_for(people.other_staff).post("/api/tickets/", {"title": "x", "requester": people.requester.username})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "requester"
    unknown = api_for(people.analyst).post("/api/tickets/", {"title": "x", "requester": "nobody-at-all"})
    assert unknown.status_code == 400


def test_an_unknown_service_is_a_field_error(people, api_for, policy):
    response = api_for(people.requester).post("/api/tickets/", {"title": "x", "service": 999999})
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "service", "detail": "No service we offer has that id."}]


def test_the_first_public_reply_from_the_team_stops_the_response_clock(people, api_for, ticket):
    response = api_for(people.analyst).post(f"/api/tickets/{ticket.reference}/replies/", {"body": "On my way."})
    assert response.status_code == 201
    assert response.json()["via"] == "api" and response.json()["internal"] is False
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None
    response_clock = ticket.clocks.get(kind=TargetKind.RESPONSE)
    assert response_clock.stopped_at == ticket.first_response_at
    assert ticket.events.filter(kind=EventKind.REPLY, actor=people.analyst).exists()
    assert Message.objects.get(pk=response.json()["id"]).via == Channel.API


def test_a_note_leaves_the_response_clock_running(people, api_for, ticket):
    response = api_for(people.analyst).post(f"/api/tickets/{ticket.reference}/notes/", {"body": "Looks like the PSU."})
    assert response.status_code == 201 and response.json()["internal"] is True
    ticket.refresh_from_db()
    assert ticket.first_response_at is None
    assert ticket.events.filter(kind=EventKind.NOTE).exists()


def test_the_requesters_answer_resumes_a_ticket_waiting_on_them(people, api_for, policy):
    waiting = factories.ticket(requester=people.requester, team=people.team, state="waiting_requester")
    assert waiting.clocks.get(kind=TargetKind.RESOLUTION).is_paused
    response = api_for(people.requester).post(f"/api/tickets/{waiting.reference}/replies/", {"body": "A T14."})
    assert response.status_code == 201
    waiting.refresh_from_db()
    assert waiting.state == State.IN_PROGRESS
    assert not waiting.clocks.get(kind=TargetKind.RESOLUTION).is_paused


def test_transitions_by_name_through_the_same_guards(people, api_for, ticket):
    analyst = api_for(people.analyst)
    path = f"/api/tickets/{ticket.reference}/transitions/"
    needs_words = analyst.post(path, {"action": "resolve"})
    assert needs_words.status_code == 400
    assert needs_words.json()["type"] == "urn:promise-desk:problem:refused"
    done = analyst.post(path, {"action": "resolve", "text": "Replaced the battery."})
    assert done.status_code == 200
    assert done.json()["state"] == "resolved" and done.json()["resolution"] == "Replaced the battery."
    assert set(done.json()["transitions"]) == {"reopen", "confirm"}
    event = ticket.events.filter(kind=EventKind.STATE_CHANGED).last()
    assert event.data == {
        "from": "in_progress",
        "to": "resolved",
        "action": "resolve",
        "comment": "Replaced the battery.",
    }
    assert all(c.stopped_at is not None for c in ticket.clocks.filter(kind__in=[TargetKind.RESOLUTION]))
    again = analyst.post(path, {"action": "resolve", "text": "Again"})
    assert again.status_code == 409
    confirmed = api_for(people.requester).post(path, {"action": "confirm"})
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "closed"


def test_a_step_that_is_not_postable_is_a_field_error(people, api_for, ticket):
    response = api_for(people.analyst).post(
        f"/api/tickets/{ticket.reference}/transitions/", {"action": "close_unanswered"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "action"


def test_asking_from_the_catalogue_records_the_request_and_raises_its_ticket(people, api_for, policy):
    factories.RequestTypeFactory(
        name="New laptop",
        slug="new-laptop",
        fields=[("Why do you need it?", "long_text", True), ("Which size?", "choice", True, '13"\n15"')],
    )
    api = api_for(people.analyst)
    missing = api.post("/api/request-types/new-laptop/ask/", {"answers": {}})
    assert missing.status_code == 400
    assert {e["field"] for e in missing.json()["errors"]} == {"answers.why_do_you_need_it", "answers.which_size"}
    response = api.post(
        "/api/request-types/new-laptop/ask/",
        {"requester": people.requester.email, "answers": {"why_do_you_need_it": "Old one broke", "which_size": '13"'}},
    )
    assert response.status_code == 201, response.content
    ticket = Ticket.objects.get(reference=response.json()["reference"])
    assert (ticket.kind, ticket.requester, ticket.raised_by, ticket.channel) == (
        "request",
        people.requester,
        people.analyst,
        "api",
    )
    submission = Submission.objects.get()
    assert ticket.submission == submission
    assert submission.answers["why_do_you_need_it"]["value"] == "Old one broke"
    assert ticket.events.get(kind=EventKind.CREATED).data["channel"] == "api"


def test_someone_not_entitled_is_refused_and_nothing_is_recorded(people, api_for, policy):
    from catalogue.models import EntitlementRule

    grade = factories.GradeFactory(level=9)
    laptop = factories.RequestTypeFactory(slug="executive-laptop")
    EntitlementRule.objects.create(request_type=laptop, min_grade=grade)
    response = api_for(people.requester).post(
        "/api/request-types/executive-laptop/ask/", {"answers": {"why_do_you_need_it": "Please"}}
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:promise-desk:problem:refused"
    assert not Submission.objects.exists() and not Ticket.objects.exists()


def test_the_suppliers_answer_passed_on_by_the_team_resumes_our_clock(people, api_for, policy):
    waiting = factories.ticket(requester=people.requester, team=people.team, state="waiting_provider")
    path = f"/api/tickets/{waiting.reference}/provider-answer/"
    assert api_for(people.requester).post(path, {"text": "Fixed on our side"}).status_code == 403
    assert api_for(people.other_analyst).post(path, {"text": "Fixed on our side"}).status_code == 404
    response = api_for(people.analyst).post(path, {"text": "Fixed on our side"})
    assert response.status_code == 201
    assert response.json()["internal"] is True and response.json()["via"] == "api"
    assert "Fixed on our side" in response.json()["body"]
    waiting.refresh_from_db()
    assert waiting.state == State.IN_PROGRESS
    assert waiting.events.filter(kind=EventKind.STATE_CHANGED, data__action="provider_replied").exists()
