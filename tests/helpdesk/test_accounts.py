import re

from django.core import mail

from tests.factories import PASSWORD


def test_password_reset_mails_a_working_link(people, client):
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
    client.login(username=people.requester.username, password=PASSWORD)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/my/").status_code == 302


def test_wrong_password_keeps_the_username_and_says_why(people, client):
    response = client.post("/accounts/login/", {"username": "requester", "password": "nope"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "didn&#x27;t match" in html or "didn't match" in html
    assert 'value="requester"' in html
