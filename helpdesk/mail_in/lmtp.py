"""The LMTP (or SMTP) receiver the organisation's mail server delivers to: aiosmtpd, one intake per recipient.

LMTP answers each recipient on its own line after DATA: 250 when the message was taken (added, opened,
ignored as automatic or as a copy, or refused and answered by mail), 550 with the reason when refused,
451 when our database failed (the mail server keeps the message and tries again). Plain SMTP (`--smtp`)
has one answer for all recipients: 250 when any took it, else the first refusal.

The handler runs intake in one worker thread (Django's database calls are synchronous), so messages
are taken one after another, each in its own transaction.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections

from helpdesk.mail_in.intake import intake, too_big_reason
from helpdesk.models import InboundMail

logger = logging.getLogger(__name__)


def _ascii(text: str) -> str:
    """An SMTP reply is one line of ASCII."""
    return " ".join(text.encode("ascii", "replace").decode().split())[:400]


def answer(row: InboundMail) -> str:
    """The reply line for one recipient."""
    if row.outcome == InboundMail.Outcome.REFUSED and not getattr(row, "answered_by_mail", False):
        if row.size > settings.MAIL_IN_MAX_BYTES:
            return f"552 5.3.4 {_ascii(row.reason)}"
        return f"550 5.7.1 {_ascii(row.reason)}"
    return f"250 2.0.0 {_ascii(row.get_outcome_display())}"


def _take(raw: bytes, mail_from: str, recipients: list[str]) -> list[str]:
    """Intake for each recipient, in this (worker) thread; one reply line each."""
    close_old_connections()  # a connection the database dropped since the last message is opened again
    lines = []
    for recipient in recipients:
        try:
            lines.append(answer(intake(raw, envelope_from=mail_from, envelope_to=[recipient])))
        except DatabaseError:
            logger.exception("Mail in: the database failed taking a message for %s", recipient)
            close_old_connections()
            lines.append("451 4.3.0 Our database failed; please try again later")
    return lines


class Handler:
    """aiosmtpd's handler: DATA hands the message to intake once per recipient, in one worker thread of
    its own (so its database connection is one, and is closed by `close`)."""

    def __init__(self, *, lmtp: bool = True) -> None:
        self.lmtp = lmtp
        self.worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail-in")

    def close(self) -> None:
        self.worker.submit(connections.close_all).result()
        self.worker.shutdown()

    async def handle_DATA(self, server, session, envelope) -> str:
        raw = envelope.original_content or b""
        mail_from = envelope.mail_from or "<>"  # the null sender of a bounce
        loop = asyncio.get_running_loop()
        lines = await loop.run_in_executor(self.worker, _take, raw, mail_from, list(envelope.rcpt_tos))
        if self.lmtp:
            return "\r\n".join(lines)
        taken = [line for line in lines if line.startswith("250")]
        return taken[0] if taken else lines[0]


class _Refusing:
    """Replaces aiosmtpd's bare "552 Error: Too much mail data" with our reason."""

    async def push(self, status: str) -> None:
        if status.startswith("552 Error: Too much mail data"):
            status = f"552 5.3.4 {_ascii(too_big_reason(settings.MAIL_IN_MAX_BYTES + 1))}"
        await super().push(status)


class DeskLMTP(_Refusing, LMTP):
    pass


class DeskSMTP(_Refusing, SMTP):
    pass


class Receiver(Controller):
    """The server in a thread of its own (aiosmtpd's Controller): `start()`, `stop()`, `port`."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8024, lmtp: bool = True, **kwargs) -> None:
        self.lmtp = lmtp
        super().__init__(
            Handler(lmtp=lmtp), hostname=host, port=port, ready_timeout=10, loop=asyncio.new_event_loop(), **kwargs
        )

    def stop(self, *args, **kwargs):
        super().stop(*args, **kwargs)
        self.handler.close()

    def factory(self):
        server_class = DeskLMTP if self.lmtp else DeskSMTP
        options = {"data_size_limit": settings.MAIL_IN_MAX_BYTES, "ident": "Promise Desk", **self.SMTP_kwargs}
        return server_class(self.handler, decode_data=False, **options)
