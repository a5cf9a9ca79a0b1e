"""A real OpenID provider for the single sign-on tests, and a browser's part of the authorization-code
flow: our site through Django's test client, the provider over real HTTP."""

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "http://testserver/oidc/callback/"
PROVIDER_PASSWORD = "wonderland"  # alice's, made by provider/bootstrap.py


@dataclass
class Provider:
    url: str
    claims_file: Path

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def set_claims(self, **people: dict) -> None:
        self.claims_file.write_text(json.dumps(people), encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def provider(tmp_path_factory):
    folder = tmp_path_factory.mktemp("provider")
    claims_file = folder / "claims.json"
    claims_file.write_text("{}", encoding="utf-8")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.sso.provider.settings",
        "PYTHONPATH": str(ROOT),
        "PROVIDER_DB": str(folder / "provider.sqlite3"),
        "PROVIDER_CLAIMS_FILE": str(claims_file),
    }
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tests.sso.provider.bootstrap", CALLBACK], cwd=ROOT, env=env, check=True
    )
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{url}/openid/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            pytest.fail("The OpenID provider did not start.")
        yield Provider(url=url, claims_file=claims_file)
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def sso(settings, provider, monkeypatch, db):
    """Single sign-on on, against the provider; returns the provider."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    settings.ROOT_URLCONF = "tests.sso.urls"
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "promise-desk"
    settings.OIDC_RP_CLIENT_SECRET = "promise-desk-secret"
    settings.OIDC_OP_ISSUER = provider.issuer
    settings.OIDC_RP_SCOPES = "openid email profile organisation"
    settings.OIDC_PROVIDER_NAME = "Wonderland ID"
    settings.OIDC_MANAGERS_GROUP = "desk-managers"
    settings.OIDC_EDITORS_GROUP = "desk-editors"
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "helpdesk.sso.SignOnBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]
    return provider


def _form_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]*)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="submit"' not in tag:
            fields[name.group(1)] = value.group(1).replace("&amp;", "&") if value else ""
    return fields


def sign_on(client, provider: Provider, username: str = "alice"):
    """Start at our /oidc/authenticate/, log in and consent at the provider, and bring the code back to
    our callback. Returns our callback's response."""
    start = client.get("/oidc/authenticate/")
    assert start.status_code == 302, start
    browser = requests.Session()
    browser.trust_env = False
    response = browser.get(start["Location"], allow_redirects=False, timeout=10)
    while True:
        location = response.headers.get("Location", "")
        if location.startswith(CALLBACK):
            parts = urlsplit(location)
            return client.get(f"{parts.path}?{parts.query}")
        if response.status_code in (301, 302):
            response = browser.get(requests.compat.urljoin(response.url, location), allow_redirects=False, timeout=10)
        elif 'name="password"' in response.text:
            fields = {**_form_fields(response.text), "username": username, "password": PROVIDER_PASSWORD}
            response = browser.post(response.url, data=fields, allow_redirects=False, timeout=10)
        elif 'name="allow"' in response.text:
            fields = {**_form_fields(response.text), "allow": "Authorize"}
            response = browser.post(f"{provider.issuer}/authorize", data=fields, allow_redirects=False, timeout=10)
        else:
            pytest.fail(f"Unexpected page at the provider ({response.status_code}): {response.text[:500]}")
