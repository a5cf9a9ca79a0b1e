"""Sign-off before work starts: a request that needs approval waits with no clock running, is asked of
the right people in the right order, is decided once by the approver or their stand-in (never by the
requester), from /my/approvals/ or the mailed link, and starts its clocks when approved."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine

from catalogue.models import ApprovalMode, ApproverRole, RequestTypeApprover
from helpdesk import approvals, services
from helpdesk.models import Approval, Delegation, EventKind, Mail, State, Ticket
from tests import factories

WHY = "why_do_you_need_it"
MONDAY = datetime(2026, 11, 2, 9, tzinfo=UTC)


@pytest.fixture
def world(people, policy):
    boss = factories.UserFactory(username="boss", first_name="Bea", last_name="Boss", email="boss@example.org")
    holder = factories.UserFactory(username="holder", email="holder@example.org")
    requester = people.requester
    requester.line_manager = boss
    requester.save()
    centre = requester.cost_centre
    centre.holder = holder
    centre.save()
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, name="Laptops")
    laptop = factories.RequestTypeFactory(
        service=service,
        name="Performance laptop",
        slug="performance-laptop",
        one_off_price=Decimal("1100.00"),
        fields=[("Why do you need it?", "long_text", True)],
    )
    for order, role in enumerate((ApproverRole.LINE_MANAGER, ApproverRole.COST_CENTRE_HOLDER)):
        RequestTypeApprover.objects.create(request_type=laptop, role=role, sort_order=order)
    return {"people": people, "boss": boss, "holder": holder, "laptop": laptop, "requester": requester}


def ask(client, slug="performance-laptop") -> Ticket:
    response = client.post(f"/ask/{slug}/", {WHY: "Video editing."})
    assert response.status_code == 302, response.content.decode()[:500]
    return Ticket.objects.order_by("-pk").first()


def link_in(mail: Mail) -> str:
    return re.search(r"http://[^/\s]+(/approvals/[^\s]+/)", mail.body)[1]


def test_a_request_waits_for_each_approver_in_order_and_its_clocks_start_when_approved(world, client_for):
    requester, boss, holder = world["requester"], world["boss"], world["holder"]
    with time_machine.travel(MONDAY, tick=False):
        ticket = ask(client_for(requester))
    assert ticket.state == State.AWAITING_APPROVAL and ticket.due_at is None
    assert not ticket.clocks.exists()
    assert [(a.step, a.role, a.approver_id, a.asked_at is not None) for a in ticket.approvals.all()] == [
        (1, ApproverRole.LINE_MANAGER, boss.pk, True),
        (2, ApproverRole.COST_CENTRE_HOLDER, holder.pk, False),
    ]
    asked = Mail.objects.get(purpose=Mail.Purpose.APPROVAL)
    assert asked.to == [boss.email] and "Approval needed: Performance laptop" in asked.subject
    assert Mail.objects.filter(to=[requester.email], subject__contains="Waiting for approval").exists()
    # Not on any team's desk while it waits.
    desk = client_for(world["people"].analyst).get("/desk/").content.decode()
    assert ticket.reference not in desk

    # The line manager approves from /my/approvals/; then the budget holder is asked.
    boss_client = client_for(boss)
    page = boss_client.get("/my/approvals/").content.decode()
    assert "Performance laptop" in page and ticket.reference in page
    with time_machine.travel(MONDAY + timedelta(hours=2), tick=False):
        response = boss_client.post(f"/my/approvals/{ticket.approvals.first().pk}/", {"decision": "approve"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.AWAITING_APPROVAL
    second = Mail.objects.filter(purpose=Mail.Purpose.APPROVAL, to=[holder.email]).get()

    # The holder approves from the mailed link, signed out: the ticket is new and its clocks start now.
    approved_at = MONDAY + timedelta(hours=5)
    with time_machine.travel(approved_at, tick=False):
        anonymous = client_for(None)
        path = link_in(second)
        assert "Performance laptop" in anonymous.get(path).content.decode()  # opening it decides nothing
        assert Approval.objects.get(ticket=ticket, approver=holder).decision == "waiting"
        done = anonymous.post(path, {"decision": "approve"})
    assert done.status_code == 200 and "Approved" in done.content.decode()
    ticket.refresh_from_db()
    assert ticket.state == State.NEW and ticket.due_at is not None
    assert {clock.started_at for clock in ticket.clocks.all()} == {approved_at}
    kinds = list(ticket.events.values_list("kind", flat=True))
    assert kinds.count(EventKind.APPROVED) == 2 and EventKind.APPROVAL_ASKED in kinds
    assert ticket.reference in client_for(world["people"].analyst).get("/desk/").content.decode()
    # Used once: the same link again is refused, and changes nothing.
    with time_machine.travel(approved_at + timedelta(minutes=1), tick=False):
        again = client_for(None).post(path, {"decision": "approve"})
    assert again.status_code == 410 and "used already" in again.content.decode()


def test_one_no_ends_the_request_with_its_reason_for_the_requester(world, client_for):
    requester, boss = world["requester"], world["boss"]
    ticket = ask(client_for(requester))
    approval = ticket.approvals.first()
    boss_client = client_for(boss)
    missing = boss_client.post(f"/my/approvals/{approval.pk}/", {"decision": "decline", "reason": "  "})
    assert missing.status_code == 400 and "Say why" in missing.content.decode()
    response = boss_client.post(
        f"/my/approvals/{approval.pk}/", {"decision": "decline", "reason": "The standard laptop does video."}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.REJECTED and ticket.closed_at is not None
    assert list(ticket.approvals.values_list("decision", flat=True)) == ["rejected", "not_needed"]
    told = Mail.objects.get(to=[requester.email], subject__contains="Not approved")
    assert "The standard laptop does video." in told.body
    assert not Mail.objects.filter(to=[world["holder"].email]).exists()  # never asked
    page = client_for(requester).get(f"/my/tickets/{ticket.reference}/").content.decode()
    assert "Not approved" in page


def test_nobody_approves_their_own_request_nor_uses_anothers_link(world, client_for, people):
    boss, holder = world["boss"], world["holder"]
    ticket = ask(client_for(world["requester"]))
    approval = ticket.approvals.first()
    path = link_in(Mail.objects.get(purpose=Mail.Purpose.APPROVAL))
    # Someone else signed in cannot use the boss's link; the holder (asked later) cannot decide step 1.
    for other in (holder, people.analyst, world["requester"]):
        response = client_for(other).post(path, {"decision": "approve"})
        assert response.status_code == 403, other
        assert client_for(other).post(f"/my/approvals/{approval.pk}/", {"decision": "approve"}).status_code == 404
    # A forged or altered link is not ours.
    assert client_for(None).get(path.replace("/approvals/", "/approvals/x")).status_code == 404
    # An expired link is refused.
    with time_machine.travel(datetime.now(UTC) + approvals.LINK_VALID_FOR + timedelta(hours=1), tick=False):
        assert client_for(None).get(path).status_code == 410
    assert Approval.objects.get(pk=approval.pk).decision == "waiting"
    # A budget holder asking for their own cost centre is not asked to approve it: their line manager is.
    holder.line_manager = boss
    holder.cost_centre = world["requester"].cost_centre
    holder.save()
    own = ask(client_for(holder))
    assert list(own.approvals.values_list("approver__username", flat=True)) == ["boss"]
    with pytest.raises(approvals.Declined):
        approvals.decide(own.approvals.get(), by=holder, approve=True)


def test_a_stand_in_decides_while_the_approver_is_away_and_any_one_approver_is_enough(world, client_for, people):
    laptop = world["laptop"]
    laptop.approval_mode = ApprovalMode.ANY_ONE
    laptop.save()
    ticket = ask(client_for(world["requester"]))
    assert {a.asked_at is not None for a in ticket.approvals.all()} == {True}  # both asked at once
    stand_in = people.other_staff
    today = date.today()
    client_for(world["boss"]).post(
        "/my/approvals/stand-in/",
        {
            "delegate": stand_in.username,
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=3)).isoformat(),
        },
    )
    assert Delegation.objects.filter(person=world["boss"], delegate=stand_in).exists()
    mine = ticket.approvals.get(approver=world["boss"])
    response = client_for(stand_in).post(f"/my/approvals/{mine.pk}/", {"decision": "approve"})
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == State.NEW
    assert list(ticket.approvals.order_by("pk").values_list("decision", flat=True)) == ["approved", "not_needed"]
    event = ticket.events.get(kind=EventKind.APPROVED)
    assert event.actor == stand_in and event.data["on_behalf"] is True


def test_below_the_price_or_outside_the_grades_no_approval_is_asked(world, client_for):
    laptop = world["laptop"]
    laptop.approval_from_price = Decimal("2000.00")
    laptop.save()
    assert ask(client_for(world["requester"])).state == State.NEW
    laptop.approval_from_price = Decimal("1000.00")
    laptop.save()
    assert ask(client_for(world["requester"])).state == State.AWAITING_APPROVAL
    laptop.approval_grades.add(factories.GradeFactory(name="Director", level=9))  # not the requester's
    laptop.save()  # a cluster's many-to-many is kept on save
    assert ask(client_for(world["requester"])).state == State.NEW


def test_the_requester_can_withdraw_while_it_waits_and_approvers_are_reminded_after_working_hours(world, client_for):
    with time_machine.travel(MONDAY, tick=False):
        ticket = ask(client_for(world["requester"]))
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        assert approvals.remind() == 0
    with time_machine.travel(MONDAY + timedelta(days=2), tick=False):
        assert approvals.remind() == 1
        assert approvals.remind() == 0  # once per eight working hours
    assert Mail.objects.filter(purpose=Mail.Purpose.APPROVAL, subject__contains="Reminder").count() == 1
    services.perform(ticket, "cancel", by=world["requester"], text="Found a spare one.")
    assert list(ticket.approvals.values_list("decision", flat=True)) == ["not_needed", "not_needed"]
    assert approvals.waiting_for(world["boss"]).count() == 0


def test_the_reports_count_sign_off_for_the_period(world, client_for, people):
    requester, boss = world["requester"], world["boss"]
    with time_machine.travel(MONDAY, tick=False):
        first, second, third = (ask(client_for(requester)) for _ in range(3))
    with time_machine.travel(MONDAY + timedelta(hours=3), tick=False):
        approvals.decide(first.approvals.first(), by=boss, approve=True)  # the holder is asked next
    with time_machine.travel(MONDAY + timedelta(hours=5), tick=False):
        approvals.decide(second.approvals.first(), by=boss, approve=False, reason="Not this year.")
    with time_machine.travel(datetime(2026, 12, 10, 12, tzinfo=UTC), tick=False):
        html = client_for(people.manager).get("/reports/?period=2026-11&who=&by=service").content.decode()
        division = client_for(people.manager).get(
            f"/reports/?period=2026-11&who=division:{requester.division_id}&by=service"
        )
    cells = re.search(r'id="sign-off".*?<tbody><tr>(.*?)</tr>', html, re.S)[1]
    # Asked: three line managers' and one holder's; decided: one each way; waiting: the third and the holder.
    assert re.findall(r"<td>([^<]+)</td>", cells) == ["4", "1", "1", "2", "4 h"]
    assert 'id="sign-off"' not in division.content.decode()  # counted for everyone only


def test_every_step_of_sign_off_reads_as_words_in_the_history(world, client_for, people):
    from helpdesk.history import describe

    stand_in = people.other_staff
    Delegation.objects.create(
        person=world["boss"], delegate=stand_in, starts_on=date.today(), ends_on=date.today(), created_at=MONDAY
    )
    approved = ask(client_for(world["requester"]))
    approvals.decide(approved.approvals.first(), by=stand_in, approve=True)
    approvals.decide(approved.approvals.get(role=ApproverRole.COST_CENTRE_HOLDER), by=world["holder"], approve=True)
    declined = ask(client_for(world["requester"]))
    approvals.decide(declined.approvals.first(), by=world["boss"], approve=False, reason="Next year.")
    lines = {
        describe(event, team=team)
        for ticket in (approved, declined)
        for event in ticket.events.all()
        for team in (True, False)
    }
    holder = world["holder"]
    assert f"Approval asked of Bea Boss, {holder}" in lines
    assert "Approved by Bea Boss (a stand-in decided)" in lines
    assert "Not approved by Bea Boss: “Next year.”" in lines
    assert "Approved: the team's work starts now" in lines and "Approved: the team starts on it now" in lines
    for line in lines:
        assert line and "_" not in line and "{" not in line, line


def test_what_waits_on_a_leaver_is_asked_of_their_line_manager(world, client_for):
    from helpdesk.directory.people import leave
    from helpdesk.history import describe

    boss = world["boss"]
    boss.line_manager = factories.UserFactory(username="chief", first_name="Cleo", last_name="Chief", email="c@x.org")
    boss.save()
    ticket = ask(client_for(world["requester"]))
    leave(boss, on=date.today())
    approval = ticket.approvals.get(role=ApproverRole.LINE_MANAGER)
    assert approval.approver.username == "chief" and approval.decision == "waiting" and approval.link_nonce
    assert Mail.objects.filter(purpose=Mail.Purpose.APPROVAL, to=["c@x.org"]).exists()
    lines = [describe(event, team=True) for event in ticket.events.all()]
    assert "Approval asked of Cleo Chief instead of Bea Boss, who left" in lines
    approvals.decide(approval, by=boss.line_manager, approve=True)
    assert approvals.waiting_for(world["holder"]).count() == 1  # the next step goes on as before
