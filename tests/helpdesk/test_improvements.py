"""The improvement register: suggested by anyone logged in, registered from a follow-up or a problem,
moved on by analysts and managers (owner, status, due date, tickets), listed with filters."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from helpdesk import improvements, problems, satisfaction
from helpdesk.models import Improvement
from helpdesk.services import Refused
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


@pytest.fixture
def lead(people):
    person = factories.UserFactory(username="lead")
    people.team.members.add(person)
    people.team.lead = person
    people.team.save(update_fields=["lead"])
    return person


@pytest.fixture
def unhappy(people, policy, lead):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="resolved")
    return satisfaction.record_from_page(ticket, by=people.requester, score=1, comment="Took a week.").follow_up


def test_staff_suggest_and_the_suggestion_joins_the_register_proposed(people, client_for):
    staff = client_for(people.other_staff)
    assert staff.get("/improvements/suggest/").status_code == 200
    assert staff.post("/improvements/suggest/", {"title": "", "description": "x"}).status_code == 400
    response = staff.post("/improvements/suggest/", {"title": "Longer desk hours", "description": "Shifts start at 7."})
    assert response.status_code == 302
    made = Improvement.objects.get()
    assert (made.source, made.status, made.owner) == ("suggestion", "proposed", None)
    assert "Longer desk hours" in client_for(people.manager).get("/improvements/").text


@pytest.mark.parametrize(
    ("who", "suggest", "register"),
    [
        ("anonymous", 302, 302),
        ("requester", 200, 403),
        ("other_staff", 200, 403),
        ("editor", 200, 403),
        ("analyst", 200, 200),
        ("other_analyst", 200, 200),
        ("manager", 200, 200),
    ],
)
def test_who_may_suggest_and_who_may_see_the_register(who, suggest, register, people, client_for):
    made = improvements.suggest(by=people.requester, title="Quieter printers")
    client = client_for(getattr(people, who))
    assert client.get("/improvements/suggest/").status_code == suggest
    for path in ("/improvements/", f"/improvements/{made.pk}/"):
        response = client.get(path)
        assert response.status_code == register
        if register == 302:
            assert response["Location"].startswith("/accounts/login/")
    moved = client.post(f"/improvements/{made.pk}/", {"status": "planned"})
    assert moved.status_code == (302 if register in (200, 302) else 403)


def test_an_improvement_moves_from_proposed_to_done_with_owner_due_date_and_tickets(people, policy, client_for):
    made = improvements.suggest(by=people.requester, title="Self-service password reset")
    ticket = factories.ticket(requester=people.requester, team=people.team)
    client = client_for(people.analyst)
    with time_machine.travel(NOW, tick=False):
        planned = client.post(
            f"/improvements/{made.pk}/",
            {"status": "planned", "owner": people.analyst.pk, "team": people.team.pk, "due_on": "2027-01-31"},
        )
        assert planned.status_code == 302
        assert (
            client.post(f"/improvements/{made.pk}/", {"op": "ticket", "reference": ticket.reference}).status_code == 302
        )
        done = client.post(f"/improvements/{made.pk}/", {"status": "done", "owner": people.analyst.pk})
    assert done.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.owner, made.due_on, made.done_at) == ("done", people.analyst, None, NOW)
    assert list(made.tickets.all()) == [ticket]
    improvements.update(made, by=people.manager, status="in_progress", owner=people.analyst, due_on=date(2027, 2, 1))
    made.refresh_from_db()
    assert (made.status, made.done_at, made.due_on) == ("in_progress", None, date(2027, 2, 1))
    wrong = client.post(f"/improvements/{made.pk}/", {"status": "finished"})
    assert wrong.status_code == 400
    with pytest.raises(Refused):
        improvements.update(made, by=people.requester, status="done", owner=None, due_on=None)


def test_a_lead_closes_the_loop_on_a_follow_up_with_an_improvement(people, lead, unhappy, client_for):
    page = client_for(lead).get("/desk/follow-ups/").text
    assert f"/desk/follow-ups/{unhappy.pk}/improvement/" in page
    response = client_for(lead).post(
        f"/desk/follow-ups/{unhappy.pk}/improvement/", {"title": "Answer laptop faults in a day", "description": ""}
    )
    made = Improvement.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/improvements/{made.pk}/"
    assert (made.source, made.follow_up, made.owner, made.team) == ("follow_up", unhappy, lead, people.team)
    assert list(made.tickets.all()) == [unhappy.satisfaction.ticket]
    assert (
        client_for(people.analyst)
        .post(f"/desk/follow-ups/{unhappy.pk}/improvement/", {"title": "Not theirs"})
        .status_code
        == 403
    )  # in the team, not its lead
    assert Improvement.objects.count() == 1


def test_recurring_incidents_behind_a_problem_become_an_improvement(people, policy, client_for):
    incidents = [factories.ticket(requester=people.requester, team=people.team) for _ in range(2)]
    problem = problems.open_problem(title="Docking stations", by=people.analyst, incident=incidents[0])
    problems.link(incidents[1], problem, by=people.analyst)
    response = client_for(people.analyst).post(
        f"/problems/{problem.pk}/act/", {"op": "improvement", "title": "Replace the old docks"}
    )
    assert response.status_code == 302
    made = Improvement.objects.get()
    assert (made.source, made.problem, made.team) == ("recurring", problem, people.team)
    assert set(made.tickets.all()) == set(incidents)
    assert "Replace the old docks" in client_for(people.analyst).get(f"/problems/{problem.pk}/").text


def test_a_manager_takes_up_a_survey_comment_and_nobody_else_can(people):
    made = improvements.from_survey(by=people.manager, title="Clearer onboarding")
    assert (made.source, made.owner) == ("survey", people.manager)
    with pytest.raises(Refused):
        improvements.from_survey(by=people.analyst, title="Not mine")


def test_the_register_filters_by_status_source_and_owner(people, client_for):
    mine = improvements.suggest(by=people.requester, title="Alpha idea")
    improvements.update(mine, by=people.manager, status="planned", owner=people.analyst, due_on=None)
    improvements.from_survey(by=people.manager, title="Beta idea")
    client = client_for(people.manager)
    assert "Alpha idea" in client.get("/improvements/?status=planned").text
    assert "Beta idea" not in client.get("/improvements/?status=planned").text
    by_source = client.get("/improvements/?source=survey").text
    assert "Beta idea" in by_source and "Alpha idea" not in by_source
    by_owner = client.get(f"/improvements/?owner={people.analyst.pk}").text
    assert "Alpha idea" in by_owner and "Beta idea" not in by_owner
    assert client.get("/improvements/?status=nonsense").status_code == 400


@pytest.mark.parametrize("count", [2, 12])
def test_the_register_queries_do_not_grow(count, people, policy, client_for, django_assert_max_num_queries):
    ticket = factories.ticket(requester=people.requester, team=people.team)
    problem = problems.open_problem(title="Shared cause", by=people.analyst)
    for index in range(count):
        made = improvements.from_problem(problem, by=people.analyst, title=f"Idea {index}")
        improvements.add_ticket(made, ticket, by=people.analyst)
    for person in (people.analyst, people.manager):
        client = client_for(person)
        with django_assert_max_num_queries(7):
            response = client.get("/improvements/")
        assert response.status_code == 200 and response.text.count("Idea ") == count
