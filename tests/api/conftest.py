"""Token clients for the API tests: api_for(person, access=...) -> a client sending that person's token."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from helpdesk.api import tokens
from helpdesk.models import ApiToken


class ApiClient:
    """A test client that sends `Authorization: Bearer <token>` and JSON bodies."""

    def __init__(self, raw: str | None) -> None:
        self.client = Client()
        self.raw = raw
        self.headers = {"Authorization": f"Bearer {raw}"} if raw else {}

    def get(self, path: str, data=None, **extra):
        return self.client.get(path, data, headers=self.headers, **extra)

    def post(self, path: str, data=None, **extra):
        body = json.dumps(data if data is not None else {})
        return self.client.post(path, body, content_type="application/json", headers=self.headers, **extra)


@pytest.fixture
def api_for(db):
    def make(person, *, access: str = ApiToken.Access.READ_WRITE, lifetime=None) -> ApiClient:
        if person is None:
            return ApiClient(None)
        made = tokens.issue(owner=person, name="Tests", access=access, lifetime=lifetime)
        client = ApiClient(made.raw)
        client.token = made.token
        return client

    return make
