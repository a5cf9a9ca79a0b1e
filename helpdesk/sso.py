"""Single sign-on with OpenID Connect (mozilla-django-oidc), and who may still log in with a password.

The identity provider is the truth about a person: every sign-on maps its claims (name, email, grade,
division, cost centre, location, line manager, employee number, role groups) onto the profile, and the
first sign-on creates the person. A value we do not know (a grade nobody has entered yet) leaves the
field as it was and is logged; it never stops the sign-on.

mozilla-django-oidc checks an id_token's signature and nonce only. `SignOnBackend` also checks its
audience, issuer, expiry and issue time, and turns every refusal (a bad token, a provider that does not
answer) into a failed login instead of an error page.
"""

import logging
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, SuspiciousOperation, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationRequestView
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from helpdesk.models import CostCentre, Division, Grade, Location
from helpdesk.roles import EDITORS, MANAGERS

logger = logging.getLogger(__name__)

# Our name for each claim -> the provider's name for it by default (settings.OIDC_CLAIMS overrides).
DEFAULT_CLAIMS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "email": "email",
    "email_verified": "email_verified",
    "username": "preferred_username",
    "employee_id": "employee_id",
    "grade": "grade",
    "division": "division",
    "cost_centre": "cost_centre",
    "location": "location",
    "manager": "manager",
    "groups": "groups",
}
# Reference data found by one of its unique fields: profile field -> (model, field the claim names).
_REFERENCES = {
    "grade": (Grade, "name"),
    "division": (Division, "code"),
    "cost_centre": (CostCentre, "code"),
    "location": (Location, "name"),
}
# Setting -> key of the provider's discovery document (<issuer>/.well-known/openid-configuration).
_ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
# Seconds of clock difference tolerated between the provider and us when checking exp and iat.
CLOCK_SKEW = 60
_DISCOVERY_SECONDS = 60 * 60


class SignOnRefused(SuspiciousOperation):
    """The provider's answer cannot be trusted or used; the sign-on fails and the reason is logged."""


def password_login_allowed(user) -> bool:
    """Whether this person may log in with a password: everyone under PASSWORD_LOGIN=all; under
    PASSWORD_LOGIN=admins only superusers (the break-glass administrators), everyone else signs on."""
    return getattr(settings, "PASSWORD_LOGIN", "all") == "all" or user.is_superuser


def claim_names() -> dict[str, str]:
    return {**DEFAULT_CLAIMS, **getattr(settings, "OIDC_CLAIMS", {})}


def endpoint(name: str) -> str:
    """The provider's address for `name` (an OIDC_OP_*_ENDPOINT setting): the setting when given,
    else from the issuer's discovery document (fetched once an hour). Raises SignOnRefused when neither
    gives one or the provider does not answer."""
    explicit = getattr(settings, name, "")
    if explicit:
        return explicit
    issuer = getattr(settings, "OIDC_OP_ISSUER", "")
    if not issuer:
        raise SignOnRefused(f"{name} is not set and there is no OIDC_ISSUER to discover it from.")
    key = f"oidc-discovery:{issuer}"
    document = cache.get(key)
    if document is None:
        try:
            response = requests.get(
                f"{issuer}/.well-known/openid-configuration", timeout=getattr(settings, "OIDC_TIMEOUT", 10)
            )
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise SignOnRefused(f"The identity provider's discovery document could not be read: {exc}") from exc
        if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
            raise SignOnRefused(f"The discovery document at {issuer} names another issuer.")
        cache.set(key, document, _DISCOVERY_SECONDS)
    value = document.get(_ENDPOINTS[name])
    if not isinstance(value, str) or not value:
        raise SignOnRefused(f"The discovery document at {issuer} gives no {_ENDPOINTS[name]}.")
    return value


def _text(value: Any, max_length: int = 255) -> str | None:
    """A claim's value as clean text, or None when it is not one (a list, a number, control characters)."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > max_length or any(ord(char) < 32 for char in value):
        return None
    return value


class SignOnBackend(OIDCAuthenticationBackend):
    """Signs people on with the authorization-code flow; see the module's docstring for the rules."""

    def __init__(self, *args, **kwargs):
        # Not the parent's __init__: it reads the provider's endpoints, and this backend is built for every
        # password login too, which must keep working while the provider is unreachable. Endpoints are
        # looked up (the properties below) only when a sign-on needs them.
        self.OIDC_RP_CLIENT_ID = getattr(settings, "OIDC_RP_CLIENT_ID", "")
        self.OIDC_RP_CLIENT_SECRET = getattr(settings, "OIDC_RP_CLIENT_SECRET", "")
        self.OIDC_RP_SIGN_ALGO = getattr(settings, "OIDC_RP_SIGN_ALGO", "RS256")
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return endpoint("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str:
        return endpoint("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return endpoint("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request, **kwargs):
        """The signed-on person, or None when the sign-on is refused (logged with the reason)."""
        if "password" in kwargs:  # a password login, even one posted to an address carrying ?code=&state=
            return None
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException) as exc:
            logger.warning("Single sign-on refused: %s", exc)
            return None

    # -- the id_token ------------------------------------------------------------------------------

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignOnRefused(f"The id_token is signed with {header.get('alg')!r}, not {self.OIDC_RP_SIGN_ALGO}.")
        issuer = getattr(settings, "OIDC_OP_ISSUER", "")
        try:
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer or None,
                leeway=CLOCK_SKEW,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SignOnRefused(f"The id_token was refused: {exc}") from exc
        # Several audiences: the token must say it was issued to us (OpenID Connect Core 3.1.3.7).
        if isinstance(claims["aud"], list) and len(claims["aud"]) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SignOnRefused("The id_token has several audiences and was not issued to this site.")
        return claims

    def get_userinfo(self, access_token, id_token, payload):
        userinfo = super().get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload.get("sub"):
            raise SignOnRefused("The userinfo answer is about someone other than the id_token.")
        return userinfo

    # -- the person --------------------------------------------------------------------------------

    def verify_claims(self, claims) -> bool:
        return bool(_text(claims.get("sub")))

    def filter_users_by_claims(self, claims):
        """The person with this subject; else, when the provider says the email is verified, the one
        person with that email who has no subject yet and is not a superuser (a break-glass account is
        linked only by hand, setting its subject); else nobody (a new person is created)."""
        subject = _text(claims.get("sub"))
        by_subject = self.UserModel.objects.filter(sso_subject=subject)
        if by_subject.exists():
            return by_subject
        names = claim_names()
        email = _text(claims.get(names["email"]), 254)
        verified = claims.get(names["email_verified"])
        if email and (verified is True or str(verified).lower() == "true"):
            return self.UserModel.objects.filter(email__iexact=email, sso_subject=None, is_superuser=False)
        return self.UserModel.objects.none()

    @transaction.atomic
    def create_user(self, claims):
        subject = _text(claims.get("sub"))
        username = _text(claims.get(claim_names()["username"]), 150)
        if not username or self.UserModel.objects.filter(username=username).exists():
            username = subject[:150]
        if self.UserModel.objects.filter(username=username).exists():
            raise SignOnRefused(f"Cannot create a person for subject {subject!r}: the username {username!r} is taken.")
        user = self.UserModel(username=username, sso_subject=subject)
        user.set_unusable_password()
        logger.info("Single sign-on created %s for subject %s", username, subject)
        return self._apply_claims(user, claims)

    @transaction.atomic
    def update_user(self, user, claims):
        if not user.is_active:
            logger.warning("Single sign-on refused %s: the account is deactivated.", user.username)
            return None
        if user.sso_subject is None:
            user.sso_subject = _text(claims.get("sub"))
            logger.info("Single sign-on linked %s to subject %s by verified email", user.username, user.sso_subject)
        return self._apply_claims(user, claims)

    def _apply_claims(self, user, claims):
        """Copy the claims onto the person and save; unknown reference values keep the field as it was."""
        names = claim_names()
        for field, key, length in (("first_name", "given_name", 150), ("last_name", "family_name", 150)):
            value = _text(claims.get(names[key]), length)
            if value is not None:
                setattr(user, field, value)
        email = _text(claims.get(names["email"]), 254)
        if email is not None:
            user.email = email
        for field, (model, lookup) in _REFERENCES.items():
            if names[field] not in claims:
                continue
            value = _text(claims[names[field]])
            found = model.objects.filter(**{lookup: value}).first() if value else None
            if found is None:
                logger.warning("Single sign-on: %s %r of %s is unknown; left as it was.", field, value, user.username)
            else:
                setattr(user, field, found)
        self._apply_employee_id(user, claims, names)
        self._apply_manager(user, claims, names)
        user.save()
        self._apply_groups(user, claims, names)
        return user

    def _apply_employee_id(self, user, claims, names) -> None:
        if names["employee_id"] not in claims:
            return
        value = _text(claims[names["employee_id"]], 64)
        taken = value and self.UserModel.objects.filter(employee_id=value).exclude(pk=user.pk).exists()
        if not value or taken:
            logger.warning("Single sign-on: employee number %r of %s is unusable or taken.", value, user.username)
            return
        user.employee_id = value

    def _apply_manager(self, user, claims, names) -> None:
        if names["manager"] not in claims:
            return
        value = _text(claims[names["manager"]], 254)
        matches = (
            list(self.UserModel.objects.filter(Q(employee_id=value) | Q(email__iexact=value)).exclude(pk=user.pk)[:2])
            if value
            else []
        )
        if len(matches) != 1:
            logger.warning("Single sign-on: line manager %r of %s not found (or not one).", value, user.username)
            return
        user.line_manager = matches[0]

    def _apply_groups(self, user, claims, names) -> None:
        """Add or remove our role groups only, and only those a provider group is configured for."""
        groups = claims.get(names["groups"])
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list):
            return
        held = {group for group in groups if isinstance(group, str)}
        for role, setting in ((MANAGERS, "OIDC_MANAGERS_GROUP"), (EDITORS, "OIDC_EDITORS_GROUP")):
            provider_group = getattr(settings, setting, "")
            role_group = Group.objects.filter(name=role).first() if provider_group else None
            if role_group is None:
                continue
            if provider_group in held:
                user.groups.add(role_group)
            else:
                user.groups.remove(role_group)


class SignOnStart(OIDCAuthenticationRequestView):
    """/oidc/authenticate/: sends the browser to the provider; back to the login page, saying so, when
    the provider's address cannot be found (instead of an error page)."""

    def __init__(self, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(**kwargs)
        self.OIDC_RP_CLIENT_ID = getattr(settings, "OIDC_RP_CLIENT_ID", "")

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except SignOnRefused as exc:
            logger.warning("Single sign-on could not start: %s", exc)
            return HttpResponseRedirect(import_from_settings("LOGIN_REDIRECT_URL_FAILURE", "/"))
        return super().get(request)


class _PasswordRule:
    """Refuses a right password from someone who must sign on (PASSWORD_LOGIN=admins)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not password_login_allowed(user):
            raise ValidationError(
                _(
                    "Password login is kept for administrators. Please use “Sign in with %(provider)s” "
                    "on the login page (/accounts/login/) instead."
                ),
                code="sso_only",
                params={"provider": getattr(settings, "OIDC_PROVIDER_NAME", "single sign-on")},
            )

    @property
    def refused_for_sso(self) -> bool:
        return self.has_error(NON_FIELD_ERRORS, "sso_only")


class PasswordLoginForm(_PasswordRule, AuthenticationForm):
    """The site's login form (/accounts/login/)."""


class AdminPasswordLoginForm(_PasswordRule, WagtailLoginForm):
    """Wagtail's login form (/admin/login/), through WAGTAILADMIN_USER_LOGIN_FORM."""


class LoginView(auth_views.LoginView):
    """The site's login page: the password form, and the sign-on button when single sign-on is on."""

    authentication_form = PasswordLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_provider"] = settings.OIDC_PROVIDER_NAME if getattr(settings, "OIDC_ENABLED", False) else ""
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        return context
