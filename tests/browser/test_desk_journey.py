import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from helpdesk import services
from tests.factories import (
    ALWAYS_WEEK,
    PASSWORD,
    CalendarFactory,
    PolicyFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    manager,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_analyst_takes_the_oldest_breach_replies_and_resolves_and_the_manager_sees_it(page):
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", members=[analyst])
    manager(username="manager")
    requester = UserFactory(username="staff")
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    service = ServiceFactory(owner_team=team, policy=policy)
    now = timezone.now()
    oldest = services.raise_ticket(
        kind="incident",
        title="Printer on fire",
        requester=requester,
        raised_by=requester,
        service=service,
        at=now - timedelta(days=3),
        notify=False,
    )
    services.raise_ticket(
        kind="incident",
        title="Slow Wi-Fi",
        requester=requester,
        raised_by=requester,
        service=service,
        at=now - timedelta(days=2),
        notify=False,
    )

    log_in(page, "manager")
    page.goto("/dashboard/")
    cells = page.get_by_role("row", name=re.compile("Service Desk")).get_by_role("cell")
    expect(cells.nth(0)).to_have_text("2")  # open
    expect(cells.nth(1)).to_have_text("2")  # breached
    page.get_by_role("button", name=re.compile("Log out")).click()

    log_in(page, "analyst")
    page.goto("/desk/")
    page.get_by_role("link", name="Breaching today").click()
    first = page.get_by_role("row").nth(1)
    expect(first).to_contain_text("Printer on fire")
    expect(first).to_contain_text("late by")
    first.get_by_role("link", name=oldest.reference).click()
    page.get_by_role("button", name="Take it").click()
    expect(page.get_by_role("status")).to_contain_text("Done")
    page.get_by_label("Your words").fill("Unplugged it. Replacing the fuser today.")
    page.get_by_role("button", name="Send").click()
    resolution = page.get_by_label("Your words")
    expect(resolution).to_have_accessible_description("The requester will see this and get it by email.")
    resolution.fill("Fuser replaced, printing again.")
    step = page.get_by_label("And then")
    step.select_option(label="Resolve it with these words")
    expect(step).to_have_accessible_description("The requester will see this and get it by email.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Resolved", exact=True).first).to_be_visible()
    page.get_by_role("button", name=re.compile("Log out")).click()

    log_in(page, "manager")
    page.goto("/dashboard/")
    cells = page.get_by_role("row", name=re.compile("Service Desk")).get_by_role("cell")
    expect(cells.nth(0)).to_have_text("1")
    expect(cells.nth(1)).to_have_text("1")
