"""The environment turns single sign-on on (config/settings.py, config/urls.py) and refuses what
cannot work, before the site starts."""

import os
import subprocess
import sys

from tests.sso.conftest import ROOT

PROBE = (
    "import django; django.setup(); from django.conf import settings; from django.urls import reverse; "
    "print(settings.AUTHENTICATION_BACKENDS[1]); print(reverse('oidc_authentication_callback'))"
)


def run(**env):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "PASSWORD_LOGIN"))}
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_client_id_turns_sign_on_on_after_axes():
    result = run(
        OIDC_RP_CLIENT_ID="desk",
        OIDC_RP_CLIENT_SECRET="s",
        OIDC_ISSUER="https://id.example.org",
        PASSWORD_LOGIN="admins",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["helpdesk.sso.SignOnBackend", "/oidc/callback/"]


def test_what_cannot_work_stops_start_up_with_the_variable_named():
    assert "OIDC_RP_CLIENT_SECRET" in run(OIDC_RP_CLIENT_ID="desk", OIDC_ISSUER="https://id.example.org").stderr
    assert "OIDC_ISSUER" in run(OIDC_RP_CLIENT_ID="desk", OIDC_RP_CLIENT_SECRET="s").stderr
    assert "PASSWORD_LOGIN" in run(PASSWORD_LOGIN="admins").stderr
    assert "PASSWORD_LOGIN" in run(PASSWORD_LOGIN="nobody").stderr
