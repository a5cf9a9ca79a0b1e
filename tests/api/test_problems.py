"""Every error as RFC 9457 problem details from one handler; bad input is a 4xx, never a 500; a rate
limit per token, reads and writes apart, told with 429 and Retry-After."""

import pytest

from helpdesk.models import Ticket
from tests import factories

PROBLEM_KEYS = {"type", "title", "status", "detail"}


def _is_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert PROBLEM_KEYS <= set(body) and body["status"] == status
    return body


@pytest.fixture
def ticket(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress")


def test_the_shape_of_each_kind_of_problem(people, api_for, ticket, client):
    api = api_for(people.analyst)
    assert _is_problem(client.get("/api/tickets/"), 401)["type"] == "urn:promise-desk:problem:not-authenticated"
    assert _is_problem(api.get("/api/tickets/INC-999999/"), 404)["type"] == "about:blank"
    assert _is_problem(api.get("/api/no/such/thing/"), 404)["title"] == "Not Found"
    assert _is_problem(api.get("/api/reports/"), 403)["detail"] == "Only managers can read this."
    invalid = _is_problem(api.post("/api/tickets/", {"title": ""}), 400)
    assert invalid["type"] == "urn:promise-desk:problem:invalid"
    assert invalid["errors"] == [{"field": "title", "detail": "This field may not be blank."}]
    refused = _is_problem(api.post(f"/api/tickets/{ticket.reference}/transitions/", {"action": "confirm"}), 409)
    assert refused["type"] == "urn:promise-desk:problem:refused"
    method = _is_problem(api.client.delete("/api/tickets/", headers=api.headers), 405)
    assert method["title"] == "Method Not Allowed"


@pytest.mark.parametrize(
    "body",
    [
        "{not json",
        '{"title": "' + "x" * 201 + '"}',
        '{"title": "ok", "description": "' + "x" * 20_001 + '"}',
        '{"title": "nul \\u0000 here"}',
        '{"title": ["a"]}',
        '{"title": "ok", "service": 99999999999999999999}',
        '{"title": "ok", "service": "²"}',
        '{"title": "ok", "impact": "huge"}',
        '{"title": "ok", "requester": "' + "a" * 300 + '"}',
        "[]",
        '"text"',
        '{"title": "\\ud800"}',
    ],
)
def test_bad_input_is_a_400_never_a_500(people, api_for, policy, body):
    api = api_for(people.requester)
    response = api.client.post("/api/tickets/", body, content_type="application/json", headers=api.headers)
    _is_problem(response, 400)
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        {"cursor": "garbage"},
        {"cursor": "eyJzIjoiZHVlIiwidiI6WyJ4IiwxXX0"},  # {"s":"due","v":["x",1]}
        {"page_size": "0"},
        {"page_size": "1000"},
        {"page_size": "٣"},
        {"state": "nonsense"},
        {"created_after": "2026-02-31"},
        {"team": "1' OR 1=1"},
        {"sort": "title"},
        {"q": "x" * 201},
    ],
)
def test_bad_filters_are_400(people, api_for, query):
    _is_problem(api_for(people.manager).get("/api/tickets/", query), 400)


def test_bad_report_choices_are_400(people, api_for):
    api = api_for(people.manager)
    _is_problem(api.get("/api/reports/", {"period": "custom", "start": "2026-03-01"}), 400)
    _is_problem(api.get("/api/reports/", {"period": "1999-99"}), 400)
    assert api.get("/api/reports/", {"period": "custom", "start": "2026-01-01", "end": "2026-01-31"}).status_code == 200


def test_the_rate_limit_is_per_token_with_reads_and_writes_apart(people, api_for, settings, policy):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_read": "3/minute", "api_write": "1/minute"},
    }
    api = api_for(people.requester)
    for _ in range(3):
        assert api.get("/api/services/").status_code == 200
    limited = _is_problem(api.get("/api/services/"), 429)
    assert limited["type"] == "urn:promise-desk:problem:rate-limited"
    assert 0 < int(api.get("/api/services/")["Retry-After"]) <= 60
    # Writes are counted apart, and another token of the same person has its own count.
    assert api.post("/api/tickets/", {"title": "One"}).status_code == 201
    assert _is_problem(api.post("/api/tickets/", {"title": "Two"}), 429)
    assert api_for(people.requester).get("/api/services/").status_code == 200
