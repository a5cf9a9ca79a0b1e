"""Pages in the reader's language (wagtail-localize): served at the same address, a page without a
translation shown in English with a line saying so, the status page's words translated around the live
board, and one page per service per language."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from wagtail.models import Locale

from cms.languages import translate
from cms.models import CatalogueIndexPage, HomePage, ServicePage, StatusPage
from tests.factories import PolicyFactory, ServiceFactory

NOTE = 'role="note"'


@pytest.fixture
def site(db, django_capture_on_commit_callbacks):
    """An English catalogue with two services, the catalogue and the laptop's page translated into Swedish
    (wagtail-localize publishes a translation when its transaction commits)."""
    PolicyFactory(name="Standard", is_default=True)
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    laptop = ServiceFactory(name="Laptop", slug="laptop")
    printing = ServiceFactory(name="Printing", slug="printing")
    laptop_page = catalogue.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=laptop))
    catalogue.add_child(instance=ServicePage(title="Printing", slug="printing", service=printing))
    swedish = Locale.objects.create(language_code="sv")
    Locale.objects.create(language_code="de")
    with django_capture_on_commit_callbacks(execute=True):
        translate(catalogue, swedish, {"Service catalogue": "Tjänstekatalog"})
    with django_capture_on_commit_callbacks(execute=True):
        translate(laptop_page, swedish, {"Laptop": "Bärbar dator", "laptop": "barbar-dator"})
    return {"home": home, "swedish": swedish}


def reader(language: str) -> Client:
    return Client(headers={"accept-language": language})


def test_a_translated_page_is_served_in_the_readers_language_at_the_same_address(site):
    swedish = reader("sv").get("/services/")
    assert swedish.status_code == 200 and "<h1>Tjänstekatalog</h1>" in swedish.text and NOTE not in swedish.text
    english = reader("en").get("/services/")
    assert "<h1>Service catalogue</h1>" in english.text and NOTE not in english.text


def test_the_catalogue_names_a_service_by_its_translated_page_and_links_the_readers_version(site):
    html = reader("sv").get("/services/").text
    assert ">Bärbar dator</a>" in html and 'href="/services/barbar-dator/"' in html
    assert ">Printing</a>" in html  # not translated: the catalogue's own name, its English page


def test_a_page_not_translated_is_shown_in_english_and_says_so_in_the_readers_language(site):
    swedish = reader("sv").get("/services/printing/")
    assert swedish.status_code == 200 and "<h1>Printing</h1>" in swedish.text
    assert NOTE in swedish.text and "engelska" in swedish.text.lower()
    german = reader("de").get("/services/")  # German is offered, nothing is translated into it
    assert "<h1>Service catalogue</h1>" in german.text and "Englisch" in german.text


def test_an_address_in_another_language_finds_the_page_in_the_readers_language(site):
    english = reader("en").get("/services/barbar-dator/")  # a Swedish colleague's link
    assert english.status_code == 200 and "<h1>Laptop</h1>" in english.text and NOTE not in english.text
    assert reader("en").get("/services/no-such-page/").status_code == 404


def test_a_service_has_one_page_per_language(site):
    laptop = ServicePage.objects.get(locale__language_code="en", slug="laptop")
    second = ServicePage(title="Laptop again", slug="laptop-again", service=laptop.service, locale=laptop.locale)
    with pytest.raises(ValidationError, match="already has a page in this language"):
        second.full_clean()


def test_the_status_page_puts_the_editors_translated_words_around_the_live_board(
    site, django_capture_on_commit_callbacks
):
    assert "<h1>Service status</h1>" in reader("en").get("/status/").text  # no page yet: the board alone
    page = site["home"].add_child(
        instance=StatusPage(title="Status", slug="status", intro="<p>Call the desk on 1234 if in doubt.</p>")
    )
    with django_capture_on_commit_callbacks(execute=True):
        translate(
            page,
            site["swedish"],
            {"Status": "Driftstatus", "Call the desk on 1234 if in doubt.": "Ring desken på 1234 om du är osäker."},
        )
    english = reader("en").get("/status/")
    assert "<h1>Status</h1>" in english.text and "Call the desk on 1234" in english.text
    assert 'id="status-services"' in english.text  # the live board, read when the page is served
    swedish = reader("sv").get("/status/")
    assert "<h1>Driftstatus</h1>" in swedish.text and "Ring desken på 1234" in swedish.text
    assert 'id="status-services"' in swedish.text and NOTE not in swedish.text
    assert reader("en").post("/status/").status_code == 405
