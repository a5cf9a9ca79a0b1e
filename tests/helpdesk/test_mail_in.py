"""Email in: replies thread onto their tickets, new mail to a team opens an incident, and automatic mail,
loops, copies, oversize and hostile mail never make or reopen a ticket. Intake is called directly here;
tests/helpdesk/test_mail_in_servers.py speaks LMTP, SMTP and IMAP to the real receivers."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail as django_mail

from helpdesk import outbox, services
from helpdesk.mail_in.addresses import reply_address, ticket_for_address, token_for
from helpdesk.mail_in.intake import intake
from helpdesk.models import Attachment, Channel, InboundMail, Mail, Message, State, Ticket, User
from tests import factories

Outcome = InboundMail.Outcome
DESK = "desk@desk.example.org"


@pytest.fixture(autouse=True)
def mail_in_on(settings):
    settings.MAIL_IN_ADDRESS = DESK
    settings.MAIL_IN_UNKNOWN_SENDERS = "refuse"
    settings.DEFAULT_FROM_EMAIL = "Promise Desk <helpdesk@desk.example.org>"


def message(
    *,
    sender,
    to=DESK,
    subject="Re: Laptop won't start",
    body="It works again, thanks.",
    headers=None,
    files=(),
    message_id=None,
) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="example.org")
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(body)
    for name, content, kind in files:
        maintype, subtype = kind.split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return bytes(mail)


def ticket_mail(ticket) -> Mail:
    return Mail.objects.filter(ticket=ticket).order_by("pk").first()


# -- the reply address ------------------------------------------------------------------------------------


def test_a_reply_address_names_its_ticket_and_cannot_be_forged(people, settings):
    ticket = factories.ticket(requester=people.requester, team=people.team)
    address = reply_address(ticket)
    assert address.startswith("desk+") and address.endswith("@desk.example.org") and len(address) < 45
    assert ticket_for_address(address) == ticket
    assert ticket_for_address(address.upper()) == ticket  # mail servers may change the case
    number, signature = address.split("+")[1].split("@")[0].split(".")
    other = factories.ticket(requester=people.requester, team=people.team)
    forged = f"desk+{token_for(other.pk).split('.')[0]}.{signature}@desk.example.org"
    assert ticket_for_address(forged) is None
    assert ticket_for_address("desk@desk.example.org") is None
    assert ticket_for_address(address.replace("desk.example.org", "elsewhere.org")) is None
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a new key", [settings.SECRET_KEY]
    assert ticket_for_address(address) == ticket  # mail already sent keeps working while the key rotates
    settings.MAIL_IN_ADDRESS = ""
    assert reply_address(ticket) == "" and ticket_for_address(address) is None


# -- what we send -----------------------------------------------------------------------------------------


def test_notices_carry_a_message_id_a_reply_address_and_auto_submitted(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.ticket(requester=people.requester, team=people.team)
    stored = ticket_mail(ticket)
    assert stored.message_id.startswith("<") and stored.message_id.endswith("@desk.example.org>")
    [sent] = [m for m in django_mail.outbox if people.requester.email in m.to]
    headers = sent.message()
    assert headers["Message-ID"] == stored.message_id
    assert headers["Reply-To"] == reply_address(ticket)
    assert headers["Auto-Submitted"] == "auto-generated"
    assert "Reply to this mail, or follow it here:" in sent.body


def test_without_mail_in_notices_have_no_reply_address(people, settings, django_capture_on_commit_callbacks):
    settings.MAIL_IN_ADDRESS = ""
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.ticket(requester=people.requester, team=people.team)
    [sent] = [m for m in django_mail.outbox if people.requester.email in m.to]
    assert sent.message()["Reply-To"] is None
    assert "Reply to this mail" not in sent.body and f"/my/tickets/{ticket.reference}/" in sent.body


def test_internal_notes_are_never_mailed(people, django_capture_on_commit_callbacks):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    before = Mail.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, by=people.analyst, body="Secret: the vendor is late again.", internal=True)
    assert Mail.objects.count() == before
    assert not any("Secret" in m.body for m in django_mail.outbox)


# -- replies ----------------------------------------------------------------------------------------------


def test_a_reply_to_the_reply_address_becomes_a_public_message_trimmed(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="waiting_requester")
    body = (
        "It is a ThinkPad T14.\n\n"
        "On Mon, 3 Mar 2025 at 10:00, Service Desk <desk@desk.example.org> wrote:\n> Which model is it?\n"
    )
    row = intake(message(sender=people.requester.email, body=body), envelope_to=[reply_address(ticket)])
    assert (row.outcome, row.ticket) == (Outcome.ADDED, ticket)
    reply = row.ticket_message
    assert (reply.body, reply.via, reply.internal, reply.author) == (
        "It is a ThinkPad T14.",
        Channel.EMAIL,
        False,
        people.requester,
    )
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS  # answered us: the clock runs again, as on the portal


def test_a_reply_threads_by_in_reply_to_when_the_address_is_plain(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    ours = ticket_mail(ticket).message_id
    raw = message(sender=people.requester.email.upper(), headers={"In-Reply-To": ours, "References": ours})
    row = intake(raw, envelope_to=[DESK])
    assert (row.outcome, row.ticket) == (Outcome.ADDED, ticket)


def test_a_subject_reference_counts_only_from_the_tickets_people(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    subject = f"Re: [{ticket.reference}] We have it"
    row = intake(message(sender=people.requester.email, subject=subject), envelope_to=[DESK])
    assert (row.outcome, row.ticket) == (Outcome.ADDED, ticket)
    # Someone else typing the reference opens their own ticket instead of writing on this one.
    row = intake(message(sender=people.other_staff.email, subject=subject), envelope_to=[DESK])
    assert row.outcome == Outcome.OPENED and row.ticket != ticket


def test_a_reply_from_someone_not_on_the_ticket_is_refused(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    row = intake(message(sender=people.other_staff.email), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.REFUSED and "can't reply" in row.reason
    row = intake(message(sender="stranger@elsewhere.org"), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.REFUSED and "may not reply" in row.reason
    assert not Message.objects.filter(ticket=ticket, via=Channel.EMAIL).exists()


def test_a_forged_reply_address_is_refused(people):
    row = intake(message(sender=people.requester.email), envelope_to=["desk+1.aaaaaaaaaaaaa@desk.example.org"])
    assert row.outcome == Outcome.REFUSED and "not a reply address of ours" in row.reason


def test_the_team_answers_by_mail(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    row = intake(message(sender=people.analyst.email, body="Bring it to room 4."), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.ADDED
    ticket.refresh_from_db()
    assert ticket.first_response_at is not None  # the team's first public answer stops the response clock


def test_a_resolved_ticket_gets_the_reply_and_stays_resolved_as_on_the_portal(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="resolved")
    row = intake(message(sender=people.requester.email, body="Thanks!"), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.ADDED
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED


def test_a_closed_ticket_refuses_the_reply_with_the_portals_reason(people):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="closed")
    row = intake(message(sender=people.requester.email), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.REFUSED and "closed" in row.reason


def test_attachments_are_kept_under_the_portals_limits(people, settings):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    files = [
        ("screen.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "image/png"),
        ("setup.exe", b"MZ" + b"0" * 100, "application/octet-stream"),
    ]
    row = intake(message(sender=people.requester.email, files=files), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.ADDED
    assert list(Attachment.objects.filter(message=row.ticket_message).values_list("name", flat=True)) == ["screen.png"]
    assert "setup.exe: we accept only these kinds of file" in row.ticket_message.body


# -- new mail ---------------------------------------------------------------------------------------------


def test_mail_to_a_team_address_from_a_known_person_opens_an_incident_for_that_team(people):
    raw = message(sender=people.requester.email, to=people.other_team.email, subject="VPN is down", body="Since 9.")
    row = intake(raw, envelope_to=[people.other_team.email.upper()])
    assert row.outcome == Outcome.OPENED
    ticket = row.ticket
    assert (ticket.title, ticket.description, ticket.team, ticket.channel, ticket.kind, ticket.requester) == (
        "VPN is down",
        "Since 9.",
        people.other_team,
        Channel.EMAIL,
        "incident",
        people.requester,
    )
    assert Mail.objects.filter(ticket=ticket, to=[people.requester.email]).exists()  # "We have it"


def test_mail_to_the_desk_address_opens_an_incident_for_the_default_team(people):
    row = intake(message(sender=people.requester.email, subject="Printer jam"), envelope_to=[DESK])
    assert row.outcome == Outcome.OPENED and row.ticket.team == services.default_team()


def test_an_unknown_sender_is_answered_why_once_an_hour(people):
    row = intake(message(sender="stranger@elsewhere.org", subject="Hello"), envelope_to=[people.team.email])
    assert row.outcome == Outcome.REFUSED and "not someone we know" in row.reason and row.answered_by_mail
    answer = Mail.objects.get(to=["stranger@elsewhere.org"])
    assert "not someone we know" in answer.body
    assert outbox.headers_for(answer)["Auto-Submitted"] == "auto-generated"
    again = intake(message(sender="stranger@elsewhere.org", subject="Hello?"), envelope_to=[people.team.email])
    assert again.outcome == Outcome.REFUSED and not again.answered_by_mail
    assert Mail.objects.filter(to=["stranger@elsewhere.org"]).count() == 1
    assert not Ticket.objects.filter(channel=Channel.EMAIL).exists()


def test_an_unknown_sender_becomes_a_person_when_the_setting_says_create(people, settings):
    settings.MAIL_IN_UNKNOWN_SENDERS = "create"
    raw = message(sender="Nora Newcomer <Nora@Elsewhere.org>", subject="First day: no laptop")
    row = intake(raw, envelope_to=[people.team.email])
    assert row.outcome == Outcome.OPENED
    person = User.objects.get(email="nora@elsewhere.org")
    assert (person.is_active, person.has_usable_password(), person.first_name) == (True, False, "Nora")
    assert row.ticket.requester == person


def test_mail_to_nobody_we_know_is_refused(people):
    row = intake(message(sender=people.requester.email), envelope_to=["someone@desk.example.org"])
    assert row.outcome == Outcome.REFUSED and "Nobody here takes mail" in row.reason


# -- loops, automatic mail, copies, size ------------------------------------------------------------------

AUTOMATIC = [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
    {"Precedence": "junk"},
    {"Precedence": "list"},
    {"X-Autoreply": "yes"},
    {"X-Auto-Response-Suppress": "All"},
    {"List-Id": "<staff.example.org>"},
]


@pytest.mark.parametrize("headers", AUTOMATIC)
def test_automatic_mail_never_opens_or_adds(people, headers):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="resolved")
    for to in (reply_address(ticket), people.team.email):
        row = intake(message(sender=people.requester.email, headers=headers), envelope_to=[to])
        assert row.outcome == Outcome.IGNORED and "automatic" in row.reason.lower()
    ticket.refresh_from_db()
    assert ticket.state == State.RESOLVED and not Message.objects.filter(via=Channel.EMAIL).exists()


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.org", "postmaster@example.org", "no-reply@example.org", "noreply@x.org"]
)
def test_bounces_and_no_reply_senders_are_ignored(people, sender):
    row = intake(message(sender=sender), envelope_to=[people.team.email])
    assert row.outcome == Outcome.IGNORED


def test_a_bounce_with_the_null_sender_is_ignored(people):
    row = intake(message(sender=people.requester.email), envelope_from="<>", envelope_to=[people.team.email])
    assert row.outcome == Outcome.IGNORED and "bounce" in row.reason


def test_our_own_mail_coming_back_is_a_loop(people):
    ticket = factories.ticket(requester=people.requester, team=people.team)
    ours = ticket_mail(ticket).message_id.strip("<>")
    row = intake(message(sender=people.requester.email, message_id=f"<{ours}>"), envelope_to=[people.team.email])
    assert row.outcome == Outcome.IGNORED and "loop" in row.reason
    row = intake(message(sender="helpdesk@desk.example.org"), envelope_to=[people.team.email])
    assert row.outcome == Outcome.IGNORED and "loop" in row.reason
    row = intake(message(sender=reply_address(ticket)), envelope_to=[reply_address(ticket)])
    assert row.outcome == Outcome.IGNORED


def test_the_same_message_twice_is_taken_once(people):
    raw = message(sender=people.requester.email, subject="Printer jam")
    first = intake(raw, envelope_to=[people.team.email])
    second = intake(raw, envelope_to=[people.team.email])
    assert first.outcome == Outcome.OPENED
    assert (second.outcome, second.pk, second.ticket) == (Outcome.IGNORED, None, first.ticket)
    assert Ticket.objects.filter(channel=Channel.EMAIL).count() == 1
    assert InboundMail.objects.count() == 1


def test_oversize_mail_is_refused_with_a_reason(people, settings):
    settings.MAIL_IN_MAX_BYTES = 10_000
    row = intake(message(sender=people.requester.email, body="x" * 20_000), envelope_to=[people.team.email])
    assert row.outcome == Outcome.REFUSED and "the largest we take is" in row.reason
    assert not Ticket.objects.filter(channel=Channel.EMAIL).exists()


def test_the_providers_answer_goes_to_the_hand_off_while_we_wait_on_them(people):
    provider = factories.ProviderFactory()
    service = factories.ServiceFactory(owner_team=people.team, provider=provider)
    ticket = factories.ticket(requester=people.requester, team=people.team, service=service, state="waiting_provider")
    raw = message(sender=provider.contact_email.upper(), body="Part ships Monday.\n\n> your case\n")
    row = intake(raw, envelope_to=[reply_address(ticket)])
    assert (row.outcome, row.ticket) == (Outcome.ADDED, ticket)
    note = row.ticket_message
    assert note.internal and note.via == Channel.EMAIL and "Part ships Monday." in note.body
    ticket.refresh_from_db()
    assert ticket.state != State.WAITING_PROVIDER
    # Once we no longer wait on them, their mail is a stranger's reply.
    again = intake(message(sender=provider.contact_email), envelope_to=[reply_address(ticket)])
    assert again.outcome == Outcome.REFUSED
