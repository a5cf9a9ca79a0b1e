"""The monthly board report: its figures are the reports pages' for the same month, it is made once on the
first working day by the scheduler and mailed to managers, kept unchanged (a new version says why), and
its page, PDF and tables are for managers only."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from catalogue import demand, reviews
from catalogue.models import Submission
from cms.models import HomePage, Milestone, ProjectPage
from helpdesk.board import make
from helpdesk.board.figures import tables
from helpdesk.models import BoardReport, Mail
from helpdesk.models.people import display_name
from helpdesk.reports import facts, periods
from helpdesk.reports.read import Slice, report
from helpdesk.reports.table import HEADLINE
from helpdesk.services import Refused
from sla.models import Closure
from tests import factories
from tests.helpdesk import test_reports
from tests.helpdesk.test_reports import MONDAY, NOVEMBER, _figure, _life

# November's fourteen tickets with known outcomes, counted in New York days (tests/helpdesk/test_reports.py).
november, new_york = test_reports.november, test_reports.new_york

DECEMBER = datetime(2026, 12, 10, 12, tzinfo=UTC)
OCTOBER = periods.month(date(2026, 10, 1))


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.fixture
def charged(november, people):
    """One priced request delivered in November to the requester's cost centre, and a search that found
    nothing."""
    service, _made = november
    request_type = factories.RequestTypeFactory(service=service, name="New laptop", one_off_price=Decimal("1100.00"))
    person = people.requester
    submission = Submission.objects.create(
        request_type=request_type,
        requester=person,
        raised_by=person,
        cost_centre=person.cost_centre,
        one_off_price=Decimal("880.00"),
        monthly_price=Decimal("0"),
        discount="Research 20 %",
    )
    factories.ticket(
        requester=person,
        team=people.team,
        state="resolved",
        service=service,
        kind="request",
        title="New laptop",
        submission=submission,
        at=MONDAY + timedelta(days=3),
    )
    with time_machine.travel(MONDAY + timedelta(days=4), tick=False):
        demand.record_search_miss("tablet stand", person=person)
    # One service whose yearly review was due in the summer and has not been recorded.
    factories.ServiceFactory(owner_team=people.team, name="Fax", review_date=date(2026, 7, 1))
    return submission


def test_the_board_report_shows_the_figures_of_the_reports_pages_for_the_same_month(charged, people, client_for):
    manager = client_for(people.manager)
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        kept = make.generate(NOVEMBER, by=people.manager)
        page = manager.get("/reports/?period=2026-11&who=&by=service").content.decode()
        on_chargeback = manager.get("/reports/chargeback/?month=2026-11").context
        overdue = reviews.overdue_count(today=date(2026, 12, 10))
    figures = kept.figures
    total = report(NOVEMBER, Slice()).total

    # The headline: every large figure of /reports/ for November, as written there.
    delivery = next(s for s in figures["sections"] if s["key"] == "delivery")
    for label, value, _before in delivery["facts"]:
        assert _figure(page, label) == value, label
    assert [label for label, *_ in delivery["facts"]] == [str(column.label) for column in HEADLINE]
    assert figures["totals"]["raised"] == total.raised == 15
    assert figures["totals"]["resolution_percent"] == total.resolution_percent
    assert figures["totals"]["csat_average"] == total.csat_average == 3.5

    # Compliance per target, the service's row and the month in the trend: the same counts.
    by_table = tables(figures)
    targets = {row[0]: row for row in by_table["targets"]["rows"]}
    for row in report(NOVEMBER, Slice(by="priority")).rows:
        assert targets[row.label][1:] == [
            row.response_percent,
            row.response_judged,
            row.resolution_percent,
            row.resolution_judged,
        ]
    laptops = by_table["services"]["rows"][0]
    assert laptops[:4] == ["Laptops", total.raised, total.resolved, total.backlog]
    assert by_table["trend"]["rows"][-1][:3] == ["November 2026", total.raised, total.resolved]
    assert len(by_table["trend"]["rows"]) == 6 and by_table["trend"]["rows"][0][0] == "June 2026"

    # Cost: the chargeback statements' total for November, to the cent.
    assert on_chargeback["total"] == Decimal("880.00")
    assert Decimal(figures["totals"]["charged"]) == on_chargeback["total"]
    assert by_table["cost"]["total"][2:] == ["880.00", "0.00", "220.00", "880.00"]

    # Quality, reviews and gaps.
    this_month, month_before = by_table["quality"]["rows"]
    assert this_month == [
        "November 2026",
        total.csat_average,
        total.csat_percent,
        total.csat_rate,
        total.csat_unhappy,
        total.reopen_percent,
        total.first_contact_percent,
    ]
    assert this_month[1:3] == [3.5, 75] and month_before[0] == "October 2026"
    assert by_table["follow_ups"]["rows"] == [["November 2026", 1, 0, 1, 0, 0]]  # the one who answered 1
    assert figures["totals"]["reviews_overdue"] == overdue == 1
    gap = demand.gaps(*periods.window(NOVEMBER))[0]
    assert by_table["gaps"]["rows"] == [["tablet stand", gap.kind_label, gap.division or "No division", 1]]

    # The page shows the kept body; the PDF reads as the same report.
    shown = manager.get("/reports/board/2026-11/")
    assert shown.status_code == 200 and kept.html in shown.content.decode()
    assert '<p>Reviews overdue</p><p class="big">1</p>' in kept.html
    text = pdf_text(manager.get("/reports/board/2026-11/v1.pdf").getvalue())
    assert "Board report, November 2026" in text
    assert text.index("Service delivery") < text.index("Quality") < text.index("Cost")
    assert re.search(r"Raised\s+15", text), text[:600]
    assert "880.00" in text


def test_the_scheduler_makes_last_months_report_on_the_first_working_day_once_and_mails_managers(
    people, policy, settings
):
    settings.REPORTING_TIME_ZONE = "Europe/Stockholm"
    people.manager.email = "head@example.org"
    people.manager.save()
    # 1 August 2026 is a Saturday and the office is closed on Monday 3 August: Tuesday is the first working day.
    Closure.objects.create(calendar=policy.calendar, name="Move", start_date=date(2026, 8, 3))
    assert make.first_working_day(date(2026, 8, 1)) == date(2026, 8, 4)
    with time_machine.travel(datetime(2026, 7, 31, 20, tzinfo=UTC), tick=False):
        facts.refresh()  # the last refresh before July ends in Stockholm (22:00 UTC)
    for closed in (datetime(2026, 8, 1, 9, tzinfo=UTC), datetime(2026, 8, 3, 9, tzinfo=UTC)):
        with time_machine.travel(closed, tick=False):
            assert make.generate_due() is None
    with time_machine.travel(datetime(2026, 8, 4, 6, tzinfo=UTC), tick=False):
        assert make.generate_due() is None  # the roll-ups have not counted 31 July's last hours yet
        facts.refresh()
        made = make.generate_due()
        assert made is not None and (made.month, made.version, made.reason) == (date(2026, 7, 1), 1, "")
        assert make.generate_due() is None  # once
    assert BoardReport.objects.count() == 1
    mail = Mail.objects.get(purpose=Mail.Purpose.REPORT)
    assert mail.to == ["head@example.org"] and mail.subject == "Board report for July 2026"
    assert "/reports/board/2026-07/?version=1" in mail.body and "Tickets raised: 0." in mail.body
    assert made.pdf.read().startswith(b"%PDF")


def test_a_report_is_never_changed_a_new_version_says_why(november, people, client_for):
    manager = client_for(people.manager)
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        first = make.generate(NOVEMBER)
        first_pdf = first.pdf.read()
        with pytest.raises(Refused, match="say why"):
            make.generate(NOVEMBER, by=people.manager)
        # A ticket raised late in November is counted by the next version, not by the first.
        service, _made = november
        _life(people, service, raised=MONDAY + timedelta(days=20), reply_after=timedelta(minutes=5))
        facts.refresh()
        response = manager.post("/reports/board/make/", {"month": "2026-11", "reason": "  a late ticket counted  "})
        assert response.status_code == 302 and response["Location"] == "/reports/board/2026-11/?version=2"
        # Refused: no reason, a month not over, no month; what was typed is kept.
        again = manager.post("/reports/board/make/", {"month": "2026-11", "reason": ""})
        assert again.status_code == 400 and "say why" in again.content.decode()
        early = manager.post("/reports/board/make/", {"month": "2026-12", "reason": "early"})
        assert early.status_code == 400 and 'value="early"' in early.content.decode()
        assert manager.post("/reports/board/make/", {"month": "soon"}).status_code == 400

    second = BoardReport.objects.get(month=date(2026, 11, 1), version=2)
    assert second.reason == "a late ticket counted" and second.generated_by == people.manager
    first.refresh_from_db()
    assert (first.figures["totals"]["raised"], second.figures["totals"]["raised"]) == (14, 15)
    first.pdf.open("rb")
    assert first.pdf.read() == first_pdf
    newest = manager.get("/reports/board/2026-11/").content.decode()
    assert "Version 2" in newest and "a late ticket counted" in newest
    older = manager.get("/reports/board/2026-11/?version=1").content.decode()
    assert "A newer version (2) exists." in older and first.html in older
    assert re.search(r"Raised\s+15", pdf_text(manager.get("/reports/board/2026-11/v2.pdf").getvalue()))
    assert re.search(r"Raised\s+14", pdf_text(manager.get("/reports/board/2026-11/v1.pdf").getvalue()))


def test_every_table_downloads_and_only_managers_read_reports(november, people, client_for):
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        kept = make.generate(NOVEMBER)
    manager = client_for(people.manager)
    for key, table in tables(kept.figures).items():
        response = manager.get(f"/reports/board/2026-11/v1/{key}.csv")
        assert response.status_code == 200, key
        rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert len(rows) == 1 + len(table["rows"]) + (1 if table["total"] else 0), key
    trend = list(csv.reader(io.StringIO(manager.get("/reports/board/2026-11/v1/trend.csv").content.decode())))
    assert trend[0][:3] == ["Month", "Raised", "Resolved"] and trend[-1][:2] == ["November 2026", "14"]
    book = openpyxl.load_workbook(io.BytesIO(manager.get("/reports/board/2026-11/v1/all.xlsx").content))
    assert {"targets", "services", "trend", "projects", "quality", "cost", "gaps"} <= set(book.sheetnames)

    for url in (
        "/reports/board/2026-11/v9.pdf",
        "/reports/board/2026-13/",
        "/reports/board/2026-10/",
        "/reports/board/2026-11/?version=x",
        "/reports/board/2026-11/v1/nothing.csv",
        "/reports/board/2026-11/v1/trend.exe",
    ):
        assert manager.get(url).status_code == 404, url
    for person in (people.requester, people.analyst):
        for url in ("/reports/board/", "/reports/board/2026-11/", "/reports/board/2026-11/v1.pdf"):
            assert client_for(person).get(url).status_code == 403, url
        assert client_for(person).post("/reports/board/make/", {"month": "2026-10"}).status_code == 403
    assert client_for(None).get("/reports/board/").status_code == 302


def test_the_projects_roll_up_reads_the_project_pages(november, people):
    service, _made = november
    home = HomePage.objects.get()
    project = ProjectPage(
        title="Windows 11", slug="windows-11", summary="Every laptop moves.", phase="delivery", status="at_risk"
    )
    home.add_child(instance=project)
    project.services.add(service)
    project.milestones = [
        Milestone(name="Pilot", due=date(2026, 11, 10), done=True),
        Milestone(name="Finance", due=date(2026, 11, 20), done=False),
        Milestone(name="Everyone", due=date(2027, 1, 15), done=False),
    ]
    project.save_revision().publish()
    factories.ticket(
        requester=people.requester,
        team=people.team,
        service=service,
        impact="high",
        urgency="high",
        kind="incident",
        at=MONDAY + timedelta(days=5),
    )
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        kept = make.generate(NOVEMBER)
    by_table = tables(kept.figures)
    assert by_table["projects"]["rows"] == [
        ["Windows 11", "In delivery", "At risk", "", 2, 1, 1, "Everyone (15 Jan 2027)", 1]
    ]
    assert by_table["milestones"]["rows"] == [
        ["Windows 11", "Pilot", "2026-11-10", "Done"],
        ["Windows 11", "Finance", "2026-11-20", "Slipped"],
    ]


def test_the_board_pages_run_the_same_queries_for_one_month_and_many(people, client_for, policy):
    manager = client_for(people.manager)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        make.generate(periods.month(date(2026, 11, 1)))
        few = count("/reports/board/"), count("/reports/board/2026-11/")
        for month in range(1, 11):
            make.generate(periods.month(date(2026, month, 1)))
        make.generate(periods.month(date(2026, 11, 1)), reason="again")
        assert (count("/reports/board/"), count("/reports/board/2026-11/")) == few


def test_two_versions_made_at_once_keep_one_and_leave_no_file_behind(people, policy, client_for):
    """Another manager's version lands while this one is drawn: this one is refused (409), its PDF removed."""
    from wagtail import hooks

    storage = BoardReport._meta.get_field("pdf").storage

    def meanwhile(period, start, end):
        BoardReport.objects.create(month=period.first, version=2, reason="theirs", generated_at=start)
        return []

    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        make.generate(OCTOBER)  # a month no other test makes a second version of
        with hooks.register_temporarily("board_report_sections", meanwhile):
            response = client_for(people.manager).post("/reports/board/make/", {"month": "2026-10", "reason": "mine"})
    assert response.status_code == 409 and "at the same moment" in response.content.decode()
    assert 'value="mine"' in response.content.decode()
    assert list(BoardReport.objects.values_list("version", "reason")) == [(2, "theirs"), (1, "")]
    _dirs, files = storage.listdir("board/2026")
    assert not [name for name in files if name.startswith("board-2026-10-v2")]  # no PDF of a version not kept


def test_improvement_actions_are_those_open_when_the_month_ended_and_those_finished_in_it(people, policy):
    from helpdesk import improvements, problems

    def at(month: int, day: int) -> datetime:
        return datetime(2026, month, day, 15, tzinfo=UTC)

    def action(title: str, made: datetime, *, done: datetime | None = None, status: str = "done"):
        item = improvements.suggest(by=people.requester, title=title, at=made)
        if done is not None:
            improvements.update(item, by=people.manager, status=status, owner=people.analyst, due_on=None, at=done)
        return item

    action("Open since October", at(10, 5))
    action("Done in November", at(10, 6), done=at(11, 20))
    action("Done in December", at(11, 2), done=at(12, 2))  # still open when November ended
    action("Done in October", at(10, 1), done=at(10, 30))
    action("Dropped", at(11, 3), done=at(11, 4), status="dropped")
    action("Made in December", at(12, 3))
    problem = problems.open_problem(title="Dock firmware", by=people.analyst, at=at(11, 4))
    problems.resolve(problem, by=people.analyst, resolution="Firmware 2.1 everywhere.", at=at(11, 25))
    problems.open_problem(title="Printer queue", by=people.analyst, at=at(10, 4))
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        by_table = tables(make.generate(NOVEMBER).figures)
    titles = {key: [row[0] for row in by_table[key]["rows"]] for key in ("improvements_open", "improvements_finished")}
    assert titles == {
        "improvements_open": ["Open since October", "Done in December"],
        "improvements_finished": ["Done in November"],
    }
    analyst = people.analyst
    owner = display_name(analyst.first_name, analyst.last_name, analyst.username)
    assert by_table["improvements_finished"]["rows"][0][1:4] == ["A staff suggestion", owner, "Done"]
    assert by_table["follow_ups"]["rows"][0][4:] == [1, 1]  # problems opened and resolved in November


def test_only_a_whole_month_that_is_over_and_counted_gets_a_report(people, policy, client_for):
    manager = client_for(people.manager)
    with time_machine.travel(datetime(2026, 12, 1, 4, tzinfo=UTC), tick=False):
        facts.refresh()  # 23:00 on 30 November in New York, where reports count days
    with time_machine.travel(datetime(2026, 12, 1, 6, tzinfo=UTC), tick=False):
        with pytest.raises(Refused, match="not counted the last hours of November 2026") as refused:
            make.generate(NOVEMBER)
        assert refused.value.status == 409
    with time_machine.travel(DECEMBER, tick=False):
        facts.refresh()
        quarter = manager.post("/reports/board/make/", {"month": "2026-Q3", "reason": ""})
        assert quarter.status_code == 400 and "such as 2026-11" in quarter.content.decode()
        with pytest.raises(Refused, match="one month"):
            make.generate(periods.from_key("2026-Q3"))
        assert manager.get("/reports/board/2026-Q3/").status_code == 404
    assert not BoardReport.objects.exists()
