"""The provider's claims: standard ones from its users, the organisation's from the tests' JSON file,
and the id_token changed for the refusal scenarios (/scenario/<name>/token/)."""

import json
import time

from django.conf import settings
from oidc_provider.lib.claims import ScopeClaims


def organisation(user) -> dict:
    with open(settings.PROVIDER_CLAIMS_FILE, encoding="utf-8") as file:
        return json.load(file).get(user.username, {})


def userinfo(claims: dict, user) -> dict:
    extra = organisation(user)
    claims.update(
        given_name=extra.get("given_name", user.first_name),
        family_name=extra.get("family_name", user.last_name),
        preferred_username=user.username,
        email=extra.get("email", user.email),
        email_verified=extra.get("email_verified", True),
    )
    return claims


class OrganisationClaims(ScopeClaims):
    info_organisation = ("Organisation", "Your grade, division, cost centre, location, manager and groups.")

    def scope_organisation(self) -> dict:
        extra = organisation(self.user)
        keys = ("employee_id", "grade", "division", "cost_centre", "location", "manager", "groups")
        return {key: extra[key] for key in keys if key in extra}


def scenario(id_token: dict, user, token, request) -> dict:
    """An expired token, or one issued to another registered client, signed with the provider's key."""
    path = request.path if request is not None else ""
    if "/scenario/expired/" in path:
        now = int(time.time())
        id_token.update(iat=now - 7200, exp=now - 3600)
    elif "/scenario/other-audience/" in path:
        id_token["aud"] = "other-client"
    return id_token
