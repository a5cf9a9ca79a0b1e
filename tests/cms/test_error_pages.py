"""The 404 and 500 pages: written for people, with a way on (search the catalogue, my requests); the 500
page needs neither the database nor context processors."""

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.views.defaults import server_error

from cms.models import CatalogueIndexPage, HomePage


def way_on(html: str) -> None:
    assert 'action="/catalogue/"' in html and 'name="q"' in html
    assert 'href="/my/"' in html and "My requests" in html


@pytest.mark.parametrize("who", ["anonymous", "requester"])
def test_a_missing_page_says_so_and_offers_a_way_on(who, people, client_for):
    response = client_for(getattr(people, who)).get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "can&#x27;t find that page" in html or "can't find that page" in html
    way_on(html)


def test_the_404_search_reaches_the_catalogue_with_its_words(db, client_for):
    HomePage.objects.get().add_child(instance=CatalogueIndexPage(title="Services", slug="services"))
    response = client_for(None).get("/catalogue/", {"q": "printer"})
    assert response.status_code == 302 and response["Location"] == "/services/?q=printer"


@pytest.mark.urls("tests.cms.urls_boom")
def test_a_failing_view_gets_the_human_500_page(db):
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html and "It is not something you did" in html
    way_on(html)


def test_the_500_page_renders_with_no_database_at_all(db):
    def refuse(*args, **kwargs):
        raise AssertionError("the 500 page touched the database")

    with connection.execute_wrapper(refuse):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    way_on(response.content.decode())
