import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import timezone

from tests.factories import PASSWORD


def test_password_reset_mails_a_working_link(people, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": people.requester.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert "Choose a new password" in form_page.content.decode()
    new = "a-brand-new-long-password-42"
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    people.requester.refresh_from_db()
    assert people.requester.check_password(new)


def test_logout_is_a_post_and_ends_the_session(people, client):
    assert client.post("/accounts/login/", {"username": "requester", "password": PASSWORD}).status_code == 302
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/my/").status_code == 302


def test_wrong_password_keeps_the_username_and_says_why(people, client):
    response = client.post("/accounts/login/", {"username": "requester", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "didn&#x27;t match" in html or "didn't match" in html
    assert 'value="requester"' in html


# -- login throttling ------------------------------------------------------------------------------------


@pytest.mark.parametrize("login", ["/accounts/login/", "/admin/login/", "/django-admin/login/"])
def test_five_wrong_passwords_lock_a_username_out_for_a_while_on_every_login_page(people, client, login):
    for person in (people.requester, people.other_staff):  # may use every login page
        person.is_superuser = person.is_staff = True
        person.save()
    for _ in range(4):
        assert client.post(login, {"username": "requester", "password": "guess"}).status_code == 200
    assert client.post(login, {"username": "requester", "password": "guess"}).status_code == 429  # the fifth
    locked = client.post(login, {"username": "requester", "password": PASSWORD})
    assert locked.status_code == 429
    assert "paused for 15 minutes" in locked.content.decode()
    assert client.get("/my/").status_code == 302  # the right password did not let them in
    other = Client()  # another person is not locked out with them
    assert other.post(login, {"username": "other-staff", "password": PASSWORD}).status_code == 302
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert client.post(login, {"username": "requester", "password": PASSWORD}).status_code == 302


def test_a_success_clears_the_count(people, client):
    for _ in range(4):
        client.post("/accounts/login/", {"username": "requester", "password": "guess"})
    assert client.post("/accounts/login/", {"username": "requester", "password": PASSWORD}).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        client.post("/accounts/login/", {"username": "requester", "password": "guess"})
    assert client.post("/accounts/login/", {"username": "requester", "password": PASSWORD}).status_code == 302
