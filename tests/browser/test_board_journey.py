"""The month's score, in a real browser: a manager opens last month's board report from the reports page
and downloads its PDF (read back as text for its headline figures); a cost centre's budget holder finds
their statement from their own page and downloads it."""

import io
import re
from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from catalogue.models import Submission
from helpdesk import services
from helpdesk.board import make
from helpdesk.reports import facts, periods
from tests.browser.test_desk_journey import log_in
from tests.factories import (
    ALWAYS_WEEK,
    CalendarFactory,
    CostCentreFactory,
    PolicyFactory,
    RequestTypeFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    manager,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pdf_text(path) -> str:
    with open(path, "rb") as handle:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(handle.read())).pages)


def test_a_manager_downloads_last_months_board_report_and_a_budget_holder_their_statement(page):
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", members=[analyst])
    manager(username="manager")
    centre = CostCentreFactory(code="CC-LAB", name="Lab")
    holder = UserFactory(username="hana", first_name="Hana", last_name="Sato", cost_centre=centre)
    centre.holder = holder
    centre.save()
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    laptops = ServiceFactory(owner_team=team, policy=policy, name="Laptops")
    dock = RequestTypeFactory(service=laptops, name="Docking station", one_off_price=Decimal("240.00"))
    month = periods.last_full_month(timezone.now())
    start = datetime.combine(month.first + timedelta(days=9), time(9), tzinfo=periods.reporting_zone())
    for title in ("Screen flickers", "Laptop won't start", "Docking station"):
        submission = None
        if title == "Docking station":
            submission = Submission.objects.create(
                request_type=dock,
                requester=holder,
                raised_by=holder,
                cost_centre=centre,
                one_off_price=Decimal("240.00"),
                monthly_price=Decimal("0"),
            )
        ticket = services.raise_ticket(
            kind="request" if submission else "incident",
            title=title,
            requester=holder,
            raised_by=holder,
            service=laptops,
            submission=submission,
            at=start,
            notify=False,
        )
        services.perform(ticket, "start", by=analyst, at=start)
        services.perform(ticket, "resolve", by=analyst, at=start + timedelta(hours=2), text="Done.", notify=False)
    facts.refresh()
    make.generate(month)  # as the scheduler does on the first working day

    log_in(page, "manager")
    page.get_by_role("navigation").get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("link", name="monthly board reports").click()
    page.get_by_role("link", name=month.label, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Board report, {month.label}")
    expect(page.get_by_role("heading", name="Service delivery")).to_be_visible()
    expect(page.get_by_role("heading", name="Charges by division")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == f"board-report-{month.key}-v1.pdf"
    text = pdf_text(download.value.path())
    assert f"Board report, {month.label}" in text
    assert re.search(r"Raised\s+3\b", text), text[:800]  # the headline figure, as the page shows it
    assert "Total charged" in text and "240.00" in text

    page.context.clear_cookies()
    log_in(page, "hana")
    page.get_by_role("link", name="Chargeback statements for your cost centres").click()
    page.get_by_label("Month", exact=True).fill(month.key)
    page.get_by_role("button", name="Show the statements").click()
    page.get_by_role("link", name=re.compile("CC-LAB")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CC-LAB")
    with page.expect_download() as statement:
        page.get_by_role("link", name="Download PDF").click()
    text = pdf_text(statement.value.path())
    assert "CC-LAB" in text and "Docking station" in text and "240.00" in text
