"""Promise Desk settings: one module, read from the environment.

Development needs nothing set (`DEBUG=1` is what `make run` uses). Production sets at least
`SECRET_KEY`, `ALLOWED_HOSTS` and `DATABASE_URL`; a missing or malformed value stops start-up with a
message that names it.
"""

import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY to a long random value "
            "(for example: python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=1 for a development machine."
        )
    SECRET_KEY = "development-only-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    # Ours first, so our templates (registration/, 404.html) win over the packages'.
    "helpdesk",
    "catalogue",
    "sla",
    "cms",
    "demo",  # only `manage.py seed_demo` (no models); it refuses to run without DEBUG
    # The catalogue's pages in every language: wagtail-localize's side-by-side editor, and its Locales
    # screen (instead of wagtail.locales) where a language is kept in step with English.
    "wagtail_localize",
    "wagtail_localize.locales",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "rest_framework",  # the API (helpdesk/api/), with its OpenAPI schema and docs' static files
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "helpdesk.apps.SuperuserAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "csp",
    "import_export",  # the admin's people import screen (helpdesk/directory/)
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page, refusals and error pages included (static files need none).
    "helpdesk.middleware.ContentSecurityPolicy",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "helpdesk.middleware.PersonalPreferencesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "helpdesk.middleware.RejectUnreadableInput",
    "helpdesk.middleware.PrivatePages",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the page that says so.
    "axes.middleware.AxesMiddleware",
]

# Login throttling (django-axes): after LOGIN_FAILURE_LIMIT wrong passwords for one username from one
# address, that pair is locked out for LOGIN_COOLOFF_MINUTES, on every login page; a success clears it.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Single sign-on with OpenID Connect (mozilla-django-oidc; rules in helpdesk/sso.py), on when
# OIDC_RP_CLIENT_ID is set. The provider's endpoints come from OIDC_ISSUER's discovery document unless
# given one by one. PASSWORD_LOGIN=admins keeps the password form for superusers only (break-glass).
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET")
OIDC_OP_ISSUER = env_str("OIDC_ISSUER").rstrip("/")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "single sign-on")
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = env_str("OIDC_SCOPES", "openid email profile")
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATE_CLASS = "helpdesk.sso.SignOnStart"
LOGIN_REDIRECT_URL_FAILURE = "/accounts/login/?sso=failed"
# Claims read from the provider, each renamable: OIDC_CLAIM_GRADE=jobGrade, for example.
OIDC_CLAIMS = {
    name: env_str(f"OIDC_CLAIM_{name.upper()}", name)
    for name in (
        "given_name",
        "family_name",
        "email",
        "email_verified",
        "employee_id",
        "grade",
        "division",
        "cost_centre",
        "location",
        "manager",
        "groups",
    )
} | {"username": env_str("OIDC_CLAIM_USERNAME", "preferred_username")}
# The provider's group names that make someone a manager or a catalogue editor; empty leaves that role
# to the administrator.
OIDC_MANAGERS_GROUP = env_str("OIDC_MANAGERS_GROUP")
OIDC_EDITORS_GROUP = env_str("OIDC_EDITORS_GROUP")
PASSWORD_LOGIN = env_str("PASSWORD_LOGIN", "all").lower()
if PASSWORD_LOGIN not in {"all", "admins"}:
    raise ImproperlyConfigured(f"PASSWORD_LOGIN must be all or admins; got {PASSWORD_LOGIN!r}.")
if OIDC_ENABLED:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set but OIDC_RP_CLIENT_SECRET is not.")
    _endpoints = {
        "OIDC_OP_AUTHORIZATION_ENDPOINT": OIDC_OP_AUTHORIZATION_ENDPOINT,
        "OIDC_OP_TOKEN_ENDPOINT": OIDC_OP_TOKEN_ENDPOINT,
        "OIDC_OP_USER_ENDPOINT": OIDC_OP_USER_ENDPOINT,
        "OIDC_OP_JWKS_ENDPOINT": OIDC_OP_JWKS_ENDPOINT,
    }
    _missing = [name for name, value in _endpoints.items() if not value]
    if _missing and not OIDC_OP_ISSUER:
        raise ImproperlyConfigured(f"Single sign-on needs OIDC_ISSUER, or else {', '.join(_missing)}.")
    AUTHENTICATION_BACKENDS.insert(1, "helpdesk.sso.SignOnBackend")
elif PASSWORD_LOGIN == "admins":  # noqa: S105 (a mode, not a password)
    raise ImproperlyConfigured("PASSWORD_LOGIN=admins needs single sign-on (OIDC_RP_CLIENT_ID) for everyone else.")
# Wagtail's /admin/ login follows PASSWORD_LOGIN too.
WAGTAILADMIN_USER_LOGIN_FORM = "helpdesk.sso.AdminPasswordLoginForm"

# The directory from LDAP or Active Directory (helpdesk/directory/sync.py, `manage.py sync_directory`,
# nightly) and password login against it (django-auth-ldap), on when LDAP_SERVER_URI is set; needs
# `pip install -r requirements-ldap.txt`. LDAP_ATTR_<COLUMN> names the attribute for each of HR's columns
# (empty: not synced); for Active Directory, e.g. LDAP_ATTR_USERNAME=sAMAccountName,
# LDAP_ATTR_EMPLOYEE_ID=employeeID, LDAP_PEOPLE_FILTER=(objectClass=user) and
# LDAP_DISABLED_FILTER=(userAccountControl:1.2.840.113556.1.4.803:=2).
LDAP_SERVER_URI = env_str("LDAP_SERVER_URI")
LDAP_BIND_DN = env_str("LDAP_BIND_DN")
LDAP_BIND_PASSWORD = env_str("LDAP_BIND_PASSWORD")
LDAP_PEOPLE_BASE = env_str("LDAP_PEOPLE_BASE")
LDAP_PEOPLE_FILTER = env_str("LDAP_PEOPLE_FILTER", "(objectClass=inetOrgPerson)")
LDAP_DISABLED_FILTER = env_str("LDAP_DISABLED_FILTER")
LDAP_TIMEOUT = env_int("LDAP_TIMEOUT", 10)
LDAP_ATTRIBUTES = {
    column: env_str(f"LDAP_ATTR_{column.upper()}", default)
    for column, default in {
        "employee_id": "employeeNumber",
        "username": "uid",
        "first_name": "givenName",
        "last_name": "sn",
        "email": "mail",
        "line_manager": "manager",
        # Reference data must exist here under the directory's values, so these are chosen, not assumed.
        "grade": "",
        "division": "",
        "cost_centre": "",
        "location": "",
    }.items()
}
if LDAP_SERVER_URI:
    if not LDAP_PEOPLE_BASE or not LDAP_ATTRIBUTES["username"]:
        raise ImproperlyConfigured("LDAP_SERVER_URI is set: set LDAP_PEOPLE_BASE (and LDAP_ATTR_USERNAME) too.")
    try:
        import ldap
        from django_auth_ldap.config import LDAPSearch
    except ImportError:
        raise ImproperlyConfigured(
            "LDAP_SERVER_URI is set but python-ldap is not installed: pip install -r requirements-ldap.txt."
        ) from None
    AUTH_LDAP_SERVER_URI = LDAP_SERVER_URI
    AUTH_LDAP_BIND_DN = LDAP_BIND_DN
    AUTH_LDAP_BIND_PASSWORD = LDAP_BIND_PASSWORD
    AUTH_LDAP_CONNECTION_OPTIONS = {ldap.OPT_REFERRALS: 0, ldap.OPT_NETWORK_TIMEOUT: LDAP_TIMEOUT}
    _enabled = f"(!{LDAP_DISABLED_FILTER})" if LDAP_DISABLED_FILTER else ""
    AUTH_LDAP_USER_SEARCH = LDAPSearch(
        LDAP_PEOPLE_BASE,
        ldap.SCOPE_SUBTREE,
        f"(&{LDAP_PEOPLE_FILTER}{_enabled}({LDAP_ATTRIBUTES['username']}=%(user)s))",
    )
    AUTH_LDAP_USER_ATTR_MAP = {
        name: LDAP_ATTRIBUTES[name] for name in ("first_name", "last_name", "email") if LDAP_ATTRIBUTES[name]
    }
    AUTHENTICATION_BACKENDS.insert(1, "helpdesk.directory.auth.DirectoryBackend")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpdesk.context_processors.navigation",
                "helpdesk.context_processors.status_banner",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise (postgres://user@host:5432/name).
if not env_str("DATABASE_URL"):
    (BASE_DIR / "var").mkdir(exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'var' / 'promisedesk.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker, scheduler) share the file: wait for locks instead of failing.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "helpdesk.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "login"

# Times are stored in UTC; each person sees their own zone (helpdesk.middleware).
USE_TZ = True
TIME_ZONE = "UTC"
# Reports, the board's month and the IT Promise's measured results count days in this one zone, so every
# reader sees the same month boundaries whatever their own zone. Changing it needs `rebuild_reports`.
REPORTING_TIME_ZONE = env_str("REPORTING_TIME_ZONE") or TIME_ZONE
if REPORTING_TIME_ZONE not in zoneinfo.available_timezones():
    raise ImproperlyConfigured(
        f"REPORTING_TIME_ZONE must be a time zone such as Europe/Stockholm; got {REPORTING_TIME_ZONE!r}."
    )
USE_I18N = True
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("de", _("German")),
    ("fr", _("French")),
    ("sv", _("Swedish")),
    ("es", _("Spanish")),
]
# Ours (`make messages` extracts them), then the few words of Wagtail's admin its own catalogues lack.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "wagtail"]
# Pages (catalogue, services, projects, the IT Promise) in the same languages. A page not yet translated is
# shown in English with a line saying so (cms/models.py).
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
FORMAT_MODULE_PATH = ["config.formats"]  # one date format everywhere (config/formats/en/formats.py)

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "var" / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or BASE_DIR / "var" / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Ticket attachments: outside MEDIA_ROOT, never served by URL, only through a view that checks access.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(Path(env_str("PRIVATE_ROOT") or BASE_DIR / "var" / "private")), "base_url": None},
    },
    # Compressed, content-hashed files, served by whitenoise with far-future cache headers.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if not env_str("REDIS_URL")
    else {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env_str("REDIS_URL")}
}

# Sessions are read from the cache and written through to the database: one query less on every page,
# and nobody is logged out when the cache is cleared.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Mail: every mail, ours and any Django or Wagtail sends, is written to the outbox (EMAIL_BACKEND) and
# handed by the task worker to the delivery backend: printed to the console in development, SMTP otherwise.
EMAIL_BACKEND = "helpdesk.outbox.OutboxBackend"
MAIL_DELIVERY_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
if MAIL_DELIVERY_BACKEND == EMAIL_BACKEND:
    raise ImproperlyConfigured("EMAIL_BACKEND names how mail is delivered; it cannot be the outbox itself.")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Promise Desk <helpdesk@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# A mail server that does not answer must not hold a worker for long: the mail is tried again later.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Every mail is kept and tried again (after 1, 2, 4 ... minutes, then hourly) for this many hours before
# it is given up and listed for managers to send again.
MAIL_RETRY_FOR = timedelta(hours=env_int("MAIL_RETRY_HOURS", 24))

# Mail in (helpdesk/mail_in/): the desk's own address, e.g. desk@desk.example.org; replies go to
# desk+<signed token>@desk.example.org. Empty: mail in is off and notices carry no reply address.
MAIL_IN_ADDRESS = env_str("MAIL_IN_ADDRESS")
if MAIL_IN_ADDRESS and (MAIL_IN_ADDRESS.count("@") != 1 or "+" in MAIL_IN_ADDRESS or " " in MAIL_IN_ADDRESS):
    raise ImproperlyConfigured(f"MAIL_IN_ADDRESS must be one plain address (local@domain); got {MAIL_IN_ADDRESS!r}.")
MAIL_IN_MAX_BYTES = env_int("MAIL_IN_MAX_BYTES", 25 * 1024 * 1024)
# A new mail from an address nobody has: "refuse" (answer why) or "create" (add the person, no password).
MAIL_IN_UNKNOWN_SENDERS = env_str("MAIL_IN_UNKNOWN_SENDERS", "refuse").lower()
if MAIL_IN_UNKNOWN_SENDERS not in {"refuse", "create"}:
    raise ImproperlyConfigured(f"MAIL_IN_UNKNOWN_SENDERS must be refuse or create; got {MAIL_IN_UNKNOWN_SENDERS!r}.")
# `manage.py fetch_mail`: the IMAP mailbox polled by those who cannot route mail to `manage.py mail_in`.
MAIL_IN_IMAP_HOST = env_str("MAIL_IN_IMAP_HOST")
MAIL_IN_IMAP_PORT = env_int("MAIL_IN_IMAP_PORT", 993)
MAIL_IN_IMAP_USER = env_str("MAIL_IN_IMAP_USER")
MAIL_IN_IMAP_PASSWORD = env_str("MAIL_IN_IMAP_PASSWORD")
MAIL_IN_IMAP_FOLDER = env_str("MAIL_IN_IMAP_FOLDER", "INBOX")
MAIL_IN_IMAP_SSL = env_bool("MAIL_IN_IMAP_SSL", True)

# Background work: django-tasks with its database backend; `manage.py run_worker` runs it and
# `manage.py run_scheduler` enqueues the periodic jobs below. Several machines may run both.
TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
PERIODIC_TASKS = {
    # name: (dotted path of a task, seconds between runs)
    "sla-scan": ("sla.tasks.scan_task", 60),
    "mail": ("helpdesk.tasks.deliver_due_mail", 60),
    "webhooks": ("helpdesk.tasks.deliver_due_webhooks", 60),
    "close-resolved": ("helpdesk.tasks.close_resolved_tickets", 60 * 60),
    "prune-task-results": ("helpdesk.tasks.prune_task_results", 24 * 60 * 60),
    "reports": ("helpdesk.tasks.refresh_reports", 5 * 60),
    "review-reminders": ("helpdesk.tasks.send_review_reminders", 60 * 60),
    "board-report": ("helpdesk.tasks.make_board_report", 60 * 60),
    "approval-reminders": ("helpdesk.tasks.remind_approvers", 15 * 60),
}
if LDAP_SERVER_URI:  # once a day, just after midnight UTC (slots are aligned to the epoch)
    PERIODIC_TASKS["directory-sync"] = ("helpdesk.tasks.sync_directory", 24 * 60 * 60)
# `check_worker` fails, and /healthz says so, when work has been due this long with no worker claiming any.
WORKER_STALE_MINUTES = env_int("WORKER_STALE_MINUTES", 10)
if WORKER_STALE_MINUTES <= 0:
    raise ImproperlyConfigured(f"WORKER_STALE_MINUTES must be a positive number; got {WORKER_STALE_MINUTES}.")

# The catalogue shows prices in one currency (an ISO code, e.g. EUR or USD).
CURRENCY = env_str("CURRENCY", "EUR")

# Tickets: a resolution nobody answers is closed after this many days.
TICKET_AUTO_CLOSE_DAYS = env_int("TICKET_AUTO_CLOSE_DAYS", 5)
# Where tickets go when no service says otherwise (a team's short name).
DEFAULT_TEAM_SLUG = env_str("DEFAULT_TEAM", "service-desk")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ["pdf", "png", "jpg", "jpeg", "gif", "txt", "csv", "docx", "xlsx", "pptx", "zip", "log"]


# The REST API (helpdesk/api/): personal tokens only (no session, so no CSRF to think of), errors as
# problem details, a rate limit per token for reads and for writes (API_READ_RATE, API_WRITE_RATE:
# "120/minute", "30/minute"; a number and second, minute, hour or day).
def _api_rate(name: str, default: str) -> str:
    rate = env_str(name, default)
    count, _sep, per = rate.partition("/")
    if not (count.isdigit() and per in {"s", "sec", "second", "m", "min", "minute", "h", "hour", "d", "day"}):
        raise ImproperlyConfigured(f"{name} must look like 120/minute, not {rate!r}.")
    return rate


REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["helpdesk.api.auth.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["helpdesk.api.auth.TokenAllows"],
    "DEFAULT_THROTTLE_CLASSES": ["helpdesk.api.throttling.ReadThrottle", "helpdesk.api.throttling.WriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api_read": _api_rate("API_READ_RATE", "120/minute"),
        "api_write": _api_rate("API_WRITE_RATE", "30/minute"),
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "helpdesk.api.problems.handle",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Promise Desk API",
    "DESCRIPTION": "Tickets, the catalogue, people and report figures. Authenticate with a personal token "
    "made on /my/tokens/: `Authorization: Bearer pd_…`. Errors are RFC 9457 problem details.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": "/api/",
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["helpdesk.api.schema.only_ours"],
    "ENUM_NAME_OVERRIDES": {
        "LevelEnum": "helpdesk.models.tickets.Level",
        "ChannelEnum": "helpdesk.models.tickets.Channel",
        "ActionEnum": "helpdesk.api.serializers.ACTIONS",
    },
    # The docs page's Swagger UI comes from our static files (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Wagtail
WAGTAIL_SITE_NAME = "Promise Desk"
WAGTAILADMIN_BASE_URL = env_str("BASE_URL", "http://127.0.0.1:8000")
# The database's own full text: PostgreSQL's, stemmed in English whatever the cluster's default (run
# `manage.py update_index` after changing it); SQLite's FTS5 for the demo, which does not stem. Editors'
# synonyms (catalogue.SearchSynonym) cover the words stemming cannot join ("wifi" for "Wi-Fi").
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database", "SEARCH_CONFIG": "english"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# Security: strict by default when DEBUG is off; each can be relaxed from the environment
# (SECURE_SSL_REDIRECT=0 behind a proxy that already redirects, for example).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"  # Wagtail's preview views opt back in to SAMEORIGIN themselves.
SESSION_COOKIE_HTTPONLY = True
# Features no page of ours uses, turned off for every page (helpdesk.middleware.PrivatePages sends it).
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
# A load balancer asks over plain HTTP and wants 200 or 503, not a redirect to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp, sent by helpdesk.middleware.ContentSecurityPolicy). Our own pages
# run no inline script or style at all: everything comes from static/ on this origin. The Wagtail and
# Django admin sites carry inline script and style, so they get a looser policy of their own, still
# this origin only. CSP_REPORT_URI, when set, is where browsers report what a policy refused.
_CSP_REPORT = {"report-uri": [env_str("CSP_REPORT_URI")]} if env_str("CSP_REPORT_URI") else {}
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        **_CSP_REPORT,
    }
}
ADMIN_CSP_URL_PREFIXES = ("/admin/", "/django-admin/")
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        # Wagtail shows a page's preview in a frame of its own editor.
        "frame-ancestors": ["'self'"],
        "form-action": ["'self'"],
        **_CSP_REPORT,
    }
}
# So the admin talks to no other origin: editors' avatars are not fetched from Gravatar (Wagtail shows
# its default picture, or one uploaded in the account), and the admin does not ask releases.wagtail.org
# for a newer Wagtail (it comes with a Promise Desk release, whose requirements pin it).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if env_bool("BEHIND_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        USE_X_FORWARDED_HOST = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}, "wagtail": {"level": env_str("WAGTAIL_LOG_LEVEL", "WARNING")}},
}
