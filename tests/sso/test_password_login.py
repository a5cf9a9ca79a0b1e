"""PASSWORD_LOGIN=admins: the password form is kept for superusers (break-glass) and tells everyone else
to use the sign-on button; on the site's login page and Wagtail's."""

import pytest

from tests import factories
from tests.factories import PASSWORD


def test_login_page_offers_the_sign_on_button(sso, client):
    html = client.get("/accounts/login/?next=/my/").content.decode()
    assert 'href="/oidc/authenticate/?next=/my/"' in html
    assert "Sign in with Wonderland ID" in html


def test_login_page_has_no_button_when_sign_on_is_off(client, db):
    assert "/oidc/" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("login", ["/accounts/login/", "/admin/login/"])
def test_admins_only_refuses_staff_with_a_plain_answer(sso, settings, client, login):
    settings.PASSWORD_LOGIN = "admins"
    editor = factories.editor(username="ed")
    response = client.post(login, {"username": editor.username, "password": PASSWORD})
    assert response.status_code == 200
    assert "Please use “Sign in with Wonderland ID” on the login page" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("login", ["/accounts/login/", "/admin/login/"])
def test_admins_only_lets_a_superuser_in(sso, settings, client, login):
    settings.PASSWORD_LOGIN = "admins"
    factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    response = client.post(login, {"username": "root", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_all_lets_staff_in_with_a_password(sso, settings, client):
    settings.PASSWORD_LOGIN = "all"
    factories.UserFactory(username="staff")
    assert client.post("/accounts/login/", {"username": "staff", "password": PASSWORD}).status_code == 302


def test_admins_only_still_says_a_wrong_password_did_not_match(sso, settings, client):
    """Only a right password learns that the person must sign on; a wrong one gets the usual answer."""
    settings.PASSWORD_LOGIN = "admins"
    factories.UserFactory(username="staff")
    html = client.post("/accounts/login/", {"username": "staff", "password": "nope"}).content.decode()
    assert "didn't match" in html
    assert "Sign in with Wonderland ID” on the login page" not in html
