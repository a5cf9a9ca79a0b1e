"""Catalogue editors (and managers) edit the catalogue and its pages in the Wagtail admin."""

import pytest

from cms.models import HomePage
from tests import factories

SCREENS = [
    "/admin/service/new/",
    "/admin/requesttype/new/",
    "/admin/category/",
    "/admin/provider/",
    "/admin/discountscheme/new/",
]


@pytest.mark.parametrize("url", SCREENS)
@pytest.mark.parametrize(("who", "status"), [("editor", 200), ("manager", 200), ("requester", 302)])
def test_catalogue_screens_by_role(url, who, status, people, client_for):
    assert client_for(getattr(people, who)).get(url).status_code == status


def test_editors_can_add_service_pages_with_preview(people, client_for):
    home = HomePage.objects.get()
    client = client_for(people.editor)
    assert client.get(f"/admin/pages/{home.pk}/add_subpage/").status_code == 200
    assert client.get(f"/admin/pages/add/cms/catalogueindexpage/{home.pk}/").status_code == 200


def test_managers_search_services_in_the_admin(people, client_for):
    """On SQLite, Wagtail's full-text backend failed every search of this list ("no such column: name")."""
    factories.ServiceFactory(name="Laptop loan")
    factories.ServiceFactory(name="Printer repair", summary="Toner and paper jams")
    client = client_for(people.manager)
    by_name = client.get("/admin/service/", {"q": "laptop"})
    assert by_name.status_code == 200
    assert "Laptop loan" in by_name.content.decode() and "Printer repair" not in by_name.content.decode()
    assert "Printer repair" in client.get("/admin/service/", {"q": "toner"}).content.decode()
