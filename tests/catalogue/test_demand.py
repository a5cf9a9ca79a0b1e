"""Demand and gaps: catalogue searches that found nothing and requests refused for entitlement, recorded
where they happen and counted by service (or words) and division for editors and managers."""

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.demand import gaps, normalised, record_search_miss
from catalogue.models import DemandSignal, EntitlementRule
from cms.models import CatalogueIndexPage, HomePage, ServicePage
from helpdesk.api import tokens
from helpdesk.models import ApiToken
from tests import factories

URL = "/admin/demand/"


@pytest.fixture
def services(db):
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    made = {}
    for name in ("Printing", "Laptop"):
        service = factories.ServiceFactory(name=name, summary=f"{name} for work.")
        factories.RequestTypeFactory(service=service, slug=name.lower())
        catalogue.add_child(instance=ServicePage(title=name, slug=service.slug, service=service))
        made[name] = service
    return made


def demand_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "catalogue_demandsignal" in q["sql"]]


# -- searches that found nothing -------------------------------------------------------------------------


def test_a_search_that_finds_nothing_is_recorded_once_an_hour_per_person(services, people, client_for):
    requester = client_for(people.requester)
    with CaptureQueriesContext(connection) as first:
        assert requester.get("/services/", {"q": "  Standing\tDESK "}).status_code == 200
    assert [sql.split()[0] for sql in demand_queries(first.captured_queries)] == ["INSERT"]  # no read
    requester.get("/services/", {"q": "standing desk"})  # the same words again: held back
    miss = DemandSignal.objects.get()
    assert (miss.kind, miss.words, miss.division, miss.service) == (
        DemandSignal.Kind.SEARCH_MISS,
        "standing desk",
        people.requester.division,
        None,
    )

    client_for(people.other_staff).get("/services/", {"q": "Standing desk"})  # someone else counts
    requester.get("/services/", {"q": "sofa"})  # other words count
    assert DemandSignal.objects.count() == 3

    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        requester.get("/services/", {"q": "standing desk"})
    assert DemandSignal.objects.filter(words="standing desk").count() == 3


def test_visitors_searches_are_recorded_without_a_division(services, client_for):
    client_for(None).get("/services/", {"q": "parking"})
    client_for(None).get("/services/", {"q": "PARKING"})  # visitors count as one searcher
    assert list(DemandSignal.objects.values_list("words", "division")) == [("parking", None)]


def test_a_search_that_finds_something_is_not_recorded_and_costs_no_query(services, people, client_for):
    client = client_for(people.requester)
    for words in ("printing", "lapt", "", "   "):  # found, half a word found, nothing typed
        with CaptureQueriesContext(connection) as context:
            response = client.get("/services/", {"q": words})
        assert response.status_code == 200
        assert demand_queries(context.captured_queries) == []
    assert not DemandSignal.objects.exists()


def test_words_are_normalised_and_cut_to_200_characters(db):
    assert normalised("  Standing \t\n DESK\x07now ") == "standing desk now"
    assert normalised(" \t ") == ""
    assert normalised("word " * 100) == ("word " * 40)[:199]  # 200 characters, less the space at the cut
    assert record_search_miss("   ", person=None) is None
    long = record_search_miss("x" * 500, person=None)
    assert long.words == "x" * 200


# -- refusals for entitlement ----------------------------------------------------------------------------


@pytest.fixture
def executive_laptop(db):
    laptop = factories.RequestTypeFactory(name="Executive laptop", slug="executive-laptop")
    EntitlementRule.objects.create(request_type=laptop, min_grade=factories.GradeFactory(level=9))
    return laptop


def test_a_refusal_on_the_ask_page_is_recorded_with_the_division(people, client_for, executive_laptop):
    client = client_for(people.requester)
    assert client.get("/ask/executive-laptop/").status_code == 403
    assert client.post("/ask/executive-laptop/", {"summary": "Please"}).status_code == 403  # within the hour
    refusal = DemandSignal.objects.get()
    assert (refusal.kind, refusal.request_type, refusal.service, refusal.division, refusal.words) == (
        DemandSignal.Kind.NOT_ENTITLED,
        executive_laptop,
        executive_laptop.service,
        people.requester.division,
        "",
    )


def test_a_refusal_for_someone_else_counts_in_their_division(people, client_for, executive_laptop):
    client = client_for(people.analyst)  # analysts may ask for anyone
    assert client.get(f"/ask/executive-laptop/?requester={people.requester.username}").status_code == 403
    assert DemandSignal.objects.get().division == people.requester.division != people.analyst.division


def test_a_refusal_through_the_api_is_recorded_with_the_division(people, executive_laptop, client):
    raw = tokens.issue(owner=people.other_staff, name="Tests", access=ApiToken.Access.READ_WRITE, lifetime=None).raw
    response = client.post(
        "/api/request-types/executive-laptop/ask/",
        {"answers": {"why": "Please"}},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 403
    refusal = DemandSignal.objects.get()
    assert (refusal.kind, refusal.service, refusal.division) == (
        DemandSignal.Kind.NOT_ENTITLED,
        executive_laptop.service,
        people.other_staff.division,
    )


def test_an_entitled_request_page_records_nothing(people, client_for):
    factories.RequestTypeFactory(slug="mouse")
    assert client_for(people.requester).get("/ask/mouse/").status_code == 200
    assert not DemandSignal.objects.exists()


# -- the table -------------------------------------------------------------------------------------------


@pytest.fixture
def recorded(db):
    """Three searches for "standing desk" from Finance, one from Estates, two refusals of the executive
    laptop from Finance (two of its request types), and a search 60 days ago."""
    finance = factories.DivisionFactory(name="Finance")
    estates = factories.DivisionFactory(name="Estates")
    laptop = factories.RequestTypeFactory(service=factories.ServiceFactory(name="Executive laptop"))
    dock = factories.RequestTypeFactory(service=laptop.service)
    factories.DemandSignalFactory.create_batch(3, words="standing desk", division=finance)
    factories.DemandSignalFactory(words="standing desk", division=estates)
    factories.DemandSignalFactory(kind="not_entitled", request_type=laptop, division=finance)
    factories.DemandSignalFactory(kind="not_entitled", request_type=dock, division=finance)
    factories.DemandSignalFactory(words="=cmd|' /C calc'!A0", division=None)
    factories.DemandSignalFactory(words="long ago", division=finance, at=timezone.now() - timedelta(days=60))
    return {"finance": finance, "estates": estates, "laptop": laptop}


def test_gaps_count_by_service_or_words_and_division(recorded):
    now = timezone.now()
    rows = [(g.kind, g.what, g.division, g.count) for g in gaps(now - timedelta(days=30), now)]
    assert rows == [
        ("search_miss", "standing desk", "Finance", 3),
        ("not_entitled", "Executive laptop", "Finance", 2),
        ("search_miss", "=cmd|' /C calc'!A0", "", 1),
        ("search_miss", "standing desk", "Estates", 1),
    ]
    assert "long ago" in [g.what for g in gaps(now - timedelta(days=120), now)]


def test_the_admin_table_shows_the_counts_for_the_period(recorded, people, client_for):
    client = client_for(people.editor)
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Executive laptop" in html and "standing desk" in html and "Estates" in html
    assert "“long ago”" not in html  # 60 days ago: outside the last 30 days
    assert "“long ago”" in client.get(URL, {"period": "90d"}).content.decode()
    assert client.get(URL, {"period": "forever"}).status_code == 400


def test_the_table_downloads_as_csv_safe_for_spreadsheets(recorded, people, client_for):
    response = client_for(people.manager).get(URL, {"period": "12m", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Kind", "Service or words", "Division", "Count", "Last"]
    assert rows[1][1:4] == ["standing desk", "Finance", "3"]
    assert ["Asked but not entitled", "Executive laptop", "Finance", "2"] == rows[2][:4]
    assert "'=cmd|' /C calc'!A0" in [row[1] for row in rows]  # typed words never run as a formula
    assert len(rows) == 6


@pytest.mark.parametrize(("who", "status"), [("editor", 200), ("manager", 200), ("requester", 302), ("analyst", 302)])
def test_access(who, status, people, client_for):
    assert client_for(getattr(people, who)).get(URL).status_code == status


def test_admin_users_without_the_permission_are_refused_and_not_shown_the_menu_item(people, client_for):
    admin_only = factories.UserFactory()
    admin_only.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(admin_only)
    assert client.get(URL).status_code in (302, 403)
    assert "Demand and gaps" not in client.get("/admin/").content.decode()
    assert "Demand and gaps" in client_for(people.editor).get("/admin/").content.decode()


def test_the_tables_queries_do_not_grow_with_rows(people, client_for):
    client = client_for(people.editor)
    client.get(URL)  # the admin's own first-visit reads (session, menu) out of the way

    def queries_for(rows: int) -> int:
        DemandSignal.objects.all().delete()
        for n in range(rows):
            laptop = factories.RequestTypeFactory()
            factories.DemandSignalFactory(kind="not_entitled", request_type=laptop)
            factories.DemandSignalFactory(words=f"words {n}")
        with CaptureQueriesContext(connection) as context:
            assert client.get(URL).status_code == 200
        return len(context.captured_queries)

    assert queries_for(2) == queries_for(30)
