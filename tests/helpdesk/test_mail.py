"""No mail is lost: written with the change, tried against a real SMTP server that is down and then up,
retried for a day, then listed for managers to send again."""

import asyncio
import re
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helpdesk import outbox, services
from helpdesk.models import Mail
from sla.models import EventKind, SlaEvent
from sla.scan import scan
from tests import factories

M = timedelta(minutes=1)


class Recorder:
    """An SMTP server's mailbox: accepts everything, or answers 451 (try later) while `refusing`."""

    def __init__(self):
        self.received: list[tuple[list[str], str]] = []
        self.refusing = False
        self.answers: dict[str, str] = {}  # recipient -> the server's answer to it, instead of "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        answer = self.answers.get(address, "250 OK")
        if answer.startswith("250") or answer.startswith("421"):
            envelope.rcpt_tos.append(address)
            return "250 OK"
        return answer

    async def handle_DATA(self, server, session, envelope):
        if self.refusing:
            return "451 Requested action aborted: try again later"
        if any(self.answers.get(to, "").startswith("421") for to in envelope.rcpt_tos):
            return "421 Service not available, closing transmission channel"
        self.received.append((envelope.rcpt_tos, envelope.content.decode("utf8", "replace")))
        return "250 OK"


class MailServer:
    """A real SMTP server on a loopback port of its own: `down()` stops listening, `up()` starts again."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.box = Recorder()
        self._controller = None

    def up(self):
        if self._controller is None:
            self._controller = Controller(self.box, hostname="127.0.0.1", port=self.port, loop=asyncio.new_event_loop())
            self._controller.start()

    def down(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def bodies_to(self, address: str) -> list[str]:
        return [body for to, body in self.box.received if address in to]


@pytest.fixture
def smtp(settings):
    server = MailServer()
    settings.MAIL_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 5
    yield server
    server.down()


def test_a_reply_saved_while_the_mail_server_is_down_goes_out_when_it_is_back(
    people, policy, smtp, client_for, django_capture_on_commit_callbacks
):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    Mail.objects.all().delete()  # the notice that it was raised
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.analyst).post(
            f"/my/tickets/{ticket.reference}/reply/", {"body": "Try turning it off and on."}
        )
    assert response.status_code == 302  # saved: a mail server that is down is not the person's problem
    mail = Mail.objects.get()
    assert (mail.to, mail.attempts, mail.sent_at) == ([people.requester.email], 1, None)
    assert "Connection refused" in mail.last_error or "ConnectionRefused" in mail.last_error
    assert mail.next_try_at - mail.last_tried_at == M

    smtp.up()
    assert outbox.deliver(now=mail.last_tried_at + M / 2) == 0  # not due yet: no hammering
    assert outbox.deliver(now=mail.next_try_at) == 1
    mail.refresh_from_db()
    assert (mail.attempts, mail.next_try_at, mail.last_error) == (2, None, "")
    assert mail.sent_at is not None
    [body] = smtp.bodies_to(people.requester.email)
    assert "Try turning it off and on." in body


def test_a_mail_is_tried_for_a_day_then_given_up_and_a_manager_sends_it_again(
    people, smtp, client_for, django_capture_on_commit_callbacks
):
    start = timezone.now()
    smtp.up()
    smtp.box.refusing = True  # the server answers, and says "try later" every time
    with transaction.atomic():
        [mail] = outbox.queue(
            [outbox.Outgoing(["someone@example.org"], "Your laptop is ready", "Collect it.")], now=start
        )
    pauses, now = [], start
    while True:
        outbox.deliver(now=now)
        mail.refresh_from_db()
        if mail.next_try_at is None:
            break
        pauses.append(mail.next_try_at - now)
        now = mail.next_try_at
    assert pauses[:7] == [M, 2 * M, 4 * M, 8 * M, 16 * M, 32 * M, 60 * M]
    assert max(pauses) == 60 * M
    assert mail.gave_up_at == now >= start + timedelta(hours=24)
    assert mail.attempts == len(pauses) + 1 and mail.sent_at is None
    assert "451" in mail.last_error
    assert smtp.box.received == []

    assert client_for(people.requester).get("/dashboard/mail/").status_code == 403
    manager = client_for(people.manager)
    page = manager.get("/dashboard/mail/").content.decode()
    assert "Your laptop is ready" in page and "someone@example.org" in page and "451" in page

    smtp.box.refusing = False
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post("/dashboard/mail/", {"mail": [str(mail.pk)]}, follow=True)
    assert "1 mail will be tried again now" in response.content.decode()
    mail.refresh_from_db()
    assert mail.sent_at is not None and mail.gave_up_at is None and mail.attempts == len(pauses) + 2
    assert len(smtp.bodies_to("someone@example.org")) == 1
    assert "Your laptop is ready" not in manager.get("/dashboard/mail/").content.decode()


def test_resend_ignores_what_is_not_given_up_and_says_so_for_nothing_chosen(people, smtp, client_for):
    manager = client_for(people.manager)
    response = manager.post("/dashboard/mail/", {"mail": ["²", "-1", "x" * 100]}, follow=True)
    assert response.status_code == 200 and "Choose the mail to send again." in response.content.decode()
    with transaction.atomic():
        [waiting] = outbox.queue([outbox.Outgoing(["a@example.org"], "Hi", "Body")])
    response = manager.post("/dashboard/mail/", {"mail": [str(waiting.pk)]}, follow=True)
    assert "0 mails will be tried again" in response.content.decode()


def test_sla_alerts_count_as_told_only_once_the_mail_server_accepts_their_digest(
    db, smtp, django_capture_on_commit_callbacks
):
    calendar = factories.CalendarFactory(name="24/7", week=factories.ALWAYS_WEEK)
    policy = factories.PolicyFactory(name="Round the clock", calendar=calendar, is_default=True)
    team = factories.TeamFactory(email="desk@example.org")
    ticket = factories.ticket(requester=factories.UserFactory(), team=team, at=timezone.now() - timedelta(days=30))
    assert ticket.clocks.exists() and policy
    with django_capture_on_commit_callbacks(execute=True):
        first = scan()
    assert first.breached >= 1
    events = SlaEvent.objects.filter(kind=EventKind.BREACHED)
    assert all(e.queued_at is not None and e.notified_at is None for e in events)
    digest = Mail.objects.get(purpose=Mail.Purpose.SLA_ALERT)
    assert digest.attempts == 1 and sorted(digest.sla_event_ids) == sorted(e.pk for e in events)

    with django_capture_on_commit_callbacks(execute=True):
        scan()
    assert Mail.objects.filter(purpose=Mail.Purpose.SLA_ALERT).count() == 1  # written once, not per sweep

    smtp.up()
    assert outbox.deliver([digest.pk], now=digest.next_try_at) == 1
    assert all(e.notified_at is not None for e in events.all())
    [body] = smtp.bodies_to("desk@example.org")
    assert "BREACHED" in body and ticket.reference in body


def test_a_password_reset_asked_for_while_the_mail_server_is_down_arrives_later(
    people, smtp, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": people.requester.email})
    assert response.status_code == 302
    mail = Mail.objects.get(purpose=Mail.Purpose.ACCOUNT)
    assert mail.attempts == 1 and mail.sent_at is None

    smtp.up()
    outbox.deliver(now=mail.next_try_at)
    [body] = smtp.bodies_to(people.requester.email)
    link = re.search(r"https?://[^/\s]+(/accounts/reset/\S+)", body.replace("=\n", "")).group(1)
    assert client.get(link, follow=True).status_code == 200
    mail.refresh_from_db()
    assert mail.sent_at is not None and mail.body == ""  # the reset link is not kept once it has gone out


def test_the_mail_and_its_task_commit_or_roll_back_with_the_change(people, policy, settings):
    """With the queue in our database, the change, its mail and the task to send it are one transaction."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    Mail.objects.all().delete()
    DBTaskResult.objects.all().delete()

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        services.reply(ticket, by=people.analyst, body="This will not stick")
        raise Later
    assert not Mail.objects.exists() and not DBTaskResult.objects.exists()

    services.reply(ticket, by=people.analyst, body="This sticks")
    [mail] = Mail.objects.all()
    [task] = DBTaskResult.objects.all()
    assert task.task_path == "helpdesk.tasks.deliver_mail" and task.args_kwargs["args"] == [[mail.pk]]
    assert "This sticks" in mail.body


def queued(*mails: tuple[str, str]) -> list[Mail]:
    with transaction.atomic():
        return outbox.queue([outbox.Outgoing([to], subject, f"Body of {subject}") for to, subject in mails])


def test_one_mail_the_server_chokes_on_does_not_fail_the_mails_behind_it(db, smtp):
    smtp.up()
    smtp.box.answers["choke@example.org"] = "421"  # the server gives up on this one and drops the line
    choke, *rest = queued(("choke@example.org", "First"), ("a@example.org", "Second"), ("b@example.org", "Third"))
    assert outbox.deliver(now=choke.next_try_at) == 2
    assert sorted(to[0] for to, _body in smtp.box.received) == ["a@example.org", "b@example.org"]
    choke.refresh_from_db()
    assert choke.attempts == 1 and choke.next_try_at is not None and "421" in choke.last_error
    assert all(Mail.objects.get(pk=m.pk).sent_at for m in rest)


def test_a_line_break_in_a_subject_does_not_stop_the_mail(db, smtp):
    smtp.up()
    [mail] = queued(("a@example.org", "[INC-000001] We have it: Printer\rdown\u2028again"))
    assert outbox.deliver(now=mail.next_try_at) == 1
    [body] = smtp.bodies_to("a@example.org")
    assert "Subject: [INC-000001] We have it: Printer down again" in body


def test_an_address_the_server_says_does_not_exist_is_given_up_at_once(db, smtp):
    smtp.up()
    smtp.box.answers["nobody@example.org"] = "550 No such user here"
    [mail] = queued(("nobody@example.org", "Hello"))
    outbox.deliver(now=mail.next_try_at)
    mail.refresh_from_db()
    assert mail.gave_up_at is not None and mail.attempts == 1 and "550" in mail.last_error


def test_mail_that_django_or_wagtail_sends_goes_through_the_outbox_too(
    people, smtp, settings, client, django_capture_on_commit_callbacks
):
    """The Wagtail admin's own password reset, with the mail server down, arrives once it is back."""
    settings.EMAIL_BACKEND = "helpdesk.outbox.OutboxBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/password_reset/", {"email": people.manager.email})
    assert response.status_code == 302
    mail = Mail.objects.get(purpose=Mail.Purpose.OTHER)
    assert mail.to == [people.manager.email] and mail.attempts == 1 and mail.sent_at is None

    smtp.up()
    outbox.deliver(now=mail.next_try_at)
    [body] = smtp.bodies_to(people.manager.email)
    assert "/admin/password_reset/confirm/" in body.replace("=\n", "")


def test_a_breach_counts_as_told_only_once_every_digest_listing_it_is_accepted(
    db, smtp, django_capture_on_commit_callbacks
):
    calendar = factories.CalendarFactory(name="24/7", week=factories.ALWAYS_WEEK)
    factories.PolicyFactory(name="Round the clock", calendar=calendar, is_default=True, escalate_to="boss@example.org")
    team = factories.TeamFactory(email="desk@example.org")
    factories.ticket(requester=factories.UserFactory(), team=team, at=timezone.now() - timedelta(days=30))
    smtp.up()
    smtp.box.answers["boss@example.org"] = "451 Mailbox busy, try later"
    with django_capture_on_commit_callbacks(execute=True):
        scan()
    breach = SlaEvent.objects.filter(kind=EventKind.BREACHED).first()
    team_digest, boss_digest = (
        Mail.objects.get(purpose=Mail.Purpose.SLA_ALERT, to=[a]) for a in ("desk@example.org", "boss@example.org")
    )
    assert team_digest.sent_at is not None and boss_digest.sent_at is None
    breach.refresh_from_db()
    assert breach.notified_at is None  # the escalation address has not had it yet

    del smtp.box.answers["boss@example.org"]
    outbox.deliver([boss_digest.pk], now=boss_digest.next_try_at)
    breach.refresh_from_db()
    assert breach.notified_at is not None


def test_mail_is_plain_text_so_what_people_typed_reads_as_they_typed_it(people, policy):
    ticket = factories.ticket(requester=people.requester, team=people.team, title='Laptop won\'t start & "beeps"')
    services.perform(ticket, "start", by=people.analyst)
    services.reply(ticket, by=people.analyst, body="Try <Ctrl> & F5, it's quick.")
    services.perform(ticket, "resolve", by=people.analyst, text="Fixed: it's the battery.")
    bodies = "\n".join(Mail.objects.filter(ticket=ticket).values_list("body", flat=True))
    assert 'Laptop won\'t start & "beeps"' in bodies and "Try <Ctrl> & F5, it's quick." in bodies
    assert "Fixed: it's the battery." in bodies and "&#x27;" not in bodies and "&amp;" not in bodies
