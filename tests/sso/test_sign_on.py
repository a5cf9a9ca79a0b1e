"""Single sign-on against a real OpenID provider (tests/sso/provider/, a separate server process): the
first sign-on creates the person, later ones update them, and a token that cannot be trusted is refused."""

import logging
from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from helpdesk.models import User
from helpdesk.roles import EDITORS, MANAGERS
from tests import factories
from tests.sso.conftest import sign_on

FAILED = "/accounts/login/?sso=failed"


@contextmanager
def sso_log():
    """What helpdesk.sso logged (pytest's own log capture is off in this suite's command line)."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep(level=logging.INFO)
    logger = logging.getLogger("helpdesk.sso")
    logger.addHandler(handler)
    try:
        yield records
    finally:
        logger.removeHandler(handler)


@pytest.fixture
def organisation(db):
    division = factories.DivisionFactory(code="finance", name="Finance")
    return {
        "senior": factories.GradeFactory(name="Senior", level=5),
        "junior": factories.GradeFactory(name="Junior", level=1),
        "finance": division,
        "cc": factories.CostCentreFactory(code="CC-7", division=division),
        "oxford": factories.LocationFactory(name="Oxford"),
        "cambridge": factories.LocationFactory(name="Cambridge"),
        "boss": factories.UserFactory(username="boss", employee_id="E100", email="boss@example.org"),
        "other_boss": factories.UserFactory(username="other-boss", email="other.boss@example.org"),
    }


ALICE = {
    "given_name": "Alice",
    "family_name": "Liddell",
    "email": "alice@example.org",
    "employee_id": "E42",
    "grade": "Senior",
    "division": "finance",
    "cost_centre": "CC-7",
    "location": "Oxford",
    "manager": "E100",
    "groups": ["desk-managers", "tea-party"],
}


def test_first_sign_on_creates_the_person_with_every_mapped_attribute(sso, organisation, client):
    sso.set_claims(alice=ALICE)
    response = sign_on(client, sso)
    assert response.status_code == 302
    assert response["Location"] != FAILED
    person = User.objects.get(sso_subject__isnull=False)
    assert (person.username, person.first_name, person.last_name, person.email) == (
        "alice",
        "Alice",
        "Liddell",
        "alice@example.org",
    )
    assert person.employee_id == "E42"
    assert person.grade == organisation["senior"]
    assert person.division == organisation["finance"]
    assert person.cost_centre == organisation["cc"]
    assert person.location == organisation["oxford"]
    assert person.line_manager == organisation["boss"]
    assert set(person.groups.values_list("name", flat=True)) == {MANAGERS}
    assert not person.has_usable_password()
    assert client.session["_auth_user_id"] == str(person.pk)  # signed in


def test_second_sign_on_updates_what_changed_and_only_our_role_groups(sso, organisation, client):
    sso.set_claims(alice=ALICE)
    sign_on(client, sso)
    person = User.objects.get(username="alice")
    auditors = Group.objects.create(name="Auditors")
    person.groups.add(auditors)

    sso.set_claims(
        alice={
            **ALICE,
            "family_name": "Hargreaves",
            "email": "alice.hargreaves@example.org",
            "grade": "Junior",
            "location": "Cambridge",
            "division": "no-such-division",  # unknown: left as it was, logged
            "cost_centre": ["CC-7", "CC-8"],  # not one value: left as it was
            "manager": "other.boss@example.org",
            "groups": ["desk-editors"],
        }
    )
    with sso_log() as log:
        response = sign_on(Client(), sso)
    assert response.status_code == 302 and response["Location"] != FAILED
    assert User.objects.filter(sso_subject__isnull=False).count() == 1
    person.refresh_from_db()
    assert (person.last_name, person.email) == ("Hargreaves", "alice.hargreaves@example.org")
    assert person.grade == organisation["junior"]
    assert person.location == organisation["cambridge"]
    assert person.division == organisation["finance"]
    assert person.cost_centre == organisation["cc"]
    assert person.line_manager == organisation["other_boss"]
    assert set(person.groups.values_list("name", flat=True)) == {EDITORS, "Auditors"}
    assert any("no-such-division" in line for line in log)


@pytest.mark.parametrize("verified", [True, False])
def test_an_existing_person_is_found_by_verified_email_only(sso, organisation, client, verified):
    existing = factories.UserFactory(username="aliceold", email="Alice@example.org")
    sso.set_claims(alice={**ALICE, "email_verified": verified})
    response = sign_on(client, sso)
    assert response["Location"] != FAILED
    existing.refresh_from_db()
    if verified:
        assert existing.sso_subject is not None
        assert existing.grade == organisation["senior"]
        assert not User.objects.filter(username="alice").exists()
    else:
        assert existing.sso_subject is None
        assert User.objects.get(username="alice").sso_subject is not None


def test_a_deactivated_person_is_refused(sso, organisation, client):
    sso.set_claims(alice=ALICE)
    sign_on(client, sso)
    User.objects.filter(username="alice").update(is_active=False)
    fresh = Client()
    assert sign_on(fresh, sso)["Location"] == FAILED
    assert "_auth_user_id" not in fresh.session


@pytest.mark.parametrize(
    ("scenario", "reason"),
    [
        ("tampered", "Signature verification failed"),
        ("expired", "Signature has expired"),
        ("other-audience", "Audience doesn't match"),
    ],
)
def test_an_untrustworthy_id_token_is_refused(sso, organisation, client, settings, scenario, reason):
    sso.set_claims(alice=ALICE)
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{sso.url}/scenario/{scenario}/token/"
    with sso_log() as log:
        response = sign_on(client, sso)
    assert response.status_code == 302
    assert response["Location"] == FAILED
    assert any(reason in line for line in log), log
    assert not User.objects.filter(sso_subject__isnull=False).exists()
    assert "_auth_user_id" not in client.session  # not signed in
    page = client.get(FAILED)
    assert "Single sign-on did not log you in" in page.content.decode()


def test_the_scenario_endpoint_unchanged_signs_on(sso, organisation, client, settings):
    """The refusals above come from the changed token, not from the scenario endpoint itself."""
    sso.set_claims(alice=ALICE)
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{sso.url}/scenario/plain/token/"
    assert sign_on(client, sso)["Location"] != FAILED
    assert User.objects.filter(username="alice", sso_subject__isnull=False).exists()


def test_an_unreachable_provider_sends_people_back_to_the_login_page(sso, client, settings):
    settings.OIDC_OP_ISSUER = "http://127.0.0.1:9/openid"
    response = client.get("/oidc/authenticate/")
    assert response.status_code == 302
    assert response["Location"] == FAILED


def test_a_superuser_is_never_linked_by_email(sso, organisation, client):
    """The break-glass account stays password-only unless an administrator sets its subject."""
    root = factories.UserFactory(username="root", email="alice@example.org", is_superuser=True, is_staff=True)
    sso.set_claims(alice={**ALICE, "email_verified": True})
    sign_on(client, sso)
    root.refresh_from_db()
    assert root.sso_subject is None
    assert not User.objects.get(username="alice").is_superuser
