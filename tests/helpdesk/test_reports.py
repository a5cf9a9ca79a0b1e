"""Reports keep score: figures for any period from daily roll-ups, each opening the tickets behind it, the
same figures on the board, the IT Promise and in satisfaction, and days counted in one reporting zone."""

import csv
import io
import math
import re
from datetime import UTC, date, datetime, timedelta
from html import unescape

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.db.models import Q
from hypothesis import given
from hypothesis import strategies as st

from cms.models import HomePage, PromisePage, PromisePolicy
from helpdesk import satisfaction, services
from helpdesk.models import DailyFigure, Ticket, TicketFact
from helpdesk.reports import facts, periods, rollup, steps
from helpdesk.reports.measures import MEASURES
from helpdesk.reports.read import Slice, report
from helpdesk.selectors import board
from tests import factories

# Monday 2 November 2026, 09:00 in Stockholm, where the office calendar counts.
MONDAY = datetime(2026, 11, 2, 8, tzinfo=UTC)
# 23:30 on 30 November in New York: still November there, already 1 December in UTC and in Stockholm.
LAST_NIGHT = datetime(2026, 12, 1, 4, 30, tzinfo=UTC)
DECEMBER = datetime(2026, 12, 10, 12, tzinfo=UTC)
NOVEMBER = periods.month(date(2026, 11, 1))


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.REPORTING_TIME_ZONE = "America/New_York"


# -- steps: business times that add up across days ---------------------------------------------------------


@given(st.lists(st.integers(min_value=0, max_value=90 * 86400), min_size=1, max_size=60), st.sampled_from([0.5, 0.9]))
def test_a_percentile_from_steps_is_never_below_the_exact_one_nor_more_than_5_percent_above(seconds, fraction):
    ranked = sorted(seconds)
    exact = ranked[max(1, math.ceil(len(ranked) * fraction)) - 1]  # nearest rank
    read = steps.percentile(steps.count(seconds), fraction)
    assert exact <= read <= max(exact * 1.05, steps.FIRST)


@given(st.integers(min_value=1, max_value=300))
def test_each_step_ends_where_the_next_begins(step):
    assert steps.step_of(steps.step_end(step)) == step
    assert steps.step_of(steps.step_end(step) + 1) == step + 1


def test_counts_per_step_add_up_like_the_times_behind_them():
    week, weekend = [600, 3_600, 7_200], [86_400, 30]
    assert steps.add(steps.count(week), steps.count(weekend)) == steps.count(week + weekend)
    assert steps.percentile({}, 0.5) is None


# -- periods -------------------------------------------------------------------------------------------------


def test_periods_and_the_one_before_them():
    assert (NOVEMBER.first, NOVEMBER.last, NOVEMBER.previous().key) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        "2026-10",
    )
    q1 = periods.from_key("2027-Q1")
    assert (q1.first, q1.last, q1.previous().key) == (date(2027, 1, 1), date(2027, 3, 31), "2026-Q4")
    chosen = periods.Period(date(2026, 11, 10), date(2026, 11, 19), "")
    assert (chosen.previous().first, chosen.previous().last) == (date(2026, 10, 31), date(2026, 11, 9))
    assert periods.from_key("2026-13") is None and periods.from_key("Q3") is None
    with time_machine.travel(LAST_NIGHT, tick=False):
        assert periods.last_full_month(LAST_NIGHT).key == "2026-10"  # still November in New York


# -- figures that agree ---------------------------------------------------------------------------------------


def _life(people, service, *, raised, reply_after=None, resolve_after=None, cancel=False, score=None):
    ticket = factories.ticket(requester=people.requester, team=people.team, service=service, at=raised)
    if cancel:
        services.perform(ticket, "cancel", by=people.requester, at=raised + timedelta(hours=1), text="Not needed.")
        return ticket
    services.perform(ticket, "start", by=people.analyst, at=raised)
    if reply_after is not None:
        services.reply(ticket, by=people.analyst, body="Looking now.", at=raised + reply_after)
    if resolve_after is not None:
        services.perform(ticket, "resolve", by=people.analyst, at=raised + resolve_after, text="Fixed.")
        if score is not None:
            ticket.refresh_from_db()
            satisfaction.record_from_page(
                ticket, by=people.requester, score=score, comment="", now=raised + resolve_after + timedelta(hours=1)
            )
    return ticket


@pytest.fixture
def november(people, policy):
    """Fourteen tickets of one service with known outcomes in November (New York days).

    Ten meet both targets, three miss both, one is cancelled; the last is resolved at 22:00 on 30 November
    in New York, which is 1 December in UTC. Four answered the satisfaction question: 5, 4, 4 and 1.
    """
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, name="Laptops")
    made = []
    scores = iter([5, 4, 4])
    for day in range(9):  # weekdays from 2 November
        raised = MONDAY + timedelta(days=day + 2 * (day // 5))
        made.append(
            _life(
                people,
                service,
                raised=raised,
                reply_after=timedelta(minutes=10),
                resolve_after=timedelta(hours=2),
                score=next(scores, None),
            )
        )
    for day in range(3):  # answered after three days, resolved after ten: both targets missed
        raised = MONDAY + timedelta(days=14 + day)
        made.append(
            _life(
                people,
                service,
                raised=raised,
                reply_after=timedelta(days=3),
                resolve_after=timedelta(days=10),
                score=1 if day == 0 else None,
            )
        )
    made.append(_life(people, service, raised=MONDAY + timedelta(days=17), cancel=True))
    boundary = datetime(2026, 11, 30, 8, tzinfo=UTC)
    made.append(
        _life(people, service, raised=boundary, reply_after=timedelta(minutes=10), resolve_after=timedelta(hours=19))
    )  # 03:00 UTC on 1 December
    return service, made


def _figure(html: str, label: str) -> str:
    """The big figure under a headline label on the report page."""
    found = re.search(rf"<p>{re.escape(label)}</p>\s*<p class=\"big\">(?:<a [^>]*>)?([^<]+)", html)
    assert found, label
    return found[1].strip()


def test_every_surface_shows_the_same_figures_for_the_same_month(november, people, client_for):
    service, _made = november
    manager = client_for(people.manager)

    # On the last evening of November in New York, the board's month is November too.
    with time_machine.travel(LAST_NIGHT, tick=False):
        facts.refresh()
        figures = report(NOVEMBER, Slice()).total
        on_board = board(now=LAST_NIGHT)
        assert on_board.month.key == "2026-11"
        assert on_board.compliance["response"]["met"] == figures.response_met == 10
        assert on_board.compliance["response"]["total"] == figures.response_judged == 13
        assert on_board.compliance["resolution"]["met"] == figures.resolution_met == 10
        assert on_board.compliance["resolution"]["total"] == figures.resolution_judged == 13
    assert (figures.raised, figures.resolved, figures.finished) == (14, 13, 14)
    assert (figures.csat_asked, figures.csat_answered, figures.csat_total, figures.csat_unhappy) == (13, 4, 14, 1)
    assert figures.csat_average == 3.5 and figures.csat_percent == 75

    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        html = manager.get("/reports/?period=2026-11&who=&by=service").content.decode()
        assert _figure(html, "Raised") == "14"
        assert _figure(html, "Resolved on time") == "77 %"  # 10 of 13
        assert _figure(html, "Satisfaction (1 to 5)") == "3.5"
        # The IT Promise publishes last month's result beside the P3 targets (enough tickets to judge).
        home = HomePage.objects.get()
        page = home.add_child(instance=PromisePage(title="Our IT Promise", slug="it-promise"))
        page.policies = [PromisePolicy(policy=service.policy)]
        page.save_revision().publish()
        promise = client_for(None).get("/it-promise/").content.decode()
        assert "Kept: 77 % of 13 in November 2026" in promise
        assert "only 4 answers, too few to judge" in promise

        # Every figure on the report opens exactly as many tickets as it says.
        links = re.findall(r'<a href="(/reports/tickets/\?[^"]+)">([\d,]+(?: %)?)</a>', html)
        counts = [(url, shown) for url, shown in links if not shown.endswith("%")]
        assert len(counts) >= 11  # the headline counts, and the row's and the total's in the table
        for url, shown in counts:
            listed = manager.get(unescape(url)).context["page"].paginator.count
            assert listed == int(shown.replace(",", "")), url
        # A percentage opens the tickets that fell short of it: three late of thirteen judged.
        late = manager.get("/reports/tickets/?period=2026-11&by=all&measure=resolution_missed")
        assert late.context["page"].paginator.count == 3
        # A median opens the times it is read from, slowest first: the thirteen resolutions judged.
        median = re.search(r'<a href="(/reports/tickets/\?[^"]+measure=resolution_times)">', html)
        timed = manager.get(unescape(median[1]))
        assert timed.context["page"].paginator.count == 13
        seconds = [fact.resolution_time for fact in timed.context["page"]]
        assert seconds == sorted(seconds, reverse=True) and seconds[0] > seconds[-1]
        assert "Resolutions timed: 13" in timed.content.decode()


def test_in_utc_the_late_resolution_falls_in_december(november, settings):
    settings.REPORTING_TIME_ZONE = "UTC"
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()  # the zone changed: everything is counted again
        assert report(NOVEMBER, Slice()).total.resolution_judged == 12
        assert report(periods.month(date(2026, 12, 1)), Slice()).total.resolution_judged == 1


def test_a_reopened_ticket_leaves_the_day_it_was_resolved(people, policy):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    ticket = _life(people, service, raised=MONDAY, reply_after=timedelta(minutes=5), resolve_after=timedelta(hours=1))
    with time_machine.travel(MONDAY + timedelta(days=1), tick=False):
        facts.refresh()
        assert report(NOVEMBER, Slice()).total.resolved == 1
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        ticket.refresh_from_db()
        services.perform(ticket, "reopen", by=people.requester, text="It broke again.")
        facts.refresh()
        figures = report(NOVEMBER, Slice()).total
        assert (figures.resolved, figures.backlog) == (0, 1)
    with time_machine.travel(MONDAY + timedelta(days=3), tick=False):
        ticket.refresh_from_db()
        services.perform(ticket, "resolve", by=people.analyst, text="New battery.")
        facts.refresh()
        figures = report(NOVEMBER, Slice()).total
        assert (figures.resolved, figures.reopened, figures.first_contact, figures.backlog) == (1, 1, 0, 0)


def test_a_change_of_team_moves_the_ticket_in_every_day_it_counts_on(people, policy):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    ticket = _life(people, service, raised=MONDAY, reply_after=timedelta(minutes=5))
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        facts.refresh()
        by_team = {row.label: row.raised for row in report(NOVEMBER, Slice(by="team")).rows}
        assert by_team == {"Service Desk": 1}
        services.move_team(Ticket.objects.get(pk=ticket.pk), by=people.analyst, team=people.other_team)
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        facts.refresh()
        by_team = {row.label: row.raised for row in report(NOVEMBER, Slice(by="team")).rows}
        assert by_team == {"Infrastructure": 1}
        assert TicketFact.objects.get(pk=ticket.pk).first_contact is False


# -- the pages -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("requester", 403), ("analyst", 403), ("editor", 403), ("manager", 200)],
)
@pytest.mark.parametrize(
    "url", ["/reports/", "/reports/tickets/?period=2026-11&measure=raised", "/reports/export/csv/"]
)
def test_reports_are_for_managers(who, status, url, people, client_for):
    assert client_for(getattr(people, who)).get(url).status_code == status


@pytest.mark.parametrize(
    "query",
    [
        "/reports/?period=someday",
        "/reports/?period=custom",
        "/reports/?period=custom&start=2026-11-10&end=2026-11-01",
        "/reports/?period=custom&start=2020-01-01&end=2026-11-01",
        "/reports/?period=2026-11&by=shoe+size",
        "/reports/?period=2026-11&who=division:999999",
        "/reports/tickets/?period=2026-11&measure=everything",
        "/reports/tickets/?period=2026-11&by=service&value=1;drop&measure=raised",
        "/reports/tickets/?period=2026-11&by=service&value=abc&measure=raised",
        "/reports/tickets/?period=2026-11&by=analyst&value=abc&measure=raised&format=csv",
        "/reports/tickets/?period=2026-11&by=priority&value=P1:2&measure=raised",
        "/reports/tickets/?period=2026-11&by=all&value=3&measure=raised",
        "/reports/tickets/?period=2026-11&by=service&value=99999999999999999999&measure=raised",
        "/reports/tickets/",
        "/reports/export/pdf/?period=2026-11",
    ],
)
def test_a_report_that_cannot_be_made_says_why_with_a_400(query, people, client_for):
    response = client_for(people.manager).get(query)
    assert response.status_code == 400


@pytest.mark.parametrize("lives", [2, 12])
def test_a_report_reads_a_fixed_number_of_queries(lives, people, policy, client_for, django_assert_max_num_queries):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    division = factories.DivisionFactory()
    people.requester.division = division
    people.requester.save()
    for day in range(lives):
        _life(
            people,
            service,
            raised=MONDAY + timedelta(days=day % 5),
            reply_after=timedelta(minutes=5),
            resolve_after=timedelta(hours=1),
        )
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        manager = client_for(people.manager)
        manager.get("/reports/")  # the session and the person, read once
        for by in ("service", "analyst", "priority", "all"):
            with django_assert_max_num_queries(12):
                response = manager.get(f"/reports/?period=2026-Q4&who=division:{division.pk}&by={by}")
            assert response.status_code == 200
            assert response.context["report"].total.raised == lives
        with django_assert_max_num_queries(12):
            assert manager.get("/reports/tickets/?period=2026-Q4&by=service&measure=raised").status_code == 200


def test_every_table_exports_as_csv_and_for_excel(november, people, client_for):
    manager = client_for(people.manager)
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        response = manager.get("/reports/export/csv/?period=2026-11&by=service")
        assert response["Content-Disposition"] == 'attachment; filename="report-november-2026.csv"'
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:3] == ["Service", "Raised", "Resolved"]
        assert rows[1][:3] == ["Laptops", "14", "13"] and rows[-1][:3] == ["All", "14", "13"]
        book = openpyxl.load_workbook(
            io.BytesIO(manager.get("/reports/export/xlsx/?period=2026-11&by=service").content)
        )
        sheet = book.active
        assert [cell.value for cell in sheet[2]][:3] == ["Laptops", 14, 13]
        late = manager.get("/reports/tickets/?period=2026-11&by=service&measure=resolution_missed&format=xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(late.content)).active
        assert sheet.max_row == 1 + 3


def _all_figures() -> list[tuple]:
    fields = ("day", "segment", "segment_value", "by", "value", "raised", "resolved", "resolution_met", "csat_total")
    return sorted(DailyFigure.objects.values_list(*fields, "resolution_times"), key=repr)


def test_a_rebuild_writes_the_same_rows_as_the_changes_did(november):
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        before = _all_figures()
        facts.rebuild()
        assert _all_figures() == before and len(before) > 50


def test_a_refresh_over_months_apart_writes_what_a_rebuild_does(november, people):
    service, made = november
    with time_machine.travel(DECEMBER, tick=False):
        facts.rebuild()
    with time_machine.travel(DECEMBER + timedelta(hours=1), tick=False):
        # A ticket of August comes in late (an import), and a November ticket is reopened: two months apart.
        factories.ticket(
            requester=people.requester,
            team=people.team,
            service=service,
            state="resolved",
            at=datetime(2026, 8, 3, 13, tzinfo=UTC),
        )
        services.perform(made[0], "reopen", by=people.requester, text="It stopped again.")
        assert facts.refresh()["days"] >= 2  # 3 August and the day the reopened ticket was resolved
        refreshed = _all_figures()
        assert {row[0].month for row in refreshed} >= {8, 11}
        facts.rebuild()
        assert _all_figures() == refreshed


def test_months_in_a_row_are_added_up_as_one_range():
    months = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 4, 1), date(2026, 12, 1)]
    assert rollup._runs(months) == [
        (date(2026, 1, 1), date(2026, 3, 1)),
        (date(2026, 4, 1), date(2026, 5, 1)),
        (date(2026, 12, 1), date(2027, 1, 1)),
    ]


def test_what_a_requester_typed_never_runs_as_a_formula_in_an_export(people, policy, client_for):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, name="=HYPERLINK(1)")
    ticket = factories.ticket(requester=people.requester, team=people.team, service=service, at=MONDAY)
    Ticket.objects.filter(pk=ticket.pk).update(title='=IMPORTXML("http://x")')
    manager = client_for(people.manager)
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        listed = manager.get("/reports/tickets/?period=2026-11&by=all&measure=raised&format=csv").content.decode()
        assert "'=IMPORTXML" in listed and "'=HYPERLINK(1)" in listed
        book = manager.get("/reports/export/xlsx/?period=2026-11&by=service").content
        cell = openpyxl.load_workbook(io.BytesIO(book)).active["A2"]
        assert (cell.value, cell.data_type) == ("'=HYPERLINK(1)", "s")


def test_a_service_page_shows_each_target_kept_by_the_tickets_of_its_own_level(people, client_for):
    """A service's premium tier has its own targets: its tickets are judged by them, and never mixed into
    the results shown beside the standard targets."""
    from cms.models import CatalogueIndexPage, ServicePage

    premium = factories.PolicyFactory(name="Premium")
    standard = factories.PolicyFactory(
        name="Standard", is_default=True, premium_policy=premium, premium_from_grade_level=5
    )
    director = factories.UserFactory(username="director", grade=factories.GradeFactory(level=5))
    service = factories.ServiceFactory(owner_team=people.team, policy=standard, name="Laptops")
    for day in range(10):
        raised = MONDAY + timedelta(days=day % 5)
        _life(people, service, raised=raised, reply_after=timedelta(minutes=5), resolve_after=timedelta(hours=1))
        ticket = factories.ticket(requester=director, team=people.team, service=service, at=raised)
        services.perform(ticket, "start", by=people.analyst, at=raised)
        services.perform(ticket, "resolve", by=people.analyst, at=raised + timedelta(days=6), text="Late.")
    assert Ticket.objects.filter(policy=premium).count() == 10
    catalogue = HomePage.objects.get().add_child(instance=CatalogueIndexPage(title="Services", slug="services"))
    catalogue.add_child(instance=ServicePage(title="Laptops", slug="laptops", service=service))
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        html = client_for(None).get("/services/laptops/").content.decode()
    assert html.count("Kept: 100 % of 10 in November 2026") == 2  # P3: first response and resolution
    assert "Kept: 0 %" not in html and "of 20" not in html


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2026, 11, 1), date(2026, 11, 30)),  # a month's row
        (date(2026, 11, 3), date(2026, 11, 17)),  # days only
        (date(2026, 10, 20), date(2026, 12, 2)),  # days, a month's row, days
        (date(2026, 11, 1), date(2026, 12, 31)),  # two months' rows
    ],
)
def test_whole_months_and_edge_days_add_up_to_the_tickets_behind_every_figure(november, first, last):
    from helpdesk.reports.read import tickets_behind

    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        period = periods.Period(first, last, "")
        for chosen in (Slice(), Slice(by="team"), Slice(segment="team", segment_value=str(november[0].owner_team_id))):
            figures = report(period, chosen).total
            for measure in (*MEASURES, "backlog"):
                counted = tickets_behind(period, chosen, None, measure).count()
                assert getattr(figures, measure) == counted, (chosen, measure)
            for name, counts in figures.times.items():  # a median is read from as many times as it lists
                assert sum(counts.values()) == tickets_behind(period, chosen, None, name).count(), (chosen, name)


def _rows(rows: list[dict]) -> list[tuple]:
    return sorted((tuple(row[name] for name in rollup.COLUMNS) for row in rows), key=repr)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="every slice at once is PostgreSQL's way")
def test_every_slice_at_once_adds_up_the_same_rows_as_one_slice_at_a_time(november, people, policy):
    """The two ways of adding up (helpdesk/reports/rollup.py) agree on every row and every field, with
    facts in every segment, facts in none (no team, no division) and business times in steps."""
    nobody = factories.UserFactory(division=None, cost_centre=None, grade=None, location=None, time_zone="UTC")
    bare = factories.ticket(requester=nobody, team=people.team, state="resolved", at=MONDAY + timedelta(days=3))
    Ticket.objects.filter(pk=bare.pk).update(service=None)
    with time_machine.travel(DECEMBER, tick=False):
        facts.rebuild()
    everything = rollup.every_slice_at_once(lambda field: Q(**{f"{field}__isnull": False}))
    one_by_one = rollup.one_slice_at_a_time(lambda field: Q(**{f"{field}__isnull": False}))
    assert _rows(list(everything.rows.values())) == _rows(list(one_by_one.rows.values()))
    assert len(everything.rows) > 100
    assert any(row["resolution_times"] for row in everything.rows.values())
    in_november = [date(2026, 11, 1) + timedelta(days=n) for n in range(30)]
    some = rollup.every_slice_at_once(lambda field: Q(**{f"{field}__in": in_november}))
    assert _rows(list(some.rows.values())) == _rows(
        list(rollup.one_slice_at_a_time(lambda field: Q(**{f"{field}__in": in_november})).rows.values())
    )
