import re

import pytest
from playwright.sync_api import expect

from catalogue.models import RequestType
from catalogue.selectors import with_usage
from cms.models import CatalogueIndexPage, ServicePage
from tests.factories import PASSWORD, PolicyFactory, RequestTypeFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_finds_a_service_sees_price_and_service_level_asks_follows_and_replies(page, home_page):
    UserFactory(username="staff")
    TeamFactory(slug="service-desk")
    policy = PolicyFactory(name="Standard", is_default=True)
    home = home_page
    index = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    laptop = ServiceFactory(name="Laptop", slug="laptop", summary="A managed laptop.", calendar=policy.calendar)
    RequestTypeFactory(
        service=laptop, name="New standard laptop", slug="new-standard-laptop", one_off_price=1200, monthly_price=35
    )
    vpn = ServiceFactory(name="Remote access", slug="vpn", summary="Reach internal systems from home.")
    for service in (laptop, vpn):
        index.add_child(instance=ServicePage(title=service.name, slug=service.slug, service=service))

    page.goto("/accounts/login/?next=/services/")
    page.get_by_label("Username").fill("staff")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("search").get_by_label("Search").fill("laptop")
    page.get_by_role("button", name="Show services").click()
    expect(page.get_by_role("status")).to_have_text(re.compile("1 service"))
    page.get_by_role("link", name="Laptop", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Laptop")
    expect(page.get_by_text("€1,200.00")).to_be_visible()
    targets = page.get_by_role("table")
    expect(targets.get_by_role("row", name=re.compile("P2 high"))).to_contain_text("1 h")

    page.get_by_role("link", name="Ask: New standard laptop").click()
    page.get_by_label("Why do you need it?").fill("My old one is four years old.")
    page.get_by_role("button", name="Send request").click()
    expect(page).to_have_url(re.compile(r"/my/tickets/REQ-\d{6}/$"))
    expect(page.get_by_role("status")).to_contain_text("We have your request")
    assert with_usage(RequestType.objects.filter(slug="new-standard-laptop")).get().times_used == 1

    # It is in their list, with what we promised; they open it and reply.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My requests").click()
    row = page.get_by_role("listitem").filter(has_text="New standard laptop")
    expect(row).to_contain_text("New")
    expect(row).to_contain_text("promised by")
    row.get_by_role("link").click()
    page.get_by_label("Your reply").fill("A 14-inch one, please.")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply is sent")
    expect(page.get_by_role("list").filter(has_text="A 14-inch one, please.")).to_be_visible()
