"""Personal API tokens: made (and shown) once, kept as a SHA-256 digest, read only or read and write,
expiring or not, revoked by their owner. The authentication class (helpdesk.api.auth) finds them here."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from helpdesk.models import ApiToken
from helpdesk.services import Refused

# What a token is called in the Authorization header: `pd_<prefix>_<secret>`. The prefix is shown in
# lists (to tell tokens apart) and is not secret; the secret is never kept.
SCHEME = "pd"
PREFIX_BYTES = 4  # 8 hex characters: no "_" in it, so the token splits unambiguously
SECRET_BYTES = 32
# How long a new token lasts, as offered on /my/tokens/ (None: until revoked).
LIFETIMES = {
    "30": (_("30 days"), timedelta(days=30)),
    "90": (_("90 days"), timedelta(days=90)),
    "365": (_("A year"), timedelta(days=365)),
    "never": (_("Until I revoke it"), None),
}
# last_used_at is written at most this often per token: one UPDATE a minute, not one per request.
USE_RECORDED_EVERY = timedelta(minutes=1)


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    """A token just made: `raw` is shown to its owner this once and never again."""

    token: ApiToken
    raw: str


def issue(*, owner, name: str, access: str, lifetime: timedelta | None, at: datetime | None = None) -> NewToken:
    """Make a token for `owner`. Refused (400) for an empty or too long name or an unknown access."""
    at = at or timezone.now()
    name = " ".join(name.split())
    limit = ApiToken._meta.get_field("name").max_length
    if not name:
        raise Refused(_("Give the token a name, e.g. what it is for."), status=400)
    if len(name) > limit:
        raise Refused(_("A token's name can be at most %(limit)d characters.") % {"limit": limit}, status=400)
    if access not in ApiToken.Access.values:
        raise Refused(_("Choose read only, or read and write."), status=400)
    prefix = secrets.token_hex(PREFIX_BYTES)
    raw = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    token = ApiToken.objects.create(
        owner=owner,
        name=name,
        prefix=prefix,
        digest=digest_of(raw),
        access=access,
        created_at=at,
        expires_at=at + lifetime if lifetime else None,
    )
    return NewToken(token, raw)


def revoke(token: ApiToken, *, by, at: datetime | None = None) -> None:
    """Stop a token working from now on. Only its owner may (Refused 403); revoking twice changes nothing."""
    if token.owner_id != by.pk:
        raise Refused(_("Only the owner of a token can revoke it."))
    if token.revoked_at is None:
        token.revoked_at = at or timezone.now()
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=token.revoked_at)


def owned_by(user):
    """A person's tokens, newest first, revoked ones included (their list says so)."""
    return ApiToken.objects.filter(owner=user).order_by("-created_at", "-pk")


def working(token: ApiToken, *, now: datetime) -> bool:
    """Not revoked, not expired, and its owner may still log in."""
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now) and token.owner.is_active


def find(raw: str) -> ApiToken | None:
    """The token `raw` names (with its owner, one query), working or not; None for anything else."""
    scheme, _sep, rest = raw.partition("_")
    prefix, _sep, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret or len(raw) > 200:
        return None
    return ApiToken.objects.select_related("owner").filter(digest=digest_of(raw), prefix=prefix).first()


def record_use(token: ApiToken, *, now: datetime) -> None:
    """Note that `token` was used now, at most once per USE_RECORDED_EVERY (a conditional UPDATE)."""
    if token.last_used_at is not None and now - token.last_used_at < USE_RECORDED_EVERY:
        return
    stale = Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - USE_RECORDED_EVERY)
    ApiToken.objects.filter(stale, pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
