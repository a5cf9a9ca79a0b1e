"""Personal API tokens: made on /my/tokens/ and shown once, kept as a digest only, revoked there; the API
refuses revoked and expired tokens and inactive owners (401), and read-only tokens on writes (403)."""

import hashlib
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from helpdesk.api import tokens
from helpdesk.models import ApiToken

TOKEN = re.compile(r"pd_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def test_a_token_is_shown_once_and_kept_as_its_digest_only(people, client_for):
    client = client_for(people.requester)
    response = client.post("/my/tokens/", {"name": "HR joiners", "access": "read_write", "lifetime": "90"})
    assert response.status_code == 200
    page = response.content.decode()
    raw = TOKEN.search(page).group(0)
    token = ApiToken.objects.get()
    assert (token.owner, token.name, token.access) == (people.requester, "HR joiners", "read_write")
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.split("_")[1] == token.prefix
    assert token.expires_at - token.created_at == timedelta(days=90)
    # Nowhere kept: no column holds the secret, and the list never shows it again.
    secret = raw.split("_", 2)[2]
    assert all(secret not in str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields)
    again = client.get("/my/tokens/").content.decode()
    assert secret not in again and f"pd_{token.prefix}_" in again and "HR joiners" in again
    assert "no-store" in response["Cache-Control"]


def test_the_page_refuses_a_missing_name_and_keeps_the_rest(people, client_for):
    response = client_for(people.requester).post("/my/tokens/", {"name": "  ", "access": "read", "lifetime": "30"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    long = client_for(people.requester).post("/my/tokens/", {"name": "x" * 61, "access": "read", "lifetime": "30"})
    assert long.status_code == 400


def test_the_tokens_page_is_linked_from_the_profile_and_needs_a_login(people, client_for):
    assert "/my/tokens/" in client_for(people.requester).get("/my/profile/").content.decode()
    assert client_for(None).get("/my/tokens/").status_code == 302


def test_a_revoked_token_stops_working(people, client_for, api_for):
    api = api_for(people.requester)
    assert api.get("/api/tickets/").status_code == 200
    response = client_for(people.requester).post(f"/my/tokens/{api.token.pk}/revoke/")
    assert response.status_code == 302
    refused = api.get("/api/tickets/")
    assert refused.status_code == 401
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "This token was revoked."
    assert refused["WWW-Authenticate"].startswith("Bearer")


def test_only_the_owner_can_revoke_a_token(people, client_for, api_for):
    api = api_for(people.requester)
    assert client_for(people.other_staff).post(f"/my/tokens/{api.token.pk}/revoke/").status_code == 404
    assert client_for(people.other_staff).get(f"/my/tokens/{api.token.pk}/revoke/").status_code in (404, 405)
    assert api.get("/api/tickets/").status_code == 200


def test_an_expired_token_stops_working(people, api_for):
    api = api_for(people.requester, lifetime=timedelta(days=30))
    with time_machine.travel(timezone.now() + timedelta(days=29)):
        assert api.get("/api/tickets/").status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=30, seconds=1)):
        response = api.get("/api/tickets/")
    assert response.status_code == 401
    assert response.json()["detail"] == "This token has expired."


def test_the_token_of_someone_who_may_no_longer_log_in_is_refused(people, api_for):
    api = api_for(people.requester)
    people.requester.is_active = False
    people.requester.save(update_fields=["is_active"])
    assert api.get("/api/tickets/").status_code == 401


@pytest.mark.parametrize(
    "header",
    ["Bearer pd_00000000_nothing", "Bearer", "Bearer a b", "Bearer pd_x", "Bearer é", "Bearer " + "pd_" * 200],
)
def test_unknown_or_malformed_tokens_are_401(db, client, header):
    response = client.get("/api/tickets/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_read_only_token_reads_but_may_not_write(people, api_for, policy):
    api = api_for(people.requester, access=ApiToken.Access.READ)
    assert api.get("/api/tickets/").status_code == 200
    response = api.post("/api/tickets/", {"title": "Printer jams"})
    assert response.status_code == 403
    assert response.json()["type"] == "urn:promise-desk:problem:read-only-token"
    assert not people.requester.tickets.exists()


def test_last_used_is_recorded_at_most_once_a_minute(people, api_for):
    api = api_for(people.requester)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("/api/services/")
    api.token.refresh_from_db()
    assert api.token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=30), tick=False):
        api.get("/api/services/")
    api.token.refresh_from_db()
    assert api.token.last_used_at == start
    with time_machine.travel(start + timedelta(seconds=61), tick=False):
        api.get("/api/services/")
    api.token.refresh_from_db()
    assert api.token.last_used_at == start + timedelta(seconds=61)


def test_issue_refuses_an_unknown_access(people):
    from helpdesk.services import Refused

    with pytest.raises(Refused):
        tokens.issue(owner=people.requester, name="x", access="admin", lifetime=None)
