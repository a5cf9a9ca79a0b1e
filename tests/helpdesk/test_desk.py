"""The analysts' desk and the managers' board: filters, access, bulk work, races and query counts."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from helpdesk import services
from helpdesk.models import State, Ticket
from helpdesk.queues import AGE_BANDS
from helpdesk.reports.facts import refresh as refresh_reports
from helpdesk.services import Refused
from sla.models import Closure, Target
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def make(people, *, team=None, state="new", at=NOW, **kwargs):
    return factories.ticket(requester=people.requester, team=team or people.team, state=state, at=at, **kwargs)


def listed(response) -> list[str]:
    return [row.reference for row in response.context["desk"].rows]


@pytest.mark.parametrize(
    ("who", "status"), [("analyst", 200), ("manager", 200), ("requester", 403), ("editor", 403), ("anonymous", 302)]
)
def test_desk_and_board_access(who, status, people, client_for):
    assert client_for(getattr(people, who)).get("/desk/").status_code == status
    board = 200 if who == "manager" else (302 if who == "anonymous" else 403)
    assert client_for(getattr(people, who)).get("/dashboard/").status_code == board


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_analysts_see_their_teams_queues_soonest_due_first_managers_see_all(people, policy, client_for):
    urgent = make(people, impact="high", urgency="high")  # P1: due in 4 h round the clock... or sooner
    later = make(people, impact="low", urgency="low")
    theirs = make(people, team=people.other_team)
    done = make(people, state="closed")
    mine = listed(client_for(people.analyst).get("/desk/"))
    assert mine == [urgent.reference, later.reference]
    everyone = listed(client_for(people.manager).get("/desk/"))
    assert set(everyone) == {urgent.reference, later.reference, theirs.reference}
    assert done.reference not in everyone


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_filters_live_in_the_url(people, policy, client_for):
    p1 = make(people, impact="high", urgency="high")
    p4 = make(people, impact="low", urgency="low")
    services.take(p4, by=people.analyst)  # taking starts it
    client = client_for(people.analyst)
    assert listed(client.get("/desk/?priority=P1")) == [p1.reference]
    assert listed(client.get("/desk/?assignee=me")) == [p4.reference]
    assert listed(client.get("/desk/?assignee=none")) == [p1.reference]
    assert listed(client.get("/desk/", {"q": p4.reference.lower()})) == [p4.reference]
    assert listed(client.get("/desk/?state=in_progress")) == [p4.reference]
    assert listed(client.get("/desk/?sort=-created")) == [p4.reference, p1.reference]
    refused = client.get("/desk/?created_after=not-a-date")
    assert refused.status_code == 200 and listed(refused) == []  # bad input: no 500, and it says why
    assert "Enter a valid date." in refused.content.decode()


def test_a_search_finds_a_reference_in_any_state_a_bare_number_and_a_requester(people, policy, client_for):
    done = make(people, state="resolved", title="Printer jams")
    other = factories.UserFactory(first_name="Ada", last_name="Lovelace", email="ada@example.org")
    hers = factories.ticket(requester=other, team=people.team, at=NOW, title="Screen flickers")
    client = client_for(people.analyst)
    number = int(done.reference.split("-")[1])
    for search in (done.reference, done.reference.lower().replace("-", " "), f"{done.reference[:3]}-{number}"):
        assert listed(client.get("/desk/", {"q": search})) == [done.reference], search  # resolved: any state
    assert listed(client.get("/desk/", {"q": str(number)})) == [done.reference]  # INC or REQ with that number
    assert listed(client.get("/desk/", {"q": "ada lovelace"})) == [hers.reference]
    assert listed(client.get("/desk/", {"q": "Lovelace"})) == [hers.reference]
    assert listed(client.get("/desk/", {"q": "ADA@example.org"})) == [hers.reference]
    assert listed(client.get("/desk/", {"q": "flickers"})) == [hers.reference]
    assert listed(client.get("/desk/", {"q": "jams"})) == []  # words look among open tickets, as the state says
    assert listed(client.get("/desk/", {"q": "²"})) == []  # not a number: a word nobody wrote


def test_every_activity_moves_the_tickets_change_time(people, policy):
    ticket = make(people, state="in_progress")
    for internal in (False, True):
        before = Ticket.objects.get(pk=ticket.pk).updated_at
        with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
            services.reply(ticket, by=people.analyst, body="Looking into it.", internal=internal)
        assert Ticket.objects.get(pk=ticket.pk).updated_at > before, internal
    before = Ticket.objects.get(pk=ticket.pk).updated_at
    with time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False):
        services.change_priority(ticket, by=people.analyst, priority="P1")
    assert Ticket.objects.get(pk=ticket.pk).updated_at > before


def test_sla_states_filter_on_track_at_risk_and_breached(people, policy, client_for):
    ticket = make(people)  # P3 response: 4 h of office time from Tue 10:00 Stockholm, warn at 3 h
    client = client_for(people.analyst)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        response = client.get("/desk/?sla=on_track")
        assert listed(response) == [ticket.reference]
        assert "3 h left" in response.content.decode()
    with time_machine.travel(NOW + timedelta(hours=3, minutes=30), tick=False):  # 13:30: 2.5 h counted (lunch)
        response = client.get("/desk/?sla=on_track")
        assert listed(response) == [ticket.reference]
        assert "1 h 30 m left" in response.content.decode()
    with time_machine.travel(NOW + timedelta(hours=4, minutes=30), tick=False):
        response = client.get("/desk/?sla=warning")
        assert listed(response) == [ticket.reference]
        assert '30 m left <strong class="risk">at risk</strong>' in response.content.decode()
    with time_machine.travel(NOW + timedelta(hours=6), tick=False):  # 16:00: due at 15:00 (lunch 12-13)
        response = client.get("/desk/?sla=breached")
        assert listed(response) == [ticket.reference]
        assert '<strong class="late">late by 1 h</strong>' in response.content.decode()


def test_a_ticket_keeps_the_calendar_of_its_soonest_deadline_beside_it(people, policy):
    round_the_clock = factories.CalendarFactory(week=factories.ALWAYS_WEEK)
    Target.objects.filter(policy=policy, priority="P3", kind="response").update(calendar=round_the_clock)
    ticket = make(people)  # P3: first response within 4 h round the clock, resolution in 24 office hours
    ticket.refresh_from_db()
    assert (ticket.due_calendar, ticket.due_at) == (round_the_clock, ticket.clock("response").due_at)
    services.reply(ticket, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=10))
    ticket.refresh_from_db()
    assert (ticket.due_calendar, ticket.due_at) == (policy.calendar, ticket.clock("resolution").due_at)
    resolved = make(people, state="resolved")
    resolved.refresh_from_db()
    assert (resolved.due_calendar, resolved.due_at) == (None, None)


def test_the_desk_reads_no_calendar_once_compiled_and_sees_a_changed_one(people, policy, client_for):
    make(people)  # P3 response: 4 h of office time from Tue 10:00 Stockholm
    client = client_for(people.analyst)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        assert "3 h left" in client.get("/desk/").content.decode()
        with CaptureQueriesContext(connection) as captured:
            assert "3 h left" in client.get("/desk/").content.decode()
        assert not [q for q in captured.captured_queries if re.search(r'FROM "sla_(calendar|openinghours)"', q["sql"])]
        Closure.objects.create(calendar=policy.calendar, name="Move", start_date=NOW.date())  # closed today
        assert "3 h left" not in client.get("/desk/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_calendar_of_running_deadlines(people, policy):
    running, done = make(people), make(people, state="resolved")
    Ticket.objects.update(due_calendar=None)
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("helpdesk", "0007_ticket_due_calendar")])
        executor.loader.build_graph()
        executor.migrate([("helpdesk", "0008_fill_ticket_due_calendar")])
        # The ticket as it was at 0008: today's model has columns added since.
        then = executor.loader.project_state(("helpdesk", "0008_fill_ticket_due_calendar")).apps
        calendar_of = then.get_model("helpdesk", "Ticket").objects.values_list("due_calendar_id", flat=True)
        assert calendar_of.get(pk=running.pk) == policy.calendar.pk
        assert calendar_of.get(pk=done.pk) is None
    finally:  # back to the latest schema: later tests in this process need the tables added since
        executor.loader.build_graph()
        executor.migrate(latest)


def test_rows_escape_what_people_typed(people, policy, client_for):
    people.requester.first_name = "<b>Eve</b>"
    people.requester.save()
    people.team.name = "Desk & <i>Co</i>"
    people.team.save()
    made = make(people, title='<script>alert("x")</script> & more')
    made.service.name = "<img src=x onerror=alert(1)>"
    made.service.save()
    html = client_for(people.analyst).get("/desk/").content.decode()
    assert "<script>alert" not in html and "<b>Eve" not in html and "<img src=x" not in html
    assert "<i>Co" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html
    assert "&lt;img src=x onerror=alert(1)&gt; · &lt;b&gt;Eve&lt;/b&gt;" in html
    assert "<td>Desk &amp; &lt;i&gt;Co&lt;/i&gt;</td>" in html


def test_taking_a_ticket_someone_took_a_moment_ago_fails_clearly(people, policy, client_for):
    ticket = make(people)
    other = factories.UserFactory(username="second-analyst")
    people.team.members.add(other)
    stale = Ticket.objects.get(pk=ticket.pk)
    services.take(ticket, by=people.analyst)
    with pytest.raises(Refused) as refused:
        services.take(stale, by=other)
    assert refused.value.status == 409 and "analyst took this ticket a moment ago" in refused.value.message
    response = client_for(other).post(f"/my/tickets/{ticket.reference}/work/", {"op": "take"})
    assert response.status_code == 409


def test_priority_change_re_times_the_clocks_and_moving_hands_it_over(people, policy, client_for):
    ticket = make(people, state="in_progress")
    client = client_for(people.analyst)
    due = Ticket.objects.get(pk=ticket.pk).due_at
    with time_machine.travel(NOW + timedelta(minutes=5), tick=False):
        changed = client.post(f"/my/tickets/{ticket.reference}/work/", {"op": "priority", "priority": "P1"})
    assert changed.status_code == 302
    ticket.refresh_from_db()
    assert ticket.priority == "P1" and ticket.due_at < due
    response = client.post(f"/my/tickets/{ticket.reference}/work/", {"op": "move", "team": people.other_team.pk})
    assert response["Location"] == "/desk/"  # it left this analyst's queues
    ticket.refresh_from_db()
    assert ticket.team == people.other_team and ticket.assignee is None


def test_bulk_assign_and_move_touch_only_the_analysts_own_queue(people, policy, client_for):
    ours = [make(people) for _ in range(3)]
    theirs = make(people, team=people.other_team)
    client = client_for(people.analyst)
    ids = [t.pk for t in ours] + [theirs.pk]
    client.post("/desk/bulk/", {"tickets": ids, "op": "assign", "to": people.analyst.username})
    assert Ticket.objects.filter(assignee=people.analyst).count() == 3
    assert Ticket.objects.get(pk=theirs.pk).assignee is None
    client.post("/desk/bulk/", {"tickets": [ours[0].pk], "op": "move", "team": people.other_team.pk})
    assert Ticket.objects.get(pk=ours[0].pk).team == people.other_team


def test_saved_views_are_per_analyst(people, policy, client_for):
    client = client_for(people.analyst)
    client.post("/desk/views/", {"name": "Urgent", "query": "priority=P1"})
    assert 'href="?priority=P1"' in client.get("/desk/").content.decode()
    assert 'href="?priority=P1"' not in client_for(people.manager).get("/desk/").content.decode()


def test_an_analyst_removes_their_own_saved_view_and_nobody_elses(people, policy, client_for):
    from helpdesk.models import SavedView

    client = client_for(people.analyst)
    client.post("/desk/views/", {"name": "Urgent", "query": "priority=P1"})
    view = SavedView.objects.get(owner=people.analyst)
    assert f'action="/desk/views/{view.pk}/delete/"' in client.get("/desk/").content.decode()
    assert client_for(people.manager).post(f"/desk/views/{view.pk}/delete/").status_code == 404  # not theirs
    assert client.get(f"/desk/views/{view.pk}/delete/").status_code == 405
    removed = client.post(f"/desk/views/{view.pk}/delete/", follow=True)
    assert "is no longer among your views" in removed.content.decode()
    assert not SavedView.objects.exists() and 'href="?priority=P1"' not in client.get("/desk/").content.decode()


def test_the_rows_alone_for_the_self_refreshing_list(people, policy, client_for):
    make(people)
    response = client_for(people.analyst).get("/desk/", HTTP_X_REQUESTED_WITH="fetch")
    html = response.content.decode()
    assert "<table" in html and "<html" not in html


@pytest.mark.parametrize("count", [5, 60])
def test_desk_and_board_queries_do_not_grow(count, people, policy, client_for, django_assert_max_num_queries):
    for _ in range(count):
        make(people)
    analyst, manager = client_for(people.analyst), client_for(people.manager)
    with django_assert_max_num_queries(10):
        assert analyst.get("/desk/").status_code == 200
    with django_assert_max_num_queries(10):
        assert manager.get("/dashboard/").status_code == 200


@time_machine.travel(NOW + timedelta(days=1), tick=False)
def test_the_board_counts_breaches_compliance_and_backlog(people, policy, client_for):
    late = make(people)  # P3 response (4 h) breached by tomorrow
    met = make(people, state="in_progress")
    services.reply(met, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=10))
    board = client_for(people.manager).get("/dashboard/").context["board"]
    team_row = next(row for row in board.by_team if row["team_id"] == people.team.pk)
    assert team_row["open"] == 2 and team_row["breached"] >= 1
    assert board.compliance["response"]["met"] == 1
    assert sum(row["count"] for row in board.backlog) == 2
    assert sum(week["raised"] for week in board.weeks) == 2
    assert late.state == State.NEW


@time_machine.travel(NOW + timedelta(days=1), tick=False)
def test_every_figure_on_the_board_drills_down_to_the_tickets_behind_it(people, policy, client_for):
    make(people)  # response breached by now
    answered = make(people, state="in_progress")
    services.reply(answered, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=10))
    make(people, state="resolved")
    make(people, state="cancelled")
    make(people, team=people.other_team, at=NOW - timedelta(days=20))  # an older week, another team
    refresh_reports()  # what the task worker does every five minutes
    manager = client_for(people.manager)
    html = manager.get("/dashboard/").content.decode()
    links = re.findall(r'<a[^>]*href="(/desk/\?[^"]+)">(\d+)', html)
    assert len(links) >= 2 * 3 + len(AGE_BANDS) + 12 * 3  # teams, ages, weeks
    for url, figure in links:
        assert len(listed(manager.get(unescape(url)))) == int(figure), url
    # This month's targets open the report's lists, counted in the same (reporting) month.
    targets = re.findall(r'<a[^>]*href="(/reports/tickets/\?[^"]+)">(?:(\d+) of \d+|(\d+) late)', html)
    assert len(targets) == 2 * 2
    for url, met, late in targets:
        assert manager.get(unescape(url)).context["page"].paginator.count == int(met or late), url


@time_machine.travel(NOW + timedelta(hours=1), tick=False)
def test_measured_dates_alone_list_tickets_with_a_target_met_or_missed_in_those_days(people, policy, client_for):
    answered = make(people, state="in_progress")
    services.reply(answered, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=10))
    make(people)  # its clocks still run: nothing measured yet
    make(people, state="cancelled")  # its clocks were withdrawn: neither met nor missed
    manager = client_for(people.manager)
    today, tomorrow = NOW.date(), NOW.date() + timedelta(days=1)
    for dates in [f"measured_after={today}&measured_before={today}", f"measured_before={today}"]:
        assert listed(manager.get(f"/desk/?state=&{dates}")) == [answered.reference]
        assert listed(manager.get(f"/desk/?state=&{dates}&outcome=met_response")) == [answered.reference]
        assert listed(manager.get(f"/desk/?state=&{dates}&outcome=missed_response")) == []
    assert listed(manager.get(f"/desk/?state=&measured_after={tomorrow}")) == []
    refused = manager.get(f"/desk/?state=&measured_after={today}&measured_before=someday")
    assert listed(refused) == [] and "Enter a valid date" in refused.content.decode()


def test_finished_weeks_are_kept_and_this_week_is_counted_live(people, policy, client_for):
    manager = client_for(people.manager)
    with time_machine.travel(NOW, tick=False):
        make(people, at=NOW - timedelta(weeks=2))
        weeks = manager.get("/dashboard/").context["board"].weeks
        assert [week["raised"] for week in weeks][-3:] == [1, 0, 0]
        make(people)
        make(people, at=NOW - timedelta(weeks=2))  # counted again within the hour
        weeks = manager.get("/dashboard/").context["board"].weeks
        assert [week["raised"] for week in weeks][-3:] == [1, 0, 1]
    with time_machine.travel(NOW + timedelta(hours=2), tick=False):
        weeks = manager.get("/dashboard/").context["board"].weeks
        assert [week["raised"] for week in weeks][-3:] == [2, 0, 1]


def test_team_actions_refuse_finished_tickets(people, policy, client_for):
    done = make(people, state="cancelled")
    response = client_for(people.analyst).post(f"/my/tickets/{done.reference}/work/", {"op": "take"})
    assert response.status_code == 409
    assert Ticket.objects.get(pk=done.pk).assignee is None


def test_moving_an_assigned_ticket_makes_it_new_to_the_other_team(people, policy):
    assigned = make(people, state="assigned")
    services.move_team(assigned, by=people.analyst, team=people.other_team)
    assigned.refresh_from_db()
    assert (assigned.state, assigned.assignee) == (State.NEW, None)


def test_assigning_work_in_progress_keeps_it_in_progress(people, policy):
    started = make(people, state="in_progress")
    other = factories.UserFactory(username="helper")
    people.team.members.add(other)
    services.assign(started, by=people.analyst, to=other)
    started.refresh_from_db()
    assert (started.state, started.assignee) == (State.IN_PROGRESS, other)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/desk/?due_before=9999-12-31", None),
        ("/desk/?outcome=breached&measured_after=0001-01-01&measured_before=9999-12-31", None),
        ("/desk/?created_after=0001-01-01&resolved_before=9999-12-31&state=", None),
        ("/desk/?age=forever&outcome=missed_everything", None),
        ("/desk/?page=99999999999999999999", None),
        ("/desk/bulk/", {"tickets": ["1"], "op": "move", "team": "abc"}),
        ("/my/tickets/{ref}/work/", {"op": "move", "team": "abc"}),
        ("/my/tickets/{ref}/act/", {"action": "assign", "text": ""}),
    ],
)
def test_bad_input_is_a_4xx_or_a_redirect_never_a_500(url, data, people, policy, client_for):
    ticket = make(people)
    people.analyst.time_zone = "Pacific/Kiritimati"  # UTC+14: the first date's midnight is before year 1 in UTC
    people.analyst.save()
    client = client_for(people.analyst)
    response = client.post(url.format(ref=ticket.reference), data) if data else client.get(url)
    assert response.status_code in (200, 302, 400, 409)


@time_machine.travel(NOW + timedelta(days=1), tick=False)
def test_cancelled_tickets_count_neither_met_nor_missed(people, policy, client_for):
    cancelled = make(people, state="cancelled")
    assert all(clock.withdrawn for clock in cancelled.clocks)
    board = client_for(people.manager).get("/dashboard/").context["board"]
    assert [row["total"] for row in board.compliance.values()] == [0, 0]
    assert "none measured yet" in client_for(people.manager).get("/dashboard/").content.decode()
