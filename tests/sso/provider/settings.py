"""A real OpenID provider (django-oidc-provider) for the single sign-on tests: its own small Django
project, run by tests/sso/conftest.py as a separate server process with its own SQLite file."""

import os
from pathlib import Path

DEBUG = False
SECRET_KEY = "provider-for-tests-only"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "tests.sso.provider.urls"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oidc_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [Path(__file__).parent / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["PROVIDER_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "/accounts/login/"

# The people's organisation claims, read from a JSON file the tests write (so a test can change them
# between two sign-ons): {"username": {"grade": ..., "groups": [...], ...}}.
PROVIDER_CLAIMS_FILE = os.environ["PROVIDER_CLAIMS_FILE"]
OIDC_USERINFO = "tests.sso.provider.claims.userinfo"
OIDC_EXTRA_SCOPE_CLAIMS = "tests.sso.provider.claims.OrganisationClaims"
OIDC_IDTOKEN_PROCESSING_HOOK = "tests.sso.provider.claims.scenario"
