"""A ticket's own reply address: `<local>+<token>@<domain>`, the token a short signature of its number.

Mail to that address is a reply to that ticket (helpdesk/mail_in/intake.py); the signature means a
stranger cannot guess another ticket's address by changing a digit. MAIL_IN_ADDRESS (settings) gives the
local part and the domain; when it is empty mail in is off and notices carry no reply address.
"""

from __future__ import annotations

import base64
import hmac

from django.conf import settings
from django.utils.crypto import salted_hmac

SALT = "helpdesk.mail_in.reply-address"
# Bytes of HMAC kept: 8 bytes (64 bits) is far beyond guessing by mail, and keeps the address short.
SIGNATURE_BYTES = 8


def enabled() -> bool:
    """Whether mail in is on (MAIL_IN_ADDRESS is set)."""
    return bool(settings.MAIL_IN_ADDRESS)


def desk_address() -> tuple[str, str]:
    """The desk's (local part, domain), lower case; ("", "") when mail in is off."""
    if not enabled():
        return "", ""
    local, _, domain = settings.MAIL_IN_ADDRESS.rpartition("@")
    return local.lower(), domain.lower()


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if not number:
            return text


def _signature(value: str, secret=None) -> str:
    # The HMAC django.core.signing is built on (salted_hmac, SHA-256, salted for this use only), cut
    # short and in lower-case base 32: Signer's own 43 mixed-case characters would make every reply
    # address long, and mail servers may change the case of a local part.
    mac = salted_hmac(SALT, value, secret=secret, algorithm="sha256").digest()[:SIGNATURE_BYTES]
    return base64.b32encode(mac).decode().rstrip("=").lower()


def _valid(value: str, signature: str) -> bool:
    """Whether `signature` signs `value` with SECRET_KEY or one of SECRET_KEY_FALLBACKS (so the
    addresses in mail already sent keep working while the key is rotated)."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(signature, _signature(value, secret)) for secret in secrets)


def token_for(ticket_id: int) -> str:
    """The signed token for ticket `ticket_id`: its number in base 36, a dot, a 13-letter signature."""
    number = _b36(ticket_id)
    return f"{number}.{_signature(number)}"


def ticket_id_for_token(token: str) -> int | None:
    """The ticket number a token stands for; None when it is malformed or its signature does not match."""
    number, dot, signature = token.strip().lower().partition(".")
    if not dot or not number or len(number) > 12 or not number.isalnum():
        return None
    if not _valid(number, signature):
        return None
    try:
        return int(number, 36)
    except ValueError:
        return None


def reply_address(ticket) -> str:
    """`desk+<token>@domain` for `ticket` (anything with a `pk`); "" when mail in is off."""
    local, domain = desk_address()
    if not local:
        return ""
    return f"{local}+{token_for(ticket.pk)}@{domain}"


def token_in(address: str) -> str | None:
    """The token of `address` when it is one of our reply addresses (`desk+token@domain`, any case); None
    for any other address, the desk's plain address included."""
    local, domain = desk_address()
    if not local:
        return None
    mailbox, _, at = (address or "").strip().strip("<>").lower().rpartition("@")
    base, plus, token = mailbox.partition("+")
    if not plus or base != local or at != domain or not token:
        return None
    return token


def ticket_for_address(address: str):
    """The ticket `address` is the reply address of; None when it is not one of ours, the signature is
    wrong, or the ticket no longer exists."""
    from helpdesk.models import Ticket

    token = token_in(address)
    if token is None:
        return None
    ticket_id = ticket_id_for_token(token)
    if ticket_id is None:
        return None
    return Ticket.objects.filter(pk=ticket_id).first()
