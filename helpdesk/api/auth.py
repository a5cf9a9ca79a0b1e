"""Who is calling: a personal token in `Authorization: Bearer <token>`, and what the token allows."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.permissions import SAFE_METHODS, BasePermission

from helpdesk.api import tokens
from helpdesk.models import ApiToken
from helpdesk.people import asks_for_others


class TokenAuthentication(BaseAuthentication):
    """A personal API token (helpdesk.api.tokens). No Authorization header: not authenticated (401 from
    the permission). A header naming a token that is unknown, revoked or expired, or whose owner may no
    longer log in: 401, saying which."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the header as “Authorization: Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("That is not a token of this site.")) from None
        token = tokens.find(raw)
        if token is None:
            raise exceptions.AuthenticationFailed(_("That is not a token of this site."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This token was revoked."))
        if token.expires_at is not None and token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("This token has expired."))
        if not token.owner.is_active:
            raise exceptions.AuthenticationFailed(_("The owner of this token can no longer sign in."))
        tokens.record_use(token, now=now)
        return token.owner, token

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """How the schema describes the token: an HTTP bearer scheme."""

    target_class = TokenAuthentication
    name = "token"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "A personal token made on /my/tokens/."}


class ReadOnlyToken(exceptions.PermissionDenied):
    default_detail = _("This token may only read. Make a token that may read and write for this.")
    default_code = "read_only_token"


class TokenAllows(BasePermission):
    """Signed in with a token, and for anything but reading, a token that may write."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if request.method not in SAFE_METHODS and getattr(token, "access", None) != ApiToken.Access.READ_WRITE:
            raise ReadOnlyToken
        return True


class IsManager(BasePermission):
    message = _("Only managers can read this.")

    def has_permission(self, request, view) -> bool:
        return request.user.roles.manager


class AsksForOthers(BasePermission):
    """Analysts and managers (anyone), line managers (their reports): helpdesk.people.asks_for_others."""

    message = _("You can ask only for yourself; an analyst can raise something for someone else.")

    def has_permission(self, request, view) -> bool:
        return asks_for_others(request.user)
