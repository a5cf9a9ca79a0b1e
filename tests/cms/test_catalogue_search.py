"""Catalogue search: the database's full text (stemmed on PostgreSQL), widened by editors' synonyms; and
catalogue cards that say how fast a request is done, from the policy's targets."""

from datetime import timedelta

import pytest
from django.db import connection

from catalogue.models import SearchSynonym
from cms.models import CatalogueIndexPage, HomePage, ServicePage
from tests.factories import PolicyFactory, RequestTypeFactory, ServiceFactory, TeamFactory, UserFactory


@pytest.fixture
def catalogue(db):
    home = HomePage.objects.get()
    return home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))


@pytest.fixture
def services(catalogue):
    team = TeamFactory()
    made = {}
    for name, summary in [
        ("Printing", "Print, scan and copy on any office printer-copier."),
        ("Wi-Fi", "Get online anywhere in the building."),
        ("Laptop", "A managed laptop for work."),
    ]:
        service = ServiceFactory(name=name, summary=summary, owner_team=team)
        RequestTypeFactory(service=service)
        catalogue.add_child(instance=ServicePage(title=name, slug=service.slug, service=service))
        made[name] = service
    return made


def found(client, words: str) -> set[str]:
    html = client.get("/services/", {"q": words}).content.decode()
    return {name for name in ("Printing", "Wi-Fi", "Laptop") if f">{name}</a>" in html}


@pytest.fixture
def synonyms(db):
    SearchSynonym.objects.create(word="printer", means="printing, print")
    SearchSynonym.objects.create(word="wifi", means="wi-fi, wireless")


def test_synonyms_find_printing_for_printer_and_wi_fi_for_wifi(services, synonyms, client_for):
    client = client_for(None)
    assert found(client, "printer") == {"Printing"}
    assert found(client, "wifi") == {"Wi-Fi"}
    assert found(client, "Wifi printer") == {"Printing", "Wi-Fi"}
    assert found(client, "lapt") == {"Laptop"}  # half a word, as typed on a phone, still finds it


def test_without_a_synonym_wifi_finds_nothing_and_an_empty_search_lists_all(services, client_for):
    client = client_for(None)
    assert found(client, "wifi") == set()
    assert found(client, "") == {"Printing", "Wi-Fi", "Laptop"}
    assert client.get("/services/", {"q": "-- \" ' * ( ) : ^ wi-fi OR AND NEAR"}).status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's FTS5 (the demo's) does not stem")
def test_postgresql_stems_english_words(services, client_for):
    client = client_for(None)
    assert found(client, "prints") == {"Printing"}
    assert found(client, "printed") == {"Printing"}


def test_a_synonym_added_in_the_admin_takes_effect_at_the_next_search(services, client_for):
    admin = client_for(UserFactory(is_superuser=True, is_staff=True))
    assert found(admin, "wireless") == set()
    form = admin.get("/admin/searchsynonym/new/")
    assert form.status_code == 200
    response = admin.post("/admin/searchsynonym/new/", {"word": " Wireless ", "means": "Wi-Fi; internet"})
    assert response.status_code == 302
    synonym = SearchSynonym.objects.get()
    assert (synonym.word, synonym.means) == ("wireless", "wi-fi, internet")
    assert found(client_for(None), "wireless") == {"Wi-Fi"}
    refused = admin.post("/admin/searchsynonym/new/", {"word": "two words", "means": "x"})
    assert refused.status_code == 200 and "Give one word" in refused.content.decode()


def test_a_catalogue_card_says_how_fast_a_request_is_done(catalogue, client_for):
    hour = timedelta(hours=1)
    policy = PolicyFactory(
        name="Standard", is_default=True, targets={"P1": (hour, 4 * hour), "P4": (8 * hour, 16 * hour)}
    )
    service = ServiceFactory(name="Laptop", policy=policy)
    RequestTypeFactory(service=service, one_off_price=1100, monthly_price=0)
    catalogue.add_child(instance=ServicePage(title="Laptop", slug=service.slug, service=service))
    for reader in (None, UserFactory()):
        html = " ".join(client_for(reader).get("/services/").content.decode().split())
        assert "Resolved within 16 h of working time" in html
        assert "€1,100.00" in html
    # The service page lists the same target in its table (one rule for both).
    page = " ".join(client_for(None).get(f"/services/{service.slug}/").content.decode().split())
    assert "16 h" in page
