"""Sign-off in a real browser: staff ask for a performance laptop, their line manager approves it from the
mailed link (signed out, on a phone), its clock starts, and the analyst sees who approved it."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from catalogue.models import ApproverRole, RequestTypeApprover
from helpdesk.models import Mail, State, Ticket
from tests.browser.test_desk_journey import log_in
from tests.factories import (
    ALWAYS_WEEK,
    CalendarFactory,
    PolicyFactory,
    RequestTypeFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_line_manager_approves_from_the_mail_and_the_clock_starts(page):
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", members=[analyst])
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    laptops = ServiceFactory(owner_team=team, policy=policy, name="Laptops")
    laptop = RequestTypeFactory(
        service=laptops, name="Performance laptop", slug="performance-laptop", one_off_price=Decimal("1100.00")
    )
    RequestTypeApprover.objects.create(request_type=laptop, role=ApproverRole.LINE_MANAGER)
    boss = UserFactory(username="bea", first_name="Bea", last_name="Boss", email="bea@example.org")
    UserFactory(username="sam", first_name="Sam", last_name="Staff", line_manager=boss)

    log_in(page, "sam")
    page.goto("/ask/performance-laptop/")
    page.get_by_label("Why do you need it?").fill("4K video editing for the launch.")
    page.get_by_role("button", name=re.compile("^Send")).click()
    ticket = Ticket.objects.get()
    assert ticket.state == State.AWAITING_APPROVAL and ticket.due_at is None
    expect(page.get_by_text("Waiting for approval").first).to_be_visible()

    # The line manager opens the link in the mail, signed out, and approves.
    mail = Mail.objects.get(purpose=Mail.Purpose.APPROVAL, to=["bea@example.org"])
    path = re.search(r"http://[^/\s]+(/approvals/[^\s]+/)", mail.body)[1]
    page.context.clear_cookies()
    page.goto(path)
    expect(page.get_by_role("heading", name=re.compile("Performance laptop"))).to_be_visible()
    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    ticket.refresh_from_db()
    assert ticket.state == State.NEW and ticket.due_at is not None  # its clocks run from the approval

    # The analyst sees it on the desk and, in the workspace, who approved it.
    page.context.clear_cookies()
    log_in(page, "analyst")
    page.goto("/desk/")
    page.get_by_role("link", name=ticket.reference).click()
    approval = page.get_by_role("region", name="Approval")
    expect(approval).to_contain_text("Bea Boss")
    expect(approval).to_contain_text("Approved")
