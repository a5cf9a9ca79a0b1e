"""Service status: the rule (helpdesk/status.py), the public page at /status/, the banner on portal and
catalogue pages, and planned maintenance edited in the Wagtail admin."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogue.models import Part, Service
from cms.models import CatalogueIndexPage, HomePage, ServicePage
from helpdesk import services, status
from helpdesk.models import Effect, Maintenance, State
from tests import factories

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# -- the rule ----------------------------------------------------------------------------------------------


@dataclass
class Incident:
    priority: str = "P3"
    major: bool = True
    state: str = State.IN_PROGRESS


@dataclass
class Window:
    starts_at: datetime = NOW - HOUR
    ends_at: datetime = NOW + HOUR
    effect: str = Effect.DEGRADED


def test_nothing_recorded_is_operational():
    assert status.effect_of([], [], now=NOW) == Effect.OPERATIONAL


@pytest.mark.parametrize("effect", list(Effect))
def test_running_maintenance_gives_its_own_effect(effect):
    assert status.effect_of([], [Window(effect=effect)], now=NOW) == effect


@pytest.mark.parametrize(
    ("starts_at", "ends_at", "expected"),
    [
        (NOW + HOUR, NOW + 2 * HOUR, Effect.OPERATIONAL),  # planned for later
        (NOW - 2 * HOUR, NOW - HOUR, Effect.OPERATIONAL),  # over
        (NOW, NOW + HOUR, Effect.DEGRADED),  # starts now: counts
        (NOW - HOUR, NOW, Effect.OPERATIONAL),  # ends now: over
    ],
)
def test_maintenance_counts_only_while_it_runs(starts_at, ends_at, expected):
    assert status.effect_of([], [Window(starts_at, ends_at)], now=NOW) == expected


@pytest.mark.parametrize(
    ("priority", "expected"), [("P1", Effect.DOWN), ("P2", Effect.DEGRADED), ("P3", Effect.DEGRADED)]
)
def test_an_open_major_incident_takes_a_p1_down_and_degrades_the_rest(priority, expected):
    assert status.effect_of([Incident(priority)], [], now=NOW) == expected


@pytest.mark.parametrize("state", [State.RESOLVED, State.CLOSED, State.CANCELLED])
def test_a_finished_major_incident_counts_for_nothing(state):
    assert status.effect_of([Incident("P1", state=state)], [], now=NOW) == Effect.OPERATIONAL


def test_an_incident_that_is_not_major_counts_for_nothing():
    assert status.effect_of([Incident("P1", major=False)], [], now=NOW) == Effect.OPERATIONAL


@pytest.mark.parametrize(
    ("incidents", "windows", "expected"),
    [
        ([Incident("P3")], [Window(effect=Effect.DOWN)], Effect.DOWN),
        ([Incident("P1")], [Window(effect=Effect.DEGRADED)], Effect.DOWN),
        ([Incident("P3")], [Window(effect=Effect.OPERATIONAL)], Effect.DEGRADED),
        ([Incident("P3"), Incident("P1")], [], Effect.DOWN),
        ([Incident("P1", state=State.CLOSED)], [Window(effect=Effect.DEGRADED)], Effect.DEGRADED),
    ],
)
def test_the_worst_wins(incidents, windows, expected):
    assert status.effect_of(incidents, windows, now=NOW) == expected


# -- what the page reads -----------------------------------------------------------------------------------


@pytest.fixture
def cast(people, policy):
    """Three live services in two parts, and a retired one."""
    core = factories.CategoryFactory(slug="devices", part=Part.CORE)
    software = factories.CategoryFactory(slug="office", part=Part.SOFTWARE)
    return {
        "laptop": factories.ServiceFactory(name="Laptop", category=core, owner_team=people.team),
        "printing": factories.ServiceFactory(name="Printing", category=core, owner_team=people.team),
        "email": factories.ServiceFactory(name="Email", category=software, owner_team=people.team),
        "fax": factories.ServiceFactory(name="Fax", category=core, owner_team=people.team, status="retired"),
    }


def _effects(board) -> dict[str, Effect]:
    return {row.service.name: row.effect for row in board.services}


def test_the_board_reads_incidents_and_maintenance_for_each_service(people, cast):
    factories.major_incident(requester=people.requester, team=people.team, service=cast["laptop"], priority="P1")
    factories.major_incident(requester=people.requester, team=people.team, service=cast["email"], priority="P3")
    factories.major_incident(
        requester=people.requester, team=people.team, service=cast["printing"], priority="P1", state="closed"
    )
    now = timezone.now()
    factories.MaintenanceFactory(services=[cast["printing"]], effect=Effect.DOWN, title="New print server")
    factories.MaintenanceFactory(
        services=[cast["email"]], starts_at=now + 3 * 24 * HOUR, ends_at=now + 3 * 24 * HOUR + HOUR, title="Mail move"
    )
    factories.MaintenanceFactory(
        services=[cast["email"]], starts_at=now + 30 * 24 * HOUR, ends_at=now + 31 * 24 * HOUR, title="Far off"
    )
    board = status.board()
    assert _effects(board) == {"Laptop": Effect.DOWN, "Printing": Effect.DOWN, "Email": Effect.DEGRADED}
    assert [part.part for part in board.parts] == [Part.CORE, Part.SOFTWARE]  # the catalogue's order
    assert [i.service_name for i in board.incidents] == ["Laptop", "Email"]  # open ones, oldest first
    assert [w.title for w in board.running] == ["New print server"]
    assert [w.title for w in board.upcoming] == ["Mail move"]
    assert len(board.affected) == 3


def test_a_major_incident_on_no_service_is_listed_but_affects_none(people, cast):
    incident = factories.major_incident(requester=people.requester, team=people.team, service=cast["fax"])
    board = status.board()
    assert [i.pk for i in board.incidents] == [incident.pk]
    assert set(_effects(board).values()) == {Effect.OPERATIONAL}


# -- the page ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "requester", "other_staff", "analyst", "manager", "editor"])
def test_everyone_may_read_the_page_with_nothing_wrong(who, people, cast, client_for):
    response = client_for(getattr(people, who)).get("/status/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "All services are working normally." in html
    assert "Laptop" in html and "Email" in html and "Fax" not in html
    assert "Core services" in html and "Software services" in html
    assert html.count("Operational</span>") == 3


@pytest.mark.parametrize(
    ("who", "sees_reference"),
    [("anonymous", False), ("other_staff", False), ("requester", True), ("analyst", True), ("manager", True)],
)
def test_the_page_shows_an_incident_title_to_all_and_its_reference_to_who_may_see_it(
    who, sees_reference, people, cast, client_for
):
    incident = factories.major_incident(
        requester=people.requester, team=people.team, service=cast["laptop"], title="Laptops cannot log in"
    )
    services.reply(incident, by=people.analyst, body="We are restarting the sign-in servers.", notify=False)
    factories.MaintenanceFactory(services=[cast["email"]], title="Mail server patch", details="Slower mail.")
    response = client_for(getattr(people, who)).get("/status/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Laptops cannot log in" in html and "Started" in html and "latest update" in html
    assert "2 services are not working normally." in html
    assert "Down</span>" in html and "Degraded</span>" in html
    assert "Mail server patch" in html and "Slower mail." in html
    assert (incident.reference in html) is sees_reference
    assert ("restarting the sign-in servers" in html) is sees_reference
    # States in words (the enum's labels), never as the stored keys.
    assert not re.search(r"\b(operational|degraded)\b", re.sub(r"<[^>]*>", " ", html))


def test_the_page_lists_maintenance_coming_within_two_weeks(people, cast, client_for):
    soon = timezone.now() + 2 * 24 * HOUR
    factories.MaintenanceFactory(services=[cast["email"]], starts_at=soon, ends_at=soon + HOUR, title="Mail move")
    html = client_for(None).get("/status/").content.decode()
    assert "Mail move" in html and "All services are working normally." in html


def test_the_page_answers_odd_input_without_an_error(people, cast, client_for):
    client = client_for(None)
    assert client.get("/status/", {"q": "\x00", "page": "99999999999999999999"}).status_code in (200, 400)
    assert client.post("/status/").status_code == 405


@pytest.mark.parametrize("count", [2, 12])
def test_the_page_queries_do_not_grow(count, people, policy, client_for, django_assert_max_num_queries):
    category = factories.CategoryFactory()
    for n in range(count):
        service = factories.ServiceFactory(category=category, owner_team=people.team)
        factories.major_incident(requester=people.requester, team=people.team, service=service, priority="P3")
        factories.MaintenanceFactory(services=[service])
        soon = timezone.now() + (n + 1) * 24 * HOUR
        factories.MaintenanceFactory(services=[service], starts_at=soon, ends_at=soon + HOUR)
    client = client_for(people.analyst)
    with django_assert_max_num_queries(8):  # session, person, roles; services, incidents, maintenance, links
        response = client.get("/status/")
    assert response.status_code == 200
    assert response.content.decode().count("Degraded</span>") >= 2 * count


# -- the banner ----------------------------------------------------------------------------------------------


@pytest.fixture
def site(cast):
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    catalogue.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=cast["laptop"]))
    return ["/", "/services/", "/services/laptop/", "/my/"]


BANNER = 'class="status-banner'


def test_no_banner_while_all_is_well(people, site, client_for):
    factories.MaintenanceFactory(
        services=[Service.objects.get(name="Email")],
        starts_at=timezone.now() + HOUR,
        ends_at=timezone.now() + 2 * HOUR,
    )
    client = client_for(people.requester)
    for path in site:
        response = client.get(path)
        assert response.status_code == 200, path
        assert BANNER not in response.content.decode(), path


def test_the_banner_shows_while_a_major_incident_is_open(people, cast, site, client_for):
    factories.major_incident(requester=people.requester, team=people.team, service=cast["laptop"])
    for who in (None, people.other_staff):
        client = client_for(who)
        for path in site if who else site[:3]:
            html = client.get(path).content.decode()
            assert BANNER in html, path
            assert "1 service is down." in html and "A major incident is open." in html
            assert 'href="/status/"' in html
    assert BANNER not in client_for(people.analyst).get("/desk/").content.decode()  # the desk has its own


def test_the_banner_shows_while_maintenance_runs(people, cast, site, client_for):
    factories.MaintenanceFactory(services=[cast["email"]], effect=Effect.DEGRADED)
    html = client_for(None).get("/services/").content.decode()
    assert BANNER in html and "1 service is degraded." in html and "Planned maintenance is under way." in html


def test_the_banner_reads_a_cached_summary(people, cast, site, client_for, django_assert_num_queries):
    factories.major_incident(requester=people.requester, team=people.team, service=cast["laptop"])
    factories.MaintenanceFactory(services=[cast["laptop"], cast["email"]], effect=Effect.DEGRADED)
    with django_assert_num_queries(1):  # open major incidents and running maintenance, as one UNION
        assert status.banner().incidents == 1
    with django_assert_num_queries(0):
        assert status.banner() == status.Banner(incidents=1, maintenance=1, down=1, degraded=1)
    # On a page: read once a minute, not on every page.
    client = client_for(people.requester)
    client.get("/")
    with CaptureQueriesContext(connection) as warm:
        assert BANNER in client.get("/").content.decode()
    assert not [q for q in warm.captured_queries if "helpdesk_maintenance" in q["sql"]]


def test_the_banner_is_read_again_when_maintenance_or_a_major_incident_changes(
    people, cast, site, django_capture_on_commit_callbacks
):
    assert not status.banner()
    with django_capture_on_commit_callbacks(execute=True):
        work = factories.MaintenanceFactory(services=[cast["email"]])
    assert status.banner().maintenance == 1
    with django_capture_on_commit_callbacks(execute=True):
        work.delete()
    assert not status.banner()
    incident = factories.major_incident(requester=people.requester, team=people.team, service=cast["laptop"])
    cache.delete(status.BANNER_KEY)
    assert status.banner().down == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(incident, "resolve", by=people.analyst, text="Fixed.", notify=False)
    assert not status.banner()


def test_the_footer_links_to_the_status_page(people, client_for):
    html = client_for(people.requester).get("/my/").content.decode()
    assert '<a href="/status/">Service status</a>' in html
    assert "/healthz" not in html


# -- planned maintenance in the admin ------------------------------------------------------------------------

ADMIN = "/admin/snippets/helpdesk/maintenance/"


@pytest.mark.parametrize(("who", "code"), [("manager", 200), ("editor", 200), ("requester", 302), ("analyst", 302)])
def test_managers_and_editors_edit_planned_maintenance(who, code, people, cast, client_for):
    work = factories.MaintenanceFactory(services=[cast["email"]], title="Mail server patch")
    client = client_for(getattr(people, who))
    for path in (ADMIN, f"{ADMIN}add/", f"{ADMIN}edit/{work.pk}/"):
        assert client.get(path).status_code == code, path
    if code == 200:
        assert "Mail server patch" in client.get(ADMIN).content.decode()
        assert "Planned maintenance" in client.get("/admin/").content.decode()  # in the menu


def test_the_form_says_in_words_that_the_end_comes_after_the_start(people, cast, client_for):
    client = client_for(people.manager)
    data = {
        "title": "Network switch swap",
        "services": [str(cast["email"].pk)],
        "starts_at": "2030-05-01 20:00",
        "ends_at": "2030-05-01 18:00",
        "effect": Effect.DOWN,
        "details": "",
    }
    refused = client.post(f"{ADMIN}add/", data)
    assert refused.status_code == 200
    assert "The end must be after the start" in refused.content.decode()
    assert not Maintenance.objects.exists()
    accepted = client.post(f"{ADMIN}add/", {**data, "ends_at": "2030-05-01 23:00"})
    assert accepted.status_code == 302
    work = Maintenance.objects.get()
    assert list(work.services.all()) == [cast["email"]]
