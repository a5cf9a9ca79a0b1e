"""`manage.py fetch_mail`: take the messages waiting in an IMAP mailbox, for those who cannot route mail
to `manage.py mail_in`.

Each unseen message is fetched without marking it (BODY.PEEK), taken by intake (its own transaction),
and only once that has committed is it marked seen and deleted; the mailbox is expunged at the end of a
round. A message whose intake failed (the database down) stays unseen for the next round; one taken but
not yet deleted when the connection broke is taken again next round and ignored as a copy (Message-ID).
"""

from __future__ import annotations

import imaplib
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from helpdesk.mail_in.intake import intake

logger = logging.getLogger(__name__)


@dataclass
class Mailbox:
    host: str
    port: int
    user: str
    password: str
    folder: str = "INBOX"
    ssl: bool = True
    timeout: int = 60

    @classmethod
    def from_settings(cls) -> Mailbox:
        return cls(
            host=settings.MAIL_IN_IMAP_HOST,
            port=settings.MAIL_IN_IMAP_PORT,
            user=settings.MAIL_IN_IMAP_USER,
            password=settings.MAIL_IN_IMAP_PASSWORD,
            folder=settings.MAIL_IN_IMAP_FOLDER or "INBOX",
            ssl=settings.MAIL_IN_IMAP_SSL,
        )


@dataclass
class Round:
    taken: int = 0
    failed: int = 0


def _connect(box: Mailbox) -> imaplib.IMAP4:
    if box.ssl:
        return imaplib.IMAP4_SSL(box.host, box.port, timeout=box.timeout)
    return imaplib.IMAP4(box.host, box.port, timeout=box.timeout)


def fetch_once(box: Mailbox, *, limit: int = 500) -> Round:
    """Take up to `limit` unseen messages from `box`; returns how many were taken and how many failed
    (left for the next round). Raises imaplib/OSError when the mailbox cannot be reached."""
    done = Round()
    client = _connect(box)
    try:
        client.login(box.user, box.password)
        status, _data = client.select(_quoted(box.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"cannot open folder {box.folder!r}")
        status, data = client.uid("SEARCH", None, "UNSEEN")
        uids = (data[0] or b"").split()[:limit] if status == "OK" and data else []
        for uid in uids:
            raw = _fetch(client, uid)
            if raw is None:
                continue
            try:
                row = intake(raw)
            except DatabaseError:
                logger.exception("fetch_mail: the database failed on message %s; left for the next round", uid)
                done.failed += 1
                continue
            # Committed: only now may the mailbox forget it.
            client.uid("STORE", uid, "+FLAGS", r"(\Seen \Deleted)")
            done.taken += 1
            logger.info("fetch_mail: message %s: %s %s", uid.decode(), row.outcome, row.reason)
        if done.taken:
            client.expunge()
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            pass
    return done


def _fetch(client: imaplib.IMAP4, uid: bytes) -> bytes | None:
    status, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK" or not data:
        return None
    for item in data:
        if isinstance(item, tuple) and len(item) == 2:
            return item[1]
    return None


def _quoted(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', '\\"') + '"'
