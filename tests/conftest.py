"""Shared fixtures: test-speed settings, the `people` every access test reuses, and clients for them."""

from dataclasses import dataclass

import pytest
from django.test import Client

from helpdesk.models import Team, User
from tests import factories


def pytest_configure(config):
    from django.conf import settings
    from django.test.utils import override_settings

    # Fast and self-contained: cheap hashing, in-process cache and mail, tasks run at once, and plain
    # static storage (the hashed manifest only exists after collectstatic). override_settings, not
    # assignment, so Django's caches of these settings are reset too.
    override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": []}},
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        SECURE_SSL_REDIRECT=False,
        # The worker hands mail to Django's in-memory outbox (mail.outbox), which tests read.
        MAIL_DELIVERY_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ).enable()


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: the board keeps finished weeks, the desk its filter form."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts and ends in the site's language: a request in another (the test client's
    LocaleMiddleware activates it for the thread) must not make a later test's messages Swedish."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@dataclass
class People:
    """Who is who in an access test. `anonymous` is None: use `client_for(None)`."""

    requester: User
    other_staff: User
    analyst: User
    other_analyst: User
    manager: User
    editor: User
    team: Team
    other_team: Team
    anonymous: None = None


@pytest.fixture
def people(db) -> People:
    analyst = factories.UserFactory(username="analyst")
    other_analyst = factories.UserFactory(username="other-analyst")
    return People(
        requester=factories.UserFactory(username="requester"),
        other_staff=factories.UserFactory(username="other-staff"),
        analyst=analyst,
        other_analyst=other_analyst,
        manager=factories.manager(username="manager"),
        editor=factories.editor(username="editor"),
        team=factories.TeamFactory(name="Service Desk", members=[analyst]),
        other_team=factories.TeamFactory(name="Infrastructure", members=[other_analyst]),
    )


@pytest.fixture
def client_for(db):
    """client_for(person) -> a test client logged in as that person (anonymous for None)."""

    def make(person: User | None) -> Client:
        client = Client()
        if person is not None:
            client.force_login(person)
        return client

    return make


@pytest.fixture
def policy(db):
    """The default service-level policy (P1-P4 response and resolution targets on office hours), which
    every ticket raised without a policy of its own runs under. A module may override it."""
    return factories.PolicyFactory(name="Standard", is_default=True)
