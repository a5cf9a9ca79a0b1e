"""The analyst's desk, continued: how many match, select all, saved views renamed and shared, late work
first, cards on a phone, and tickets given out by the team's own rule."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk import services
from helpdesk.assignment import pick_assignee
from helpdesk.models import AutoAssign, EventKind, SavedView, State, Ticket
from helpdesk.selectors import DESK_PAGE
from sla.scan import scan
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)  # Tuesday 10:00 in Stockholm, the calendars' zone


def make(people, *, team=None, state="new", at=NOW, **kwargs):
    return factories.ticket(requester=people.requester, team=team or people.team, state=state, at=at, **kwargs)


def rows_of(response):
    return response.context["desk"].rows


# -- late work first ---------------------------------------------------------------------------------------


def test_late_tickets_come_first_most_overdue_first_and_the_row_says_so(people, policy, client_for):
    """A deadline on office hours that passed yesterday afternoon is later than one round the clock that
    passed at midnight, though fewer office hours have gone by since: the row tells how long ago the
    deadline passed, so what it says agrees with the order."""
    always = factories.PolicyFactory(calendar=factories.CalendarFactory(week=factories.ALWAYS_WEEK))
    office = make(people, at=datetime(2026, 11, 23, 10, tzinfo=UTC))  # P3: due Mon 16:00 Stockholm
    night = make(people, at=datetime(2026, 11, 23, 18, tzinfo=UTC), policy=always)  # due Mon 23:00 Stockholm
    soon = make(people, at=datetime(2026, 11, 24, 7, tzinfo=UTC))  # due later today
    paused = make(people, state="waiting_requester", at=datetime(2026, 11, 20, 9, tzinfo=UTC))
    client = client_for(people.analyst)
    with time_machine.travel(datetime(2026, 11, 24, 7, 30, tzinfo=UTC), tick=False):  # Tue 08:30 Stockholm
        scan()  # the night's breaches recorded, as the sweep does every minute
        response = client.get("/desk/")
    rows = rows_of(response)
    assert [row.reference for row in rows] == [office.reference, night.reference, soon.reference, paused.reference]
    assert [row.sla for row in rows] == ["breached", "breached", "on_track", "paused"]
    assert rows[0].left < rows[1].left < timedelta(0) < rows[2].left
    html = response.content.decode()
    assert html.index("late by 16 h 30 m") < html.index("late by 9 h 30 m")


# -- how many match --------------------------------------------------------------------------------------


def test_the_desk_says_how_many_tickets_match_in_words(people, policy, client_for):
    client = client_for(people.analyst)
    assert "No tickets match" in client.get("/desk/").content.decode()
    first = make(people)
    assert '<p class="desk-count" id="desk-count">1 ticket</p>' in client.get("/desk/").content.decode()
    make(people, title="Screen flickers")
    assert '<p class="desk-count" id="desk-count">2 tickets</p>' in client.get("/desk/").content.decode()
    assert client.get("/desk/", {"q": "flickers"}).context["desk"].summary == "1 ticket"
    assert client.get("/desk/", {"q": first.reference}).context["desk"].count == 1
    rows = client.get("/desk/", HTTP_X_REQUESTED_WITH="fetch").content.decode()  # the refresh brings it too
    assert "2 tickets" in rows


def test_the_count_covers_every_page_with_one_count_query(people, policy, client_for):
    for _ in range(DESK_PAGE + 2):
        make(people)
    client = client_for(people.analyst)
    with CaptureQueriesContext(connection) as first_page:
        response = client.get("/desk/")
    desk = response.context["desk"]
    assert (len(desk.rows), desk.count, desk.has_next) == (DESK_PAGE, DESK_PAGE + 2, True)
    assert "52 tickets" in response.content.decode()
    counts = [q for q in first_page.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    with CaptureQueriesContext(connection) as last_page:
        desk = client.get("/desk/?page=2").context["desk"]
    assert (len(desk.rows), desk.count) == (2, DESK_PAGE + 2)  # the last page knows without counting
    assert not [q for q in last_page.captured_queries if "COUNT(" in q["sql"].upper()]
    assert client.get("/desk/?page=9").context["desk"].count == DESK_PAGE + 2  # past the end: still told


@pytest.mark.parametrize("count", [3, 70])
def test_desk_queries_do_not_grow_with_the_count_and_saved_views(
    count, people, policy, client_for, django_assert_max_num_queries
):
    for _ in range(count):
        make(people)
    SavedView.objects.create(owner=people.analyst, name="Mine", query="priority=P1", team=people.team)
    mate = factories.UserFactory(username="mate")
    people.team.members.add(mate)
    SavedView.objects.create(owner=mate, name="Theirs", query="priority=P2", team=people.team)
    client = client_for(people.analyst)
    with django_assert_max_num_queries(11):
        response = client.get("/desk/")
    assert response.status_code == 200 and response.context["desk"].count == count


# -- select all ------------------------------------------------------------------------------------------


def test_a_labelled_select_all_box_heads_the_rows_for_the_bulk_actions(people, policy, client_for):
    tickets = [make(people) for _ in range(2)]
    html = client_for(people.analyst).get("/desk/").content.decode()
    # Hidden until desk.js shows it (it needs script); a real checkbox, named by its label.
    holder = re.search(r'<span class="select-all" data-select-all hidden>(.*?)</span>', html).group(1)
    assert '<input type="checkbox" id="select-all">' in holder
    assert '<label for="select-all">Select all on this page</label>' in holder
    assert '<form method="post" action="/desk/bulk/" id="bulk">' in html
    for ticket in tickets:  # each row's own box, labelled, inside the bulk form
        assert f'name="tickets" value="{ticket.pk}" id="t{ticket.pk}" aria-label="Select {ticket.reference}"' in html
    assert 'src="/static/js/desk.js"' in html


def test_rows_carry_the_labels_their_phone_cards_show(people, policy, client_for):
    make(people)
    html = client_for(people.analyst).get("/desk/").content.decode()
    for label in ("Priority", "State", "Due", "Assignee"):
        assert f'data-label="{label}"' in html


# -- saved views: rename and share ----------------------------------------------------------------------


@pytest.fixture
def shared(people):
    """A view of the analyst's, shared with their team, where a team-mate works too."""
    mate = factories.UserFactory(username="mate", first_name="Mia", last_name="Mate")
    people.team.members.add(mate)
    view = SavedView.objects.create(owner=people.analyst, name="Urgent", query="priority=P1")
    SavedView.objects.create(owner=people.analyst, name="Mine alone", query="priority=P4")
    return view, mate


def test_the_owner_renames_a_view_and_a_taken_name_is_refused_and_kept(people, policy, client_for, shared):
    view, _mate = shared
    SavedView.objects.create(owner=people.analyst, name="Later", query="priority=P3")
    client = client_for(people.analyst)
    renamed = client.post(f"/desk/views/{view.pk}/rename/", {"name": "  Burning  ", "query": "priority=P1"})
    assert renamed.status_code == 302 and renamed["Location"] == "/desk/?priority=P1"
    assert SavedView.objects.get(pk=view.pk).name == "Burning"
    taken = client.post(f"/desk/views/{view.pk}/rename/", {"name": "later", "query": "priority=P1"})
    assert taken.status_code == 409
    html = taken.content.decode()
    assert "You already have a view called “Later”. Choose another name." in html
    assert 'value="later" required aria-invalid="true"' in html  # what was typed, kept
    assert SavedView.objects.get(pk=view.pk).name == "Burning"
    for name, words in [("", "Give the view a name."), ("x" * 61, "at most 60 characters")]:
        refused = client.post(f"/desk/views/{view.pk}/rename/", {"name": name})
        assert refused.status_code == 400 and words in refused.content.decode()
    assert client.get(f"/desk/views/{view.pk}/rename/").status_code == 405


def test_a_shared_view_shows_beside_a_team_mates_own_marked_by_whom(people, policy, client_for, shared):
    view, mate = shared
    owner = client_for(people.analyst)
    response = owner.post(f"/desk/views/{view.pk}/share/", {"team": people.team.pk})
    assert response.status_code == 302
    assert SavedView.objects.get(pk=view.pk).team == people.team
    assert "shared with Service Desk" in owner.get("/desk/").content.decode()
    html = client_for(mate).get("/desk/").content.decode()
    assert 'href="?priority=P1"' in html and f"shared by {people.analyst} with Service Desk" in html
    assert 'href="?priority=P4"' not in html  # not shared: the owner's alone
    assert f"/desk/views/{view.pk}/rename/" not in html and f"/desk/views/{view.pk}/delete/" not in html
    other = client_for(people.other_analyst).get("/desk/").content.decode()
    assert 'href="?priority=P1"' not in other  # another team's analyst
    owner.post(f"/desk/views/{view.pk}/share/", {"team": ""})  # stop sharing
    assert SavedView.objects.get(pk=view.pk).team is None
    assert 'href="?priority=P1"' not in client_for(mate).get("/desk/").content.decode()


@pytest.mark.parametrize(
    ("who", "status"),
    [("analyst", 302), ("mate", 403), ("other_analyst", 404), ("manager", 404), ("requester", 403), ("anonymous", 302)],
)
@pytest.mark.parametrize(("action", "data"), [("rename", {"name": "Renamed"}), ("share", {"team": ""}), ("delete", {})])
def test_only_the_owner_renames_shares_or_removes_a_shared_view(
    who, status, action, data, people, policy, client_for, shared
):
    view, mate = shared
    view.team = people.team
    view.save()
    person = mate if who == "mate" else getattr(people, who)
    response = client_for(person).post(f"/desk/views/{view.pk}/{action}/", data)
    assert response.status_code == status
    if who == "anonymous":
        assert "/login" in response["Location"] or "login" in response["Location"]
    kept = SavedView.objects.filter(pk=view.pk, name="Urgent", team=people.team).exists()
    assert kept == (who != "analyst")


def test_a_view_is_shared_only_with_a_team_of_the_owners(people, policy, client_for, shared):
    view, _mate = shared
    client = client_for(people.analyst)
    for team, words in [(people.other_team.pk, "only with a team you are in"), ("abc", "Choose one of your teams")]:
        refused = client.post(f"/desk/views/{view.pk}/share/", {"team": team})
        assert refused.status_code == 400 and words in refused.content.decode()
    assert SavedView.objects.get(pk=view.pk).team is None


def test_saving_a_view_without_a_name_keeps_the_filters_and_says_why(people, policy, client_for):
    client = client_for(people.analyst)
    response = client.post("/desk/views/", {"name": "x" * 61, "query": "priority=P1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "up to 60 characters" in html and f'value="{"x" * 61}"' in html
    assert response.context["query"] == "priority=P1"
    assert not SavedView.objects.exists()


# -- auto-assignment ---------------------------------------------------------------------------------------


def _team_of(*usernames, rule=AutoAssign.ROUND_ROBIN, **kwargs):
    members = [factories.UserFactory(username=name) for name in usernames]
    return factories.TeamFactory(members=members, auto_assign=rule, **kwargs), members


def test_round_robin_gives_each_active_member_a_turn_in_order(people, policy):
    team, (ann, bob, cy) = _team_of("cy", "ann", "bob")  # the order is by username, not by joining
    ann, bob, cy = sorted([ann, bob, cy], key=lambda user: user.username)
    given = [make(people, team=team).assignee for _ in range(4)]
    assert given == [ann, bob, cy, ann]
    bob.is_active = False
    bob.save()
    given = [make(people, team=team).assignee for _ in range(3)]
    assert given == [cy, ann, cy]  # bob is skipped while switched off
    team.members.remove(cy)
    assert make(people, team=team).assignee == ann  # after cy, who has left: from the start again


def test_the_system_gives_out_the_ticket_and_the_history_says_to_whom(people, policy):
    team, (ann,) = _team_of("ann")
    ticket = make(people, team=team)
    ticket.refresh_from_db()
    assert (ticket.state, ticket.assignee) == (State.ASSIGNED, ann)
    assigned = ticket.events.get(kind=EventKind.ASSIGNED)
    assert assigned.actor is None and assigned.data["to"] == ann.pk
    moved = ticket.events.get(kind=EventKind.STATE_CHANGED)
    assert (moved.actor, moved.data["from"], moved.data["to"]) == (None, State.NEW, State.ASSIGNED)
    team.refresh_from_db()
    assert team.last_assigned == ann


def test_least_open_picks_the_least_loaded_member_ties_by_name(people, policy):
    team, (ann, bob) = _team_of("ann", "bob", rule=AutoAssign.LEAST_OPEN)
    assert make(people, team=team).assignee == ann  # a tie: by name
    assert make(people, team=team).assignee == bob
    assert make(people, team=team).assignee == ann
    # Finished work and work in other teams do not count.
    done = Ticket.objects.filter(assignee=ann).first()
    services.perform(done, "start", by=ann)
    services.perform(done, "resolve", by=ann, text="Fixed.")
    elsewhere = factories.TeamFactory(members=[bob])
    factories.ticket(requester=people.requester, team=elsewhere, state="assigned")
    Ticket.objects.filter(team=elsewhere).update(assignee=bob)
    assert pick_assignee(team) == ann  # ann 1 open here, bob 1 open here: a tie again
    make(people, team=team)
    assert pick_assignee(team) == bob


def test_off_or_nobody_to_give_it_to_leaves_the_ticket_in_the_queue(people, policy):
    team, (ann,) = _team_of("ann", rule="")
    ticket = make(people, team=team)
    assert (ticket.state, ticket.assignee) == (State.NEW, None)
    assert pick_assignee(team) is None
    empty = factories.TeamFactory(auto_assign=AutoAssign.ROUND_ROBIN)
    assert pick_assignee(empty) is None
    ann.is_active = False
    ann.save()
    team.auto_assign = AutoAssign.LEAST_OPEN
    team.save()
    assert pick_assignee(team) is None


def test_moving_a_ticket_to_a_team_gives_it_out_there(people, policy, client_for):
    team, (ann,) = _team_of("ann")
    ticket = make(people, state="in_progress")
    services.move_team(ticket, by=people.analyst, team=team)
    ticket.refresh_from_db()
    assert (ticket.team, ticket.state, ticket.assignee) == (team, State.IN_PROGRESS, ann)  # work goes on
    assert ticket.events.filter(kind=EventKind.ASSIGNED, actor=None).exists()
    waiting = make(people, state="assigned")  # assigned to the analyst here: new to the other team
    client_for(people.analyst).post("/desk/bulk/", {"tickets": [waiting.pk], "op": "move", "team": team.pk})
    waiting.refresh_from_db()
    assert (waiting.team, waiting.state, waiting.assignee) == (team, State.ASSIGNED, ann)
