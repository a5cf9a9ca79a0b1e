"""Each clock explains itself on the ticket page: the requester's version and the team's, the provider's
part, the board's share of waiting on suppliers, and a page whose queries do not grow with the events."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import Provider
from helpdesk import services
from sla.scan import scan
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)  # a Tuesday, 10:00 in Stockholm
H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture
def policy(db):
    # P3 (the default medium impact and urgency): first response in 4 h, resolution in 24 h, office hours.
    return factories.PolicyFactory(name="Standard", is_default=True, calendar__name="Stockholm office")


def make(people, state="in_progress", **kwargs):
    return factories.ticket(requester=people.requester, team=people.team, state=state, at=NOW, **kwargs)


def page(client, ticket) -> str:
    """The ticket's page (or the board, for "dashboard") as its reader gets it."""
    url = "/dashboard/" if ticket == "dashboard" else f"/my/tickets/{ticket.reference}/"
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def promise(html: str) -> str:
    """The "Our promise on this ticket" section alone."""
    start = html.index('<section aria-labelledby="promise"')
    return html[start : html.index("</section>", start)]


def test_the_requester_reads_we_waited_for_you_and_nothing_internal(people, policy, client_for):
    ticket = make(people, state="waiting_requester")  # both clocks paused at 10:00
    services.reply(ticket, by=people.requester, body="A ThinkPad X1.", at=NOW + 4 * H + 10 * M)  # 14:10
    with time_machine.travel(NOW + 23 * H, tick=False):  # Wednesday 09:00: 3 h of the 4 h reply target used
        scan()
        mine, theirs = promise(page(client_for(people.requester), ticket)), page(client_for(people.analyst), ticket)
    assert "Our first reply" in mine and "Resolving it" in mine
    assert mine.count("Carried on: paused for 3 h 10 m while we waited for you") == 2
    assert "We will reply by Wed 25 Nov 2026, 09:10 Stockholm" in mine
    for internal in ["Warning", "business time", "waiting on the requester", "Standard", "Stockholm office", "P3"]:
        assert internal not in mine, internal
    assert "Warning: most of the time allowed is used" in theirs
    assert "Paused: waiting on the requester" in theirs
    assert "4 h of business time · P3 medium · policy Standard · counted on Stockholm office" in theirs


def test_the_analyst_reads_why_a_deadline_moved_after_a_priority_change(people, policy, client_for):
    ticket = make(people)
    services.change_priority(ticket, by=people.analyst, priority="P1", at=NOW + 30 * M)  # 30 m and 4 h
    with time_machine.travel(NOW + 30 * M, tick=False):
        theirs = promise(page(client_for(people.analyst), ticket))
        mine = promise(page(client_for(people.requester), ticket))
    assert (
        "Deadline moved to Tue 24 Nov 2026, 15:00 Stockholm because the priority changed "
        "(was Fri 27 Nov 2026, 10:00 Stockholm; target 24 h, now 4 h)"
    ) in theirs
    assert (
        "Deadline moved to Tue 24 Nov 2026, 10:30 Stockholm because the priority changed "
        "(was Tue 24 Nov 2026, 15:00 Stockholm; target 4 h, now 30 m)"
    ) in theirs
    assert "Our deadline moved to Tue 24 Nov 2026, 15:00 Stockholm because the priority of your ticket changed" in mine
    assert "target" not in mine


def test_the_analyst_reads_met_with_time_to_spare_and_the_reopen(people, policy, client_for):
    ticket = make(people)
    services.perform(ticket, "resolve", by=people.analyst, at=NOW + 2 * H, text="Replaced the battery.")  # 12:00
    services.perform(ticket, "reopen", by=people.requester, at=NOW + 23 * H, text="Still dead.")  # Wed 09:00
    with time_machine.travel(NOW + 23 * H, tick=False):
        theirs = promise(page(client_for(people.analyst), ticket))
        mine = promise(page(client_for(people.requester), ticket))
    assert "Met with 2 h to spare" in theirs  # the first response, answered by the resolution
    assert "Met with 22 h to spare" in theirs  # the resolution, before it was reopened
    assert "Reopened: carries on with the time already used; the 5 h it stood resolved are not counted" in theirs
    assert "We replied with 2 h to spare" in mine
    assert "Reopened: we carry on where we left off; the 5 h it stood resolved are not counted" in mine


def test_a_wait_on_a_supplier_shows_their_clock_and_our_part_and_theirs(people, policy, client_for):
    acme = Provider.objects.create(name="Acme Networks", kind=Provider.Kind.THIRD_PARTY, contract_target=4 * H)
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, provider=acme)
    ticket = make(people, service=service)
    services.perform(ticket, "wait_on_provider", by=people.analyst, at=NOW)  # 10:00
    services.perform(ticket, "provider_replied", by=people.analyst, at=NOW + 3 * H)  # 13:00: 2 h of theirs
    services.perform(ticket, "resolve", by=people.analyst, at=NOW + 5 * H, text="Line fixed.")  # 15:00: 4 h
    with time_machine.travel(NOW + 6 * H, tick=False):
        theirs = promise(page(client_for(people.analyst), ticket))
        mine = promise(page(client_for(people.requester), ticket))
        board = page(client_for(people.manager), "dashboard")
    assert "Supplier: Acme Networks" in theirs
    assert "Started: Acme Networks has 4 h of business time under their contract" in theirs
    assert "The supplier answered with 2 h to spare" in theirs
    assert (
        "Our part and theirs: of the 4 h of business time counted on resolving it, "
        "2 h were ours and 2 h went on waiting for suppliers."
    ) in theirs
    assert (
        "Of the 4 h counted on resolving it, 2 h went on waiting for a supplier. "
        "That time still counts towards our promise to you."
    ) in mine
    assert "Acme" not in mine and "Supplier:" not in mine
    assert "Of the time spent resolving this month, 50 % went on waiting for suppliers." in board


def test_the_board_says_nothing_of_suppliers_before_any_resolution(people, policy, client_for):
    make(people)
    with time_machine.travel(NOW + H, tick=False):
        assert "waiting for suppliers" not in page(client_for(people.manager), "dashboard")


def test_the_ticket_page_queries_do_not_grow_with_the_events(people, policy, client_for):
    acme = Provider.objects.create(name="Acme Networks", kind=Provider.Kind.THIRD_PARTY, contract_target=4 * H)
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, provider=acme)

    def lived(waits: int):
        ticket = make(people, service=service)
        for i in range(waits):  # every 20 minutes a question answered, then a supplier asked and answering
            asked = NOW + (i + 1) * 20 * M
            services.perform(ticket, "wait_on_requester", by=people.analyst, at=asked, text="Which model?")
            services.reply(ticket, by=people.requester, body="The X1.", at=asked + 5 * M)
            services.perform(ticket, "wait_on_provider", by=people.analyst, at=asked + 10 * M)
            services.perform(ticket, "provider_replied", by=people.analyst, at=asked + 15 * M)
        services.perform(ticket, "wait_on_provider", by=people.analyst, at=NOW + 4 * H)
        return ticket

    few, many = lived(1), lived(9)
    assert many.clocks.get(kind="resolution").events.count() >= 19 and many.clocks.count() == 2 + 10
    counts = {}
    with time_machine.travel(NOW + 5 * H, tick=False):
        for who in ("analyst", "requester"):
            client = client_for(getattr(people, who))
            for size, ticket in (("few", few), ("many", many)):
                page(client, ticket)  # calendars compiled, sessions read: what every later view reuses
                with CaptureQueriesContext(connection) as queries:
                    page(client, ticket)
                counts[who, size] = len(queries)
    assert counts["analyst", "few"] == counts["analyst", "many"], counts
    assert counts["requester", "few"] == counts["requester", "many"], counts
    # The team's workspace reads, besides: the requester card (3), the linked tickets and people copied in
    # (2) and the team's canned replies (1).
    assert counts["analyst", "many"] <= 22, counts
