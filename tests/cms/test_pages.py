"""Pages present live facts from catalogue/ and sla/, with query counts that do not grow."""

from datetime import timedelta

import pytest

from catalogue.models import EntitlementRule
from cms.models import (
    CatalogueIndexPage,
    HomePage,
    PromiseCalendar,
    PromisePage,
    PromisePolicy,
    PromiseTeam,
    ServicePage,
)
from sla.models import OpeningHours
from tests.factories import (
    CalendarFactory,
    CategoryFactory,
    GradeFactory,
    PolicyFactory,
    RequestTypeFactory,
    ServiceFactory,
    TeamFactory,
)


@pytest.fixture
def catalogue(db):
    home = HomePage.objects.get()
    return home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))


@pytest.fixture
def policy(db):
    return PolicyFactory(name="Standard", is_default=True)


def add_services(catalogue, count, *, category=None, calendar=None, team=None):
    calendar = calendar or CalendarFactory()
    team = team or TeamFactory()
    services = []
    for _ in range(count):
        service = ServiceFactory(calendar=calendar, owner_team=team, **({"category": category} if category else {}))
        RequestTypeFactory(service=service)
        RequestTypeFactory(service=service, one_off_price=0, monthly_price=0)
        catalogue.add_child(instance=ServicePage(title=service.name, slug=service.slug, service=service))
        services.append(service)
    return services


@pytest.mark.parametrize("count", [3, 25])
def test_catalogue_index_queries_do_not_grow(
    count, catalogue, policy, people, client_for, django_assert_max_num_queries
):
    add_services(catalogue, count)
    client = client_for(people.requester)
    client.get("/services/")  # warm the site root cache
    with django_assert_max_num_queries(22):
        response = client.get("/services/")
    assert response.status_code == 200
    assert response.content.decode().count('class="service-card"') == count


@pytest.mark.parametrize("request_types", [1, 12])
def test_service_page_queries_do_not_grow(
    request_types, catalogue, policy, people, client_for, django_assert_max_num_queries
):
    service = add_services(catalogue, 1)[0]
    for _ in range(request_types):
        rt = RequestTypeFactory(service=service)
        EntitlementRule.objects.create(request_type=rt, min_grade=GradeFactory(level=5, name="Director"))
    client = client_for(people.requester)
    client.get(f"/services/{service.slug}/")
    with django_assert_max_num_queries(25):
        response = client.get(f"/services/{service.slug}/")
    assert response.status_code == 200


def test_search_and_category_filter(catalogue, policy, people, client_for):
    devices = CategoryFactory(slug="devices")
    network = CategoryFactory(slug="networks")
    laptop, phone = add_services(catalogue, 2, category=devices)
    laptop.name, laptop.summary = "Laptop", "A managed laptop for work."
    laptop.save()
    vpn = add_services(catalogue, 1, category=network)[0]
    vpn.name = "Remote access (VPN)"
    vpn.save()
    client = client_for(people.requester)

    html = client.get("/services/", {"q": "laptop"}).content.decode()
    assert ">Laptop</a>" in html and "VPN" not in html
    html = client.get("/services/", {"q": "lapt"}).content.decode()  # half a word, as typed on a phone
    assert ">Laptop</a>" in html
    html = client.get("/services/", {"category": "networks"}).content.decode()
    assert "Remote access (VPN)" in html and ">Laptop</a>" not in html
    assert client.get("/services/", {"category": "no-such"}).status_code == 200  # bad filter: all, no 500


def test_a_catalogue_row_prices_what_can_be_asked_for_and_visitors_see_list_prices(
    catalogue, policy, people, client_for
):
    laptop = ServiceFactory(name="Laptop", owner_team=TeamFactory())
    RequestTypeFactory(service=laptop, kind="incident", name="My laptop is broken", one_off_price=0, monthly_price=0)
    RequestTypeFactory(service=laptop, name="A new laptop", one_off_price=1100, monthly_price=0)
    limited = ServiceFactory(name="Design suite", owner_team=laptop.owner_team)
    only_seniors = RequestTypeFactory(service=limited, name="A licence", one_off_price=0, monthly_price=25)
    EntitlementRule.objects.create(request_type=only_seniors, min_grade=GradeFactory(level=9))
    for service in (laptop, limited):
        catalogue.add_child(instance=ServicePage(title=service.name, slug=service.slug, service=service))

    def row(html: str, name: str) -> str:
        return " ".join(html.split(f">{name}</a>", 1)[1].split("</li>", 1)[0].split())

    staff = client_for(people.requester).get("/services/").content.decode()
    assert "For you:" in row(staff, "Laptop") and "1,100" in row(staff, "Laptop")
    assert "Free" not in row(staff, "Laptop")  # the free incident form is not a price
    assert "Not open to you" in row(staff, "Design suite")
    visitor = client_for(None).get("/services/").content.decode()
    for name in ("Laptop", "Design suite"):
        assert "For you" not in row(visitor, name) and "Not open to you" not in row(visitor, name)
    assert "List price from" in row(visitor, "Laptop") and "1,100" in row(visitor, "Laptop")
    assert "25" in row(visitor, "Design suite") and "a month" in row(visitor, "Design suite")


def test_service_page_shows_price_service_level_hours_and_consequences(catalogue, policy, people, client_for):
    service = add_services(catalogue, 1)[0]
    service.cancel_notice_days, service.cancel_stops = 10, "Your work number stops working."
    service.save()
    html = client_for(people.requester).get(f"/services/{service.slug}/").content.decode()
    assert "€100.00" in html and "€10.00" in html
    assert "Standard: counted in" in html and "P1 critical" in html
    assert "Monday to Friday" in html and "08:00-12:00, 13:00-17:00" in html
    assert "10 working days&#x27; notice" in html or "10 working days' notice" in html
    assert "Your work number stops working." in html


def test_what_is_not_open_says_why_and_whom_to_ask(catalogue, policy, people, client_for):
    service = add_services(catalogue, 1)[0]
    rt = service.request_types.first()
    EntitlementRule.objects.create(request_type=rt, min_grade=GradeFactory(level=5, name="Director"))
    html = client_for(people.requester).get(f"/services/{service.slug}/").content.decode()
    assert "Not open to you." in html and "grade Director or above" in html
    assert f"/ask/{rt.slug}/" not in html


def test_the_promise_page_reads_live_data(db, policy, client, django_assert_max_num_queries):
    home = HomePage.objects.get()
    calendar = CalendarFactory(name="Stockholm office")
    team = TeamFactory(name="Service Desk", remit="Takes every call.")
    page = home.add_child(instance=PromisePage(title="Our IT Promise", slug="it-promise"))
    page.teams = [PromiseTeam(team=team)]
    page.calendars = [PromiseCalendar(calendar=calendar)]
    page.policies = [PromisePolicy(policy=policy)]
    page.save_revision().publish()

    html = client.get("/it-promise/").content.decode()
    assert "Service Desk" in html and "Takes every call." in html
    assert "08:00-12:00, 13:00-17:00" in html and "P2 high" in html and "1 h" in html

    # One source of truth: change the data, and the page says so at once.
    OpeningHours.objects.filter(calendar=calendar, opens="13:00").update(closes="18:00")
    calendar.save()
    target = policy.targets.get(priority="P2", kind="response")
    target.duration = timedelta(minutes=45)
    target.save()
    with django_assert_max_num_queries(21):
        html = client.get("/it-promise/").content.decode()
    assert "13:00-18:00" in html and "45 m" in html


def test_home_page_lists_the_four_parts(catalogue, policy, client):
    html = client.get("/").content.decode()
    for part in ("Core services", "Software services", "Service delivery", "Projects"):
        assert part in html


def test_editors_and_managers_publish_pages_themselves(people, client_for):
    home = HomePage.objects.get()
    for who in (people.editor, people.manager):
        assert home.permissions_for_user(who).can_publish()
        html = client_for(who).get(f"/admin/pages/{home.pk}/edit/").content.decode()
        assert 'name="action-publish"' in html, who
    assert not home.permissions_for_user(people.requester).can_publish()


def test_the_catalogue_has_a_stable_address_in_everyones_menu(db, people, client_for):
    assert client_for(None).get("/catalogue/").status_code == 404  # none published yet: said plainly
    home = HomePage.objects.get()
    home.add_child(instance=CatalogueIndexPage(title="What we offer", slug="offer"))
    for who in (None, people.requester, people.analyst):
        client = client_for(who)
        response = client.get("/catalogue/")
        assert response.status_code == 302 and response["Location"] == "/offer/"
        page = client.get("/" if who is None else "/my/").content.decode()
        nav = page[page.index('<nav class="site-nav"') : page.index("</nav>")]
        assert '<a href="/catalogue/">Services</a>' in nav
    mine = client_for(people.requester).get("/my/").content.decode()
    assert '<a class="button button--quiet" href="/catalogue/">Ask for something</a>' in mine
