"""Email in through real protocol peers: our aiosmtpd LMTP/SMTP receiver on a loopback port, spoken to by
smtplib, and `fetch_mail` against a small IMAP server written here (socketserver), which records when
each message was marked deleted so the commit-then-delete order is checked, not assumed."""

import os
import re
import smtplib
import socket
import socketserver
import threading
from email.utils import make_msgid

import pytest
from django.core.management import call_command

from helpdesk.mail_in.addresses import reply_address
from helpdesk.mail_in.imap import Mailbox, fetch_once
from helpdesk.mail_in.lmtp import Receiver
from helpdesk.models import Channel, InboundMail, Message, Ticket
from tests import factories
from tests.helpdesk.test_mail_in import DESK, message

Outcome = InboundMail.Outcome
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def mail_in_on(settings):
    settings.MAIL_IN_ADDRESS = DESK
    settings.MAIL_IN_UNKNOWN_SENDERS = "refuse"
    settings.DEFAULT_FROM_EMAIL = "Promise Desk <helpdesk@desk.example.org>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def crlf(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.fixture
def lmtp():
    receiver = Receiver(host="127.0.0.1", port=free_port())
    receiver.start()
    yield receiver
    receiver.stop()


def deliver(receiver, raw: bytes, recipients, *, sender="someone@example.org", smtp=False) -> list[tuple[int, str]]:
    """One transaction; the server's answer after DATA for each recipient (LMTP), or its one answer (SMTP)."""
    client = (smtplib.SMTP if smtp else smtplib.LMTP)("127.0.0.1", receiver.port, timeout=30)
    try:
        client.ehlo() if smtp else client.docmd("LHLO", "test.example.org")
        assert client.mail(sender)[0] == 250
        for recipient in recipients:
            assert client.rcpt(recipient)[0] == 250
        answers = [client.data(crlf(raw))]
        if not smtp:
            answers += [client.getreply() for _ in recipients[1:]]
        return [(code, text.decode()) for code, text in answers]
    finally:
        client.close()


def test_a_reply_threads_by_token_and_a_new_mail_opens_an_incident_over_lmtp(people, lmtp):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    body = "Fixed now.\n\n-----Original Message-----\nFrom: desk\nSent: today\n\nHello"
    answers = deliver(lmtp, message(sender=people.requester.email, body=body), [reply_address(ticket)])
    assert answers == [(250, "2.0.0 Added to a ticket")]
    reply = Message.objects.get(ticket=ticket, via=Channel.EMAIL)
    assert reply.body == "Fixed now."

    new = message(sender=people.requester.email, subject="Screen is black")
    deliver(lmtp, new, [people.other_team.email])
    opened = Ticket.objects.get(title="Screen is black")
    assert (opened.team, opened.channel) == (people.other_team, Channel.EMAIL)


def test_a_reply_threads_by_in_reply_to_over_smtp(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    ours = InboundMail._meta.apps.get_model("helpdesk", "Mail").objects.filter(ticket=ticket).first().message_id
    receiver = Receiver(host="127.0.0.1", port=free_port(), lmtp=False)
    receiver.start()
    try:
        raw = message(sender=people.requester.email, body="Thanks\n> quoted", headers={"In-Reply-To": ours})
        assert deliver(receiver, raw, [DESK], smtp=True)[0][0] == 250
    finally:
        receiver.stop()
    assert Message.objects.get(ticket=ticket, via=Channel.EMAIL).body == "Thanks"


def test_each_recipient_gets_its_own_answer(people, lmtp):
    raw = message(sender=people.requester.email, subject="Two addresses")
    answers = deliver(lmtp, raw, [people.team.email, "nobody@desk.example.org"])
    # The same message for the second recipient is the copy already taken.
    assert [code for code, _text in answers] == [250, 250]
    answers = deliver(lmtp, message(sender=people.requester.email), ["nobody@desk.example.org"])
    assert answers[0][0] == 550 and "Nobody here takes mail" in answers[0][1]


def test_unknown_sender_is_answered_by_mail_or_made_a_person(people, lmtp, settings):
    answers = deliver(lmtp, message(sender="stranger@elsewhere.org"), [people.team.email])
    assert answers[0][0] == 250  # answered by our own mail, not bounced a second time
    assert InboundMail.objects.get().outcome == Outcome.REFUSED
    settings.MAIL_IN_UNKNOWN_SENDERS = "create"
    deliver(lmtp, message(sender="newcomer@elsewhere.org", subject="Hello"), [people.team.email])
    assert Ticket.objects.get(title="Hello").requester.email == "newcomer@elsewhere.org"


def test_auto_replies_bounces_and_copies_are_taken_without_effect(people, lmtp):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="resolved")
    out_of_office = message(sender=people.requester.email, headers={"Auto-Submitted": "auto-replied"})
    bounce = message(sender="MAILER-DAEMON@mx.example.org", subject="Undelivered Mail Returned to Sender")
    for raw in (out_of_office, bounce):
        assert deliver(lmtp, raw, [reply_address(ticket)])[0][0] == 250
    raw = message(sender=people.requester.email, subject="Once only")
    deliver(lmtp, raw, [people.team.email])
    deliver(lmtp, raw, [people.team.email])
    assert Ticket.objects.filter(title="Once only").count() == 1
    assert not Message.objects.filter(via=Channel.EMAIL).exists()
    ticket.refresh_from_db()
    assert ticket.state == "resolved"


def test_oversize_mail_is_refused_with_552_and_a_reason(people, lmtp, settings):
    settings.MAIL_IN_MAX_BYTES = 50_000
    answers = deliver(lmtp, message(sender=people.requester.email, body="x\n" * 40_000), [people.team.email])
    assert answers[0][0] == 552 and "the largest we take is" in answers[0][1]
    assert deliver(lmtp, message(sender=people.requester.email), [people.team.email])[0][0] == 250


def _nested(depth: int) -> bytes:
    head = b"From: a@example.org\r\nTo: desk@desk.example.org\r\nSubject: bomb\r\nMIME-Version: 1.0\r\n"
    parts = [head]
    for level in range(depth):
        parts.append(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (level, level))
    parts.append(b"Content-Type: text/plain\r\n\r\nboom\r\n")
    for level in reversed(range(depth)):
        parts.append(b"--b%d--\r\n" % level)
    return b"".join(parts)


def _many_parts(count: int) -> bytes:
    head = b"From: a@example.org\r\nSubject: many\r\nMIME-Version: 1.0\r\n"
    head += b'Content-Type: multipart/mixed; boundary="x"\r\n\r\n'
    part = b"--x\r\nContent-Type: text/plain\r\n\r\npart\r\n"
    return head + part * count + b"--x--\r\n"


def _garbage() -> bytes:
    noise = os.urandom(20_000).replace(b"\r", b"").replace(b"\n", b"")
    return b"\r\n".join(noise[i : i + 70] for i in range(0, len(noise), 70)) + b"\r\n"


HOSTILE = {
    "malformed MIME": (
        b"From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
        b"Content-Type: multipart/mixed\r\n\r\nno boundary\r\n",
        "MIME structure is broken",
    ),
    "8-bit garbage": (_garbage(), "no sender address"),
    "a header of 1 MB": (
        b"From: a@example.org\r\nX-Big: " + b"\r\n ".join([b"y" * 70] * 15_000) + b"\r\nSubject: x\r\n\r\nhi\r\n",
        "headers are too large",
    ),
    "1000 parts": (_many_parts(1000), "more than 200 parts"),
    "1000 nested multiparts": (_nested(1000), "nested"),
}


@pytest.mark.parametrize("shape", HOSTILE)
def test_hostile_mail_is_refused_with_a_reason_and_the_receiver_answers_the_next(people, lmtp, shape, caplog):
    raw, reason = HOSTILE[shape]
    [(code, text)] = deliver(lmtp, raw, [people.team.email])
    assert code == 550 and reason in text
    row = InboundMail.objects.get()
    assert row.outcome == Outcome.REFUSED and reason in row.reason
    assert any("Refused mail" in record.getMessage() for record in caplog.records)  # logged
    assert deliver(lmtp, message(sender=people.requester.email, subject="Still here"), [people.team.email])[0][0] == 250
    assert Ticket.objects.filter(title="Still here").exists()


def test_a_header_line_of_1_mb_unfolded_is_refused_by_the_protocol_and_the_receiver_goes_on(people, lmtp):
    raw = b"From: a@example.org\r\nX-Big: " + b"y" * 1_000_000 + b"\r\nSubject: x\r\n\r\nhi\r\n"
    assert deliver(lmtp, raw, [people.team.email])[0][0] == 500  # RFC 5321 line length
    assert deliver(lmtp, message(sender=people.requester.email), [people.team.email])[0][0] == 250


# -- IMAP --------------------------------------------------------------------------------------------------


class ImapBox:
    """The mailbox a tiny IMAP server serves: uid -> raw message and flags; `deleted_after` records, when
    each message is marked deleted, how many InboundMail rows were committed (read on another connection)."""

    def __init__(self, messages):
        self.messages = dict(enumerate(messages, start=1))
        self.flags = {uid: set() for uid in self.messages}
        self.deleted_after: dict[int, int] = {}


class ImapHandler(socketserver.StreamRequestHandler):
    def handle(self):
        box = self.server.box
        self.wfile.write(b"* OK tiny IMAP ready\r\n")
        while line := self.rfile.readline():
            tag, command, *rest = line.decode().rstrip("\r\n").split(" ", 2)
            args = rest[0] if rest else ""
            out = []
            if command == "CAPABILITY":
                out.append("* CAPABILITY IMAP4rev1")
            elif command == "SELECT":
                out += [f"* {len(box.messages)} EXISTS", "* FLAGS (\\Seen \\Deleted)"]
            elif command == "UID" and args.startswith("SEARCH"):
                unseen = [str(uid) for uid in box.messages if "\\Seen" not in box.flags[uid]]
                out.append("* SEARCH " + " ".join(unseen))
            elif command == "UID" and args.startswith("FETCH"):
                uid = int(args.split()[1])
                raw = box.messages[uid]
                self.wfile.write(b"* %d FETCH (UID %d BODY[] {%d}\r\n%s)\r\n" % (uid, uid, len(raw), raw))
            elif command == "UID" and args.startswith("STORE"):
                uid = int(args.split()[1])
                box.flags[uid] |= set(re.findall(r"\\\w+", args))
                box.deleted_after[uid] = InboundMail.objects.count()
            elif command == "EXPUNGE":
                for uid in [uid for uid, flags in box.flags.items() if "\\Deleted" in flags]:
                    del box.messages[uid], box.flags[uid]
            elif command == "LOGOUT":
                self.wfile.write(b"* BYE\r\n" + f"{tag} OK bye\r\n".encode())
                return
            self.wfile.write("".join(f"{x}\r\n" for x in out).encode() + f"{tag} OK done\r\n".encode())


@pytest.fixture
def imap():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), ImapHandler)
    server.daemon_threads = True
    server.box = None
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_fetch_mail_takes_each_message_and_deletes_it_only_after_intake_committed(people, imap, settings):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    ticket_mail = message(sender=people.requester.email, to=reply_address(ticket), body="By IMAP.")
    new = message(sender=people.requester.email, to=people.team.email, subject="From the mailbox")
    auto = message(sender=people.requester.email, to=people.team.email, headers={"Precedence": "bulk"})
    imap.box = ImapBox([ticket_mail, new, auto])
    box = Mailbox(host="127.0.0.1", port=imap.server_address[1], user="desk", password="pw", ssl=False)

    done = fetch_once(box)
    assert (done.taken, done.failed) == (3, 0)
    assert imap.box.messages == {}  # expunged
    assert imap.box.deleted_after == {1: 1, 2: 2, 3: 3}  # each row was committed before its message was deleted
    assert Message.objects.get(ticket=ticket, via=Channel.EMAIL).body == "By IMAP."
    assert Ticket.objects.get(title="From the mailbox").channel == Channel.EMAIL
    assert list(InboundMail.objects.order_by("pk").values_list("outcome", flat=True)) == [
        Outcome.ADDED,
        Outcome.OPENED,
        Outcome.IGNORED,
    ]
    assert fetch_once(box).taken == 0

    settings.MAIL_IN_IMAP_HOST, settings.MAIL_IN_IMAP_PORT = "127.0.0.1", imap.server_address[1]
    settings.MAIL_IN_IMAP_USER, settings.MAIL_IN_IMAP_PASSWORD, settings.MAIL_IN_IMAP_SSL = "desk", "pw", False
    imap.box = ImapBox([message(sender=people.requester.email, to=people.team.email, subject="By command")])
    call_command("fetch_mail", "--once")
    assert Ticket.objects.filter(title="By command").exists()


def test_a_message_seen_twice_in_the_mailbox_is_taken_once(people, imap):
    raw = message(sender=people.requester.email, to=people.team.email, subject="Twice", message_id=make_msgid())
    imap.box = ImapBox([raw, raw])
    box = Mailbox(host="127.0.0.1", port=imap.server_address[1], user="desk", password="pw", ssl=False)
    assert fetch_once(box).taken == 2
    assert Ticket.objects.filter(title="Twice").count() == 1
