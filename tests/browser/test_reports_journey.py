"""Keeping score, in a real browser: a manager reads last quarter's report for one division, opens the
ticket behind a missed target and downloads the table; a requester answers from the resolution mail."""

import re
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpdesk import services
from helpdesk.models import Mail
from helpdesk.reports import facts, periods
from tests.browser.test_desk_journey import log_in
from tests.factories import (
    ALWAYS_WEEK,
    CalendarFactory,
    DivisionFactory,
    PolicyFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    manager,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _last_quarter():
    this_quarter = periods.quarter(periods.today(timezone.now()))
    return periods.quarter(this_quarter.first - timedelta(days=1))


def test_a_manager_opens_a_missed_target_of_last_quarter_for_one_division_and_downloads_the_table(page):
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", members=[analyst])
    manager(username="manager")
    research = DivisionFactory(name="Research")
    requester = UserFactory(username="robin", division=research)
    elsewhere = UserFactory(username="sam", division=DivisionFactory(name="Sales"))
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    laptops = ServiceFactory(owner_team=team, policy=policy, name="Laptops")
    quarter = _last_quarter()
    start = datetime.combine(quarter.first + timedelta(days=20), time(9), tzinfo=periods.reporting_zone())
    for who, title, took in [
        (requester, "Screen flickers", timedelta(hours=1)),  # resolved on time (P3: a day round the clock)
        (requester, "Laptop won't start", timedelta(days=5)),  # resolved late
        (elsewhere, "Keyboard sticks", timedelta(days=5)),  # late too, but another division's
    ]:
        ticket = services.raise_ticket(
            kind="incident", title=title, requester=who, raised_by=who, service=laptops, at=start, notify=False
        )
        services.perform(ticket, "start", by=analyst, at=start)
        services.reply(ticket, by=analyst, body="Looking.", at=start + timedelta(minutes=5), notify=False)
        services.perform(ticket, "resolve", by=analyst, at=start + took, text="Fixed.", notify=False)
    facts.refresh()

    log_in(page, "manager")
    page.get_by_role("navigation").get_by_role("link", name="Reports", exact=True).click()
    page.get_by_role("combobox", name="Period").select_option(quarter.key)
    page.get_by_role("combobox", name="Who").select_option(label="Research")
    page.get_by_role("combobox", name="Broken down by").select_option(label="Service")
    page.get_by_role("button", name="Show the report").click()

    expect(page.get_by_role("heading", level=2, name=re.compile("Research"))).to_be_visible()
    targets = page.get_by_role("row", name=re.compile("P3"))
    expect(targets).to_contain_text("50 % of 2")
    targets.get_by_role("link", name="1 late").last.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Resolved late: 1")
    expect(page.get_by_role("link", name=re.compile("INC-"))).to_have_count(1)
    expect(page.get_by_role("cell", name="Laptop won't start")).to_be_visible()

    page.go_back()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as CSV").click()
    lines = open(download.value.path(), encoding="utf-8").read().splitlines()
    assert lines[0].startswith("Service,Raised,Resolved")
    assert lines[1].startswith("Laptops,2,2") and lines[-1].startswith("All,2,2")


def test_a_requester_answers_how_satisfied_they_are_from_the_mail_without_logging_in(
    page, chromium, settings, live_server
):
    settings.WAGTAILADMIN_BASE_URL = live_server.url
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", members=[analyst], lead=analyst)
    requester = UserFactory(username="robin", email="robin@example.org")
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    service = ServiceFactory(owner_team=team, policy=policy)
    ticket = services.raise_ticket(
        kind="incident", title="VPN drops", requester=requester, raised_by=requester, service=service
    )
    services.perform(ticket, "start", by=analyst)
    services.perform(ticket, "resolve", by=analyst, text="New VPN profile pushed.")

    mail = Mail.objects.filter(to=["robin@example.org"], subject__contains="Resolved").get()
    urls = dict(re.findall(r"^(\d) \u2013 [^:\n]+: (\S+)$", mail.body, re.M))

    scanner = chromium.new_context(java_script_enabled=False)  # a mail scanner opens every link, runs no script
    scanning = scanner.new_page()
    for score in "12345":
        scanning.goto(urls[score])
        expect(scanning.get_by_role("button", name="Send")).to_be_visible()
    scanner.close()
    ticket.satisfaction.refresh_from_db()
    assert (ticket.satisfaction.score, ticket.satisfaction.links_used) == (None, [])

    page.goto(urls["4"])  # one click, no login: the page sends the answer itself
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for your answer")
    expect(page.get_by_text("4 \u2013 Satisfied")).to_be_visible()
    page.get_by_label("Anything you would like to add?").fill("Quick, but I had to restart twice.")
    page.get_by_role("button", name="Save the comment").click()
    expect(page.get_by_role("definition").filter(has_text="Quick, but I had to restart twice.")).to_be_visible()
    ticket.satisfaction.refresh_from_db()
    assert (ticket.satisfaction.score, ticket.satisfaction.comment) == (4, "Quick, but I had to restart twice.")
