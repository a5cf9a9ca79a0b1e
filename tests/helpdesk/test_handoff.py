"""The hand-off to providers: "waiting on a supplier" sends the case to them by mail or webhook; their
answer comes back as an internal note, stops their clock and gives the time back to us."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from helpdesk import handoff, history, services
from helpdesk.models import Channel, EventKind, Location, Mail, Message, State, Ticket, WebhookDelivery
from sla.models import TargetKind
from tests import factories
from tests.helpdesk.test_webhooks import Receiver

H = timedelta(hours=1)


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def policy(db):
    """Round the clock, so business time is plain time and the parts add up to the hour."""
    calendar = factories.CalendarFactory(name="24/7", week=factories.ALWAYS_WEEK)
    return factories.PolicyFactory(name="Round the clock", calendar=calendar, is_default=True)


def case_for(people, policy, provider, *, state="in_progress", description="Port 12 on switch B is dead."):
    location, _made = Location.objects.get_or_create(name="Stockholm, 3rd floor")
    people.requester.location = location
    people.requester.phone = "+46 70 123 45 67"
    people.requester.save()
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, provider=provider)
    return factories.ticket(
        requester=people.requester, team=people.team, service=service, state=state, description=description
    )


def provider_lines(ticket: Ticket) -> list[str]:
    return [
        history.describe(event, team=True)
        for event in ticket.events.filter(kind__in=[EventKind.STATE_CHANGED, EventKind.PROVIDER_REF])
    ]


def test_a_provider_that_takes_mail_gets_the_case_by_mail(people, policy, django_capture_on_commit_callbacks):
    provider = factories.ProviderFactory(name="NetCo", handoff="mail", contact_email="cases@netco.example.com")
    ticket = case_for(people, policy, provider)
    Mail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(ticket, "wait_on_provider", by=people.analyst)
    [case] = Mail.objects.filter(to=["cases@netco.example.com"])
    assert case.ticket_id == ticket.pk and ticket.reference in case.subject and ticket.title in case.subject
    for words in (ticket.reference, ticket.title, "Port 12 on switch B is dead.", "Stockholm, 3rd floor"):
        assert words in case.body
    assert provider.contract_reference in case.body and "Sam Supplier" in case.body
    # Nothing private about the requester beyond where they are.
    for private in (people.requester.email, people.requester.phone, people.requester.last_name):
        assert private not in case.body
    assert case.sent_at is not None  # the worker handed it to the mail server
    assert any(m.to == ["cases@netco.example.com"] for m in django_mail.outbox)
    changed = ticket.events.filter(kind=EventKind.STATE_CHANGED).latest("pk")
    assert changed.data["handoff"] == "mail" and changed.data["provider"] == "NetCo"
    assert history.describe(changed, team=True) == "Waiting on a supplier: case sent to NetCo by mail"
    assert history.describe(changed, team=False) == "Waiting on a supplier"  # the requester's words


def test_a_provider_that_takes_webhooks_gets_provider_case_opened_and_its_reference_is_kept(
    people, policy, receiver, django_capture_on_commit_callbacks
):
    provider = factories.ProviderFactory(name="CloudCo", handoff="webhook")
    theirs = factories.WebhookFactory(url=receiver.url("/cloudco"), provider=provider, secret="cloudco-secret-0001")
    factories.WebhookFactory(url=receiver.url("/other"), provider=factories.ProviderFactory(handoff="webhook"))
    factories.WebhookFactory(url=receiver.url("/chat"))  # every ticket event, but never a hand-off
    receiver.bodies["/cloudco"] = json.dumps({"reference": "CC-4711"})
    ticket = case_for(people, policy, provider)
    Mail.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(ticket, "wait_on_provider", by=people.analyst)
    [opened] = receiver.to("/cloudco")
    assert opened["headers"]["X-PromiseDesk-Event"] == "provider.case_opened"
    body = json.loads(opened["body"])
    assert body["ticket"]["reference"] == ticket.reference and body["ticket"]["state"] == "waiting_provider"
    assert body["data"]["description"] == "Port 12 on switch B is dead."
    assert body["data"]["location"] == "Stockholm, 3rd floor" and body["data"]["provider"] == "CloudCo"
    assert people.requester.email not in opened["body"].decode()
    assert receiver.to("/other") == []
    assert "provider.case_opened" not in [json.loads(r["body"])["event"] for r in receiver.to("/chat")]
    assert not Mail.objects.filter(to=[provider.contact_email]).exists()
    assert WebhookDelivery.objects.get(webhook=theirs).delivered_at is not None

    ticket.refresh_from_db()
    assert ticket.provider_reference == "CC-4711"  # from their answer to the delivery
    noted = ticket.events.get(kind=EventKind.PROVIDER_REF)
    assert noted.actor is None and noted.data == {"reference": "CC-4711"}
    changed = ticket.events.filter(kind=EventKind.STATE_CHANGED).latest("pk")
    assert changed.data["handoff"] == "webhook" and changed.data["provider"] == "CloudCo"
    lines = provider_lines(ticket)
    assert "Waiting on a supplier: case sent to CloudCo by webhook" in lines
    assert "Supplier's reference noted: CC-4711" in lines


def test_no_hand_off_without_a_way_to_reach_them(people, policy, django_capture_on_commit_callbacks):
    quiet = factories.ProviderFactory(handoff="")
    hookless = factories.ProviderFactory(handoff="webhook")
    for provider in (quiet, hookless):
        ticket = case_for(people, policy, provider)
        Mail.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            services.perform(ticket, "wait_on_provider", by=people.analyst)
        assert not Mail.objects.exists() and not WebhookDelivery.objects.filter(event="provider.case_opened").exists()
        assert "handoff" not in ticket.events.filter(kind=EventKind.STATE_CHANGED).latest("pk").data


def test_their_answer_stops_their_clock_and_gives_the_time_back_to_us(
    people, policy, django_capture_on_commit_callbacks
):
    provider = factories.ProviderFactory(name="NetCo", handoff="mail", contract_target=8 * H)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        ticket = case_for(people, policy, provider)
        services.perform(ticket, "wait_on_provider", by=people.analyst)
    theirs = ticket.clock(TargetKind.PROVIDER)
    assert theirs is not None and theirs.is_running

    with time_machine.travel(start + 3 * H, tick=False):
        assert ticket.time_split(timezone.now()) == {"ours": timedelta(0), "provider": 3 * H}
        note = handoff.provider_answered(ticket, text="Port replaced; please test.", via=Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert note.internal and note.via == Channel.EMAIL and "Port replaced; please test." in note.body
    assert "NetCo" in note.body.splitlines()[0]
    assert note.author == people.analyst  # noted for the analyst who handed it over
    theirs.refresh_from_db()
    assert theirs.stopped_at == start + 3 * H
    ours = ticket.clock(TargetKind.RESOLUTION)
    assert ours.is_running
    # From their answer on, the time is ours again.
    assert ticket.time_split(start + 5 * H) == {"ours": 2 * H, "provider": 3 * H}
    replied = ticket.events.filter(kind=EventKind.STATE_CHANGED).latest("pk")
    assert replied.actor is None and replied.data["action"] == "provider_replied"
    assert history.describe(replied, team=True) == "The supplier answered"
    # Their words are for the team: never in a mail to the requester.
    assert not Mail.objects.filter(to=[people.requester.email], body__contains="Port replaced").exists()


def test_an_answer_passed_on_by_an_analyst_is_theirs_through_the_same_service(people, policy):
    provider = factories.ProviderFactory(handoff="")
    ticket = case_for(people, policy, provider, state="waiting_provider")
    note = handoff.provider_answered(ticket, text="Fixed on our side.", via=Channel.API, by=people.analyst)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS and note.author == people.analyst and note.via == Channel.API
    assert ticket.events.filter(kind=EventKind.STATE_CHANGED).latest("pk").actor == people.analyst


def test_an_answer_after_we_stopped_waiting_only_adds_the_note(people, policy):
    provider = factories.ProviderFactory(handoff="")
    ticket = case_for(people, policy, provider, state="in_progress")
    before = ticket.events.filter(kind=EventKind.STATE_CHANGED).count()
    handoff.provider_answered(ticket, text="Also: firmware 2.1 is out.", via=Channel.EMAIL)
    ticket.refresh_from_db()
    assert ticket.state == State.IN_PROGRESS
    assert ticket.events.filter(kind=EventKind.STATE_CHANGED).count() == before
    assert Message.objects.filter(ticket=ticket, internal=True, body__contains="firmware 2.1").count() == 1


def test_empty_answers_and_unknown_channels_are_refused(people, policy):
    ticket = case_for(people, policy, factories.ProviderFactory(), state="waiting_provider")
    with pytest.raises(services.Refused):
        handoff.provider_answered(ticket, text="  ", via=Channel.EMAIL)
    with pytest.raises(services.Refused):
        handoff.provider_answered(ticket, text="Hi", via="carrier pigeon")
    ticket.refresh_from_db()
    assert ticket.state == State.WAITING_PROVIDER


def test_their_reference_is_recorded_by_the_system_or_by_a_person(people, policy):
    ticket = case_for(people, policy, factories.ProviderFactory(), state="waiting_provider")
    handoff.record_reference(ticket, " NC-123 ")
    handoff.record_reference(ticket, "NC-123")  # the same again: no second line
    ticket.refresh_from_db()
    assert ticket.provider_reference == "NC-123"
    assert list(ticket.events.filter(kind=EventKind.PROVIDER_REF).values_list("actor", "data")) == [
        (None, {"reference": "NC-123"})
    ]
    handoff.record_reference(ticket, "NC-124", by=people.analyst)
    ticket.refresh_from_db()
    assert ticket.provider_reference == "NC-124"
    with pytest.raises(services.Refused):
        handoff.record_reference(ticket, "NC-125", by=people.requester)
