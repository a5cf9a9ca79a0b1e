"""Who may open which area, and what the menu offers them."""

import pytest
from django.contrib.auth.models import Group

from helpdesk.roles import MANAGERS, Roles
from tests.factories import PASSWORD

AREAS = ["/my/", "/desk/", "/dashboard/", "/my/profile/"]

# person -> expected status per area, in the order of AREAS.
MATRIX = {
    "anonymous": [302, 302, 302, 302],
    "requester": [200, 403, 403, 200],
    "other_staff": [200, 403, 403, 200],
    "analyst": [200, 200, 403, 200],
    "other_analyst": [200, 200, 403, 200],
    "manager": [200, 200, 200, 200],
    "editor": [200, 403, 403, 200],
}


@pytest.mark.parametrize("who", MATRIX)
def test_area_access_matrix(who, people, client_for):
    client = client_for(getattr(people, who))
    got = [client.get(url).status_code for url in AREAS]
    assert got == MATRIX[who]


def test_anonymous_is_sent_to_log_in_and_back(client_for, db):
    response = client_for(None).get("/desk/")
    assert response["Location"] == "/accounts/login/?next=/desk/"


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("requester", ["My requests"], ["Desk", "Dashboard", "Edit the site"]),
        ("analyst", ["My requests", "Desk"], ["Dashboard", "Edit the site"]),
        ("manager", ["My requests", "Desk", "Dashboard", "Edit the site"], []),
        ("editor", ["My requests", "Edit the site"], ["Desk", "Dashboard"]),
    ],
)
def test_navigation_fits_the_role(who, shown, hidden, people, client_for):
    html = client_for(getattr(people, who)).get("/my/").content.decode()
    nav = html[html.index('<nav class="site-nav"') : html.index("</nav>")]
    for label in shown:
        assert f">{label}</a>" in nav
    for label in hidden:
        assert f">{label}</a>" not in nav


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("requester", "/my/"), ("analyst", "/desk/"), ("manager", "/dashboard/"), ("editor", "/admin/")],
)
def test_logging_in_lands_where_the_role_works(who, lands_on, people, client):
    person = getattr(people, who)
    response = client.post("/accounts/login/", {"username": person.username, "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == lands_on


def test_desk_lists_only_the_analysts_own_teams(people, client_for):
    html = client_for(people.analyst).get("/desk/").content.decode()
    views = html[html.index('class="views"') : html.index("</nav>", html.index('class="views"'))]
    assert "Service Desk" in views
    assert "Infrastructure" not in views  # another team's queue is not offered


@pytest.mark.parametrize(("who", "status"), [("requester", 302), ("manager", 302), ("superuser", 200)])
def test_django_admin_is_for_superusers_only(who, status, people, client_for, django_user_model):
    person = (
        django_user_model.objects.create_superuser("root", "root@example.org", "x")
        if who == "superuser"
        else getattr(people, who)
    )
    assert client_for(person).get("/django-admin/").status_code == status


@pytest.mark.parametrize(("who", "status"), [("requester", 302), ("analyst", 302), ("manager", 200), ("editor", 200)])
def test_wagtail_admin_is_for_managers_and_editors(who, status, people, client_for):
    assert client_for(getattr(people, who)).get("/admin/").status_code == status


def test_roles_and_teams_are_read_in_one_query_once_per_request(people, django_assert_num_queries):
    people.editor.groups.add(Group.objects.get(name=MANAGERS))
    people.team.members.add(people.editor)
    with django_assert_num_queries(1):
        roles = people.manager.roles
        assert roles.manager and not roles.analyst and not roles.editor
        assert people.manager.roles == roles
        assert people.manager.team_ids == frozenset()
    with django_assert_num_queries(1):
        assert people.editor.roles == Roles(analyst=True, manager=True, editor=True)
        assert people.editor.team_ids == {people.team.pk}
    with django_assert_num_queries(1):
        assert people.analyst.team_ids == {people.team.pk}
        assert people.analyst.roles == Roles(analyst=True)
    people.other_team.members.add(people.analyst)
    people.analyst.groups.add(Group.objects.get(name=MANAGERS))
    assert people.analyst.team_ids == {people.team.pk}  # kept within a request
    people.analyst.refresh_from_db()
    assert people.analyst.team_ids == {people.team.pk, people.other_team.pk}
    assert people.analyst.roles == Roles(analyst=True, manager=True)
