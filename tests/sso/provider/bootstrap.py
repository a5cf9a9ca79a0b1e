"""Prepare the provider's database: `python -m tests.sso.provider.bootstrap <redirect URI>` migrates,
makes a signing key, a person (alice / wonderland) and two confidential clients: ours and another."""

import sys

import django
from django.core.management import call_command


def main(redirect_uri: str) -> None:
    django.setup()
    from django.contrib.auth.models import User
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    User.objects.create_user("alice", "alice@example.org", "wonderland", first_name="Alice", last_name="Liddell")
    code = ResponseType.objects.get(value="code")
    for client_id in ("promise-desk", "other-client"):
        client = Client.objects.create(
            name=client_id,
            client_type="confidential",
            client_id=client_id,
            client_secret=f"{client_id}-secret",
            jwt_alg="RS256",
            _redirect_uris=redirect_uri,
            require_consent=True,
            reuse_consent=True,
        )
        client.response_types.add(code)


if __name__ == "__main__":
    main(sys.argv[1])
