import re

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_logs_in_lands_on_my_page_and_logs_out(page):
    UserFactory(username="staff", first_name="Sam")

    page.goto("/")
    page.get_by_role("link", name="Log in", exact=True).first.click()
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(re.compile(r"/my/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Sam")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="My requests")).to_have_attribute("aria-current", "page")
    expect(nav.get_by_role("link", name="Desk")).to_have_count(0)

    nav.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    page.goto("/my/")
    assert "/accounts/login/?next=/my/" in page.url
