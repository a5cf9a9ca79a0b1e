"""Problems: opened from an incident or on their own, incidents linked and unlinked, the cause marked known
with a workaround the team sees on each incident, and resolving the problem resolving its open incidents,
each requester told once. Driven through the pages, checked on the pages, in history and in mail."""

import pytest
from bs4 import BeautifulSoup

from helpdesk import problems
from helpdesk.history import describe
from helpdesk.models import EventKind, Mail, Problem, Ticket
from helpdesk.services import Refused
from tests import factories


def mails_to(address: str) -> list[Mail]:
    return [mail for mail in Mail.objects.order_by("pk") if address in mail.to]


def _text(response) -> str:
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def incident(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress", title="VPN drops")


def test_an_analyst_opens_a_problem_from_an_incident_and_links_and_unlinks_others(people, incident, client_for):
    analyst = client_for(people.analyst)
    page = _text(analyst.get(f"/my/tickets/{incident.reference}/"))
    assert "Open a problem from this" in page
    response = analyst.post(f"/my/tickets/{incident.reference}/problem/", {"op": "open", "title": "VPN concentrator"})
    problem = Problem.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/problems/{problem.pk}/"
    assert (problem.title, problem.team, problem.owner, problem.status) == (
        "VPN concentrator",
        people.team,
        people.analyst,
        Problem.Status.OPEN,
    )
    incident.refresh_from_db()
    assert incident.problem == problem
    line = incident.events.filter(kind=EventKind.LINKED).get()
    assert describe(line, team=True) == "Linked to problem: VPN concentrator"

    other = factories.ticket(requester=people.other_staff, team=people.team, title="VPN again")
    linked = analyst.post(f"/my/tickets/{other.reference}/problem/", {"op": "link", "problem": f"PRB-{problem.pk}"})
    assert linked.status_code == 302
    assert set(problem.incidents.values_list("reference", flat=True)) == {incident.reference, other.reference}
    detail = _text(analyst.get(f"/problems/{problem.pk}/"))
    assert incident.reference in detail and other.reference in detail
    panel = _text(analyst.get(f"/my/tickets/{other.reference}/"))
    assert f"PRB-{problem.pk} VPN concentrator" in panel

    unlinked = analyst.post(f"/problems/{problem.pk}/act/", {"op": "unlink", "reference": other.reference})
    assert unlinked.status_code == 302
    other.refresh_from_db()
    assert other.problem is None
    assert describe(other.events.filter(kind=EventKind.UNLINKED).get(), team=True) == (
        "No longer linked to problem: VPN concentrator"
    )


def test_a_problem_number_that_does_not_exist_is_refused_on_the_page(people, incident, client_for):
    response = client_for(people.analyst).post(
        f"/my/tickets/{incident.reference}/problem/", {"op": "link", "problem": "PRB-999"}
    )
    assert response.status_code == 400 and "There is no such problem." in response.text


def test_only_the_incidents_team_links_it(people, incident, client_for):
    problem = problems.open_problem(title="Printers", by=people.other_analyst)
    with pytest.raises(Refused):
        problems.link(incident, problem, by=people.other_analyst)
    assert (
        client_for(people.other_analyst)
        .post(f"/my/tickets/{incident.reference}/problem/", {"op": "link", "problem": str(problem.pk)})
        .status_code
        == 404
    )  # they cannot see it at all
    assert (
        client_for(people.requester)
        .post(f"/my/tickets/{incident.reference}/problem/", {"op": "open", "title": "Mine"})
        .status_code
        == 403
    )
    incident.refresh_from_db()
    assert incident.problem is None and Problem.objects.count() == 1


def test_a_known_error_shows_its_workaround_to_the_team_on_the_incident_page(people, incident, client_for):
    problem = problems.open_problem(title="VPN concentrator", by=people.analyst, incident=incident)
    response = client_for(people.analyst).post(
        f"/problems/{problem.pk}/act/",
        {"op": "known_error", "cause": "Firmware leak.", "workaround": "Reconnect with the backup profile."},
    )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.cause) == (Problem.Status.KNOWN_ERROR, "Firmware leak.")
    assert "Reconnect with the backup profile." in _text(
        client_for(people.analyst).get(f"/my/tickets/{incident.reference}/")
    )
    assert "Reconnect with the backup profile." not in _text(
        client_for(people.requester).get(f"/my/tickets/{incident.reference}/")
    )
    empty = client_for(people.analyst).post(f"/problems/{problem.pk}/act/", {"op": "known_error", "cause": "  "})
    assert empty.status_code == 400


def test_resolving_a_problem_resolves_its_open_incidents_and_tells_each_requester_once(
    people, policy, client_for, django_capture_on_commit_callbacks
):
    reporters = [factories.UserFactory() for _ in range(3)]
    states = ["new", "in_progress", "waiting_requester"]
    incidents = [
        factories.ticket(requester=person, team=people.team, state=state)
        for person, state in zip(reporters, states, strict=True)
    ]
    finished = factories.ticket(requester=people.other_staff, team=people.team, state="resolved")
    foreign = factories.ticket(requester=people.requester, team=people.other_team)
    problem = problems.open_problem(title="Wi-Fi drops", by=people.analyst)
    for ticket in incidents:
        problems.link(ticket, problem, by=people.analyst)
    Ticket.objects.filter(pk=finished.pk).update(problem=problem)
    problems.link(foreign, problem, by=people.other_analyst)
    before = {person.email: len(mails_to(person.email)) for person in [*reporters, people.other_staff]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.analyst).post(
            f"/problems/{problem.pk}/act/", {"op": "resolve", "resolution": "Replaced the access points."}
        )
    assert response.status_code == 302
    problem.refresh_from_db()
    assert (problem.status, problem.resolution) == (Problem.Status.RESOLVED, "Replaced the access points.")
    assert problem.resolved_at is not None
    for ticket, person in zip(incidents, reporters, strict=True):
        ticket.refresh_from_db()
        assert (ticket.state, ticket.resolution) == ("resolved", "Replaced the access points.")
        told = mails_to(person.email)[before[person.email] :]
        assert len(told) == 1 and "Replaced the access points." in told[0].body
    assert len(mails_to(people.other_staff.email)) == before[people.other_staff.email]  # resolved already
    foreign.refresh_from_db()
    assert foreign.state == "new"  # another team's incident stays with its team
    page = client_for(people.analyst).get(f"/problems/{problem.pk}/").text
    assert "Resolve the problem" not in page

    again = client_for(people.manager).post(f"/problems/{problem.pk}/act/", {"op": "resolve", "resolution": "Twice"})
    assert again.status_code == 409
    with pytest.raises(Refused):
        problems.link(factories.ticket(requester=people.requester, team=people.team), problem, by=people.analyst)


def test_a_resolution_needs_words(people, incident, client_for):
    problem = problems.open_problem(title="VPN", by=people.analyst, incident=incident)
    response = client_for(people.analyst).post(f"/problems/{problem.pk}/act/", {"op": "resolve", "resolution": " "})
    assert response.status_code == 400
    incident.refresh_from_db()
    problem.refresh_from_db()
    assert incident.state == "in_progress" and problem.status == Problem.Status.OPEN


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("requester", 403),
        ("other_staff", 403),
        ("editor", 403),
        ("analyst", 200),
        ("other_analyst", 200),
        ("manager", 200),
    ],
)
def test_who_may_see_problems(who, expected, people, incident, client_for):
    problem = problems.open_problem(title="VPN", by=people.analyst, incident=incident)
    client = client_for(getattr(people, who))
    for path in ("/problems/", f"/problems/{problem.pk}/"):
        response = client.get(path)
        assert response.status_code == expected
        if expected == 302:
            assert response["Location"].startswith("/accounts/login/")
    acting = client.post(f"/problems/{problem.pk}/act/", {"op": "known_error", "cause": "Found it."})
    assert acting.status_code == (302 if expected in (200, 302) else 403)
    if who == "other_analyst":  # sees the problem, not the other team's incident
        assert incident.reference not in client.get(f"/problems/{problem.pk}/").text


def test_a_problem_is_opened_from_the_list_too(people, client_for):
    client = client_for(people.analyst)
    response = client.post("/problems/", {"title": "Slow logins"})
    problem = Problem.objects.get()
    assert response.status_code == 302 and problem.team == people.team
    assert client.post("/problems/", {"title": ""}).status_code == 400
    assert "Slow logins" in client.get("/problems/?status=open").text
    assert "Slow logins" not in client.get("/problems/?status=resolved").text


@pytest.mark.parametrize("count", [2, 12])
def test_the_problems_list_queries_do_not_grow(count, people, policy, client_for, django_assert_max_num_queries):
    for index in range(count):
        made = problems.open_problem(title=f"Problem {index}", by=people.analyst)
        problems.link(factories.ticket(requester=people.requester, team=people.team), made, by=people.analyst)
    for person in (people.analyst, people.manager):
        client = client_for(person)
        with django_assert_max_num_queries(6):
            response = client.get("/problems/")
        assert response.status_code == 200 and response.text.count("Problem ") >= count
