"""Mail in under a flood: 10,000 messages (BENCH_MAILS) over loopback LMTP to the receiver `manage.py
mail_in` runs, in a throw-away database (SQLite, or DATABASE_URL). Most are replies to open tickets by
their reply address, some new mail to a team, some auto-replies; several clients send at once. Prints
messages per second and checks that none is lost: every message has its InboundMail row and a 250."""

import os
import smtplib
import socket
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import SMTP

from django.db import connection, connections
from django.db.models import Count

CLIENTS = 4


@contextmanager
def _database():
    """A database of this bench's own (so another bench running at once keeps its own), dropped after."""
    old_name = connection.settings_dict["NAME"]
    connection.settings_dict.setdefault("TEST", {})["NAME"] = None if connection.vendor == "sqlite" else "bench_mail_in"
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


def bench_mail_in() -> None:
    import logging

    from django.test.utils import override_settings

    for name in ("mail.log", "helpdesk.mail_in"):  # a line per message would be the bench's own cost
        logging.getLogger(name).setLevel(logging.WARNING)

    with _database(), override_settings(MAIL_IN_ADDRESS="desk@desk.example.org", DEBUG=False):
        _run(int(os.environ.get("BENCH_MAILS", "10000")))


def _port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _raw(number: int, *, sender: str, to: str, subject: str, auto: bool = False) -> bytes:
    mail = EmailMessage(policy=SMTP)
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Message-ID"] = f"<bench-{number}@example.org>"
    if auto:
        mail["Auto-Submitted"] = "auto-replied"
    mail.set_content(f"Message {number}.\n\nOn Monday, Desk <desk@desk.example.org> wrote:\n> earlier text\n")
    return mail.as_bytes()


def _run(count: int) -> None:
    from helpdesk import services
    from helpdesk.mail_in.addresses import reply_address
    from helpdesk.mail_in.lmtp import Receiver
    from helpdesk.models import InboundMail, Team, User

    team = Team.objects.create(name="Service Desk", slug="service-desk", email="servicedesk@example.org")
    people = [User.objects.create_user(f"person{i}", f"person{i}@example.org") for i in range(50)]
    tickets = [
        services.raise_ticket(kind="incident", title=f"Ticket {i}", requester=p, raised_by=p, notify=False)
        for i, p in enumerate(people)
    ]
    messages = []
    for number in range(count):
        person = people[number % len(people)]
        if number % 10 < 7:  # a reply to one of their tickets
            messages.append(
                (
                    reply_address(tickets[number % len(people)]),
                    _raw(number, sender=person.email, to="desk", subject=f"Re: Ticket {number % len(people)}"),
                )
            )
        elif number % 10 < 9:  # a new mail to the team
            messages.append((team.email, _raw(number, sender=person.email, to=team.email, subject=f"New {number}")))
        else:  # an out-of-office answer
            messages.append((team.email, _raw(number, sender=person.email, to=team.email, subject="Away", auto=True)))

    receiver = Receiver(host="127.0.0.1", port=_port())
    receiver.start()
    answers: list[int] = []
    lock = threading.Lock()

    def client(share):
        lmtp = smtplib.LMTP("127.0.0.1", receiver.port, timeout=120)
        lmtp.docmd("LHLO", "bench")
        got = []
        for recipient, raw in share:
            lmtp.mail("sender@example.org")
            lmtp.rcpt(recipient)
            got.append(lmtp.data(raw)[0])
        lmtp.quit()
        with lock:
            answers.extend(got)

    threads = [threading.Thread(target=client, args=(messages[i::CLIENTS],)) for i in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    receiver.stop()

    rows = InboundMail.objects.count()
    outcomes = dict(InboundMail.objects.values_list("outcome").annotate(n=Count("pk")).values_list("outcome", "n"))
    lost = count - rows
    refused = sum(1 for code in answers if code != 250)
    print(
        f"mail_in ({connection.vendor}): {count:,} messages over LMTP from {CLIENTS} clients in {seconds:.1f} s: "
        f"{count / seconds:,.0f} messages/s; InboundMail rows {rows:,} (lost {lost}), non-250 answers {refused}, "
        f"outcomes {outcomes}"
    )
