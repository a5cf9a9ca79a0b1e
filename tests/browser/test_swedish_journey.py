"""A person whose browser reads Swedish: every step of asking for a service and following it is in Swedish,
prices as Swedish writes them, a page not yet translated says so, and the mail that comes is Swedish.

Expected words are read from the Swedish catalogue (and checked to differ from the English), so the journey
fails when a step falls back to English."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect
from wagtail.models import Locale

from cms.languages import translate
from cms.models import CatalogueIndexPage, ServicePage
from helpdesk.models import Mail, Ticket
from tests.factories import PASSWORD, PolicyFactory, RequestTypeFactory, ServiceFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def swedish(english: str, **values) -> str:
    """The Swedish for one of our sentences, its placeholders filled; never the English itself."""
    with translation.override("sv"):
        text = gettext(english)
    assert text != english, f"no Swedish for {english!r}"
    return text % values if values else text


@pytest.fixture
def swedish_page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, locale="sv-SE", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_staff_reading_swedish_asks_for_a_service_follows_it_and_gets_mail_in_swedish(swedish_page, home_page):
    page = swedish_page
    staff = UserFactory(username="staff", email="staff@example.org", language="")  # chose no language
    TeamFactory(slug="service-desk")
    policy = PolicyFactory(name="Standard", is_default=True)
    index = home_page.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    laptop = ServiceFactory(name="Laptop", slug="laptop", summary="A managed laptop.", calendar=policy.calendar)
    RequestTypeFactory(
        service=laptop, name="New standard laptop", slug="new-standard-laptop", one_off_price=1200, monthly_price=35
    )
    index.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=laptop))
    # The catalogue is translated; the laptop's page is not yet.
    sv = Locale.objects.get_or_create(language_code="sv")[0]
    translate(index, sv, {"Service catalogue": "Tjänstekatalog"})

    page.goto("/accounts/login/?next=/services/")
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    page.get_by_label(swedish("Username")).fill("staff")
    page.get_by_label(swedish("Password")).fill(PASSWORD)
    page.get_by_role("button", name=swedish("Log in")).click()

    # The catalogue in Swedish, at the address the English one has; the price as Swedish writes it.
    expect(page).to_have_url(re.compile(r"/services/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tjänstekatalog")
    expect(page.get_by_text(re.compile(r"1\s200,00\s€")).first).to_be_visible()
    page.get_by_role("link", name="Laptop", exact=True).click()

    # Its page is only in English, and says so in Swedish.
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptop")
    expect(page.get_by_role("note")).to_contain_text(
        swedish(
            "This page has not been translated into your language yet, so it is shown in %(language)s.",
            language="engelska",  # as Swedish writes a language's name in a sentence
        )
    )
    page.get_by_role("link", name=swedish("Ask: %(name)s", name="New standard laptop")).click()
    page.get_by_label("Why do you need it?").fill("Min gamla är fyra år.")
    page.get_by_role("button", name=swedish("Send request")).click()

    ticket = Ticket.objects.get(requester=staff)
    expect(page).to_have_url(re.compile(rf"/my/tickets/{ticket.reference}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        swedish("We have your request: %(name)s. Your reference is %(ref)s.", name=ticket.title, ref=ticket.reference)
    )

    # Following it: their list says what we promised, in Swedish.
    page.get_by_role("navigation").get_by_role("link", name=swedish("My requests")).click()
    row = page.get_by_role("listitem").filter(has_text="New standard laptop")
    expect(row).to_contain_text(swedish("New"))
    expect(row).to_contain_text(swedish("promised by %(when)s", when="").strip())

    # The mail they got is Swedish: they chose no language, so it follows the one their browser reads.
    mail = Mail.objects.get(to=["staff@example.org"])
    assert mail.subject == swedish("[%(ref)s] We have it: %(title)s", ref=ticket.reference, title=ticket.title)
    assert swedish("We have your request: %(title)s", title=ticket.title) in mail.body
    assert swedish("Follow it here:") in mail.body
