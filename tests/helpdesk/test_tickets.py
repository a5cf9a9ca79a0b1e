"""Tickets: raising, the guarded lifecycle by role, clocks, conversation, visibility and mail."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from helpdesk import selectors, services
from helpdesk.models import Channel, EventKind, State, Ticket, priority_for
from helpdesk.services import Refused
from sla.models import Clock, TargetKind
from tests import factories
from tests.factories import ServiceFactory

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)  # a Tuesday, 10:00 in Stockholm


def make(people, state="new", **kwargs):
    return factories.ticket(requester=people.requester, team=people.team, state=state, at=NOW, **kwargs)


# -- raising --------------------------------------------------------------------------------------------


def test_priority_matrix_and_the_premium_step():
    assert [
        priority_for(i, u) for i, u in [("high", "high"), ("high", "low"), ("medium", "medium"), ("low", "low")]
    ] == ["P1", "P3", "P3", "P4"]
    assert priority_for("medium", "medium", entitled_tier=True) == "P2"
    assert priority_for("high", "high", entitled_tier=True) == "P1"


def test_raising_numbers_it_starts_its_clocks_and_tells_people(people, policy, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = make(people, impact="high", urgency="medium")
        second = make(people, kind="request")
    assert first.reference == f"INC-{first.pk:06d}" and second.reference == f"REQ-{second.pk:06d}"
    assert first.priority == "P2" and first.team == people.team and first.state == State.NEW
    kinds = set(Clock.objects.for_subject(first).values_list("kind", flat=True))
    assert kinds == {TargetKind.RESPONSE, TargetKind.RESOLUTION}
    assert first.events.get(kind=EventKind.CREATED).actor == people.requester
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert recipients.count(people.requester.email) == 2 and people.team.email in recipients


def test_premium_requesters_get_the_premium_policy_and_a_priority_step(people, policy):
    premium = factories.PolicyFactory(name="Premium")
    policy.premium_policy, policy.premium_from_grade_level = premium, 5
    policy.save()
    people.requester.grade = factories.GradeFactory(level=5, name="Director")
    people.requester.save()
    raised = make(people)
    assert raised.policy == premium and raised.priority == "P2"


def test_only_analysts_raise_for_someone_else(people, policy):
    service = ServiceFactory(owner_team=people.team)
    with pytest.raises(Refused):
        services.raise_ticket(
            kind="incident", title="x", requester=people.requester, raised_by=people.other_staff, service=service
        )
    made = services.raise_ticket(
        kind="incident", title="x", requester=people.requester, raised_by=people.analyst, service=service
    )
    assert made.raised_by == people.analyst and made.requester == people.requester


# -- the lifecycle, by role -------------------------------------------------------------------------------

ROLES = ["requester", "other_staff", "analyst", "other_analyst", "manager"]
TEAM = {"analyst", "manager"}
REQUESTER_SIDE = {"requester", "analyst", "manager"}
CASES = [
    # action, from state, who may, extra arguments
    ("start", "new", TEAM, {}),
    ("wait_on_requester", "in_progress", TEAM, {"text": "Which model?"}),
    ("requester_replied", "waiting_requester", REQUESTER_SIDE, {}),
    ("wait_on_provider", "in_progress", TEAM, {}),
    ("provider_replied", "waiting_provider", TEAM, {}),
    ("resolve", "in_progress", TEAM, {"text": "Fixed."}),
    ("reopen", "resolved", REQUESTER_SIDE, {"text": "Still broken."}),
    ("confirm", "resolved", REQUESTER_SIDE, {}),
    ("cancel", "in_progress", REQUESTER_SIDE, {"text": "No longer needed."}),
]


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("action", "source", "allowed", "extra"), CASES, ids=[c[0] for c in CASES])
def test_every_transition_is_allowed_or_refused_by_role(action, source, allowed, extra, who, people, policy):
    made = make(people, state=source)
    before = made.events.count()
    if who in allowed:
        services.perform(made, action, by=getattr(people, who), at=NOW + timedelta(hours=1), **extra)
        made.refresh_from_db()
        assert made.state != source
        logged = made.events.filter(kind=EventKind.STATE_CHANGED).last()
        assert (logged.data["from"], logged.data["to"], logged.actor) == (source, made.state, getattr(people, who))
    else:
        with pytest.raises(Refused) as refused:
            services.perform(made, action, by=getattr(people, who), **extra)
        assert refused.value.status == 403
        made.refresh_from_db()
        assert made.state == source and made.events.count() == before


def test_a_transition_from_the_wrong_state_is_a_409(people, policy):
    with pytest.raises(Refused) as refused:
        services.perform(make(people, state="closed"), "resolve", by=people.analyst, text="again")
    assert refused.value.status == 409


def test_an_unknown_action_or_a_missing_comment_is_a_400(people, policy):
    made = make(people, state="in_progress")
    for action, text in (("delete", ""), ("resolve", "  ")):
        with pytest.raises(Refused) as refused:
            services.perform(made, action, by=people.analyst, text=text)
        assert refused.value.status == 400


def test_a_stale_copy_loses_with_a_409_and_changes_nothing(people, policy):
    made = make(people, state="in_progress")
    stale = Ticket.objects.get(pk=made.pk)
    services.perform(made, "resolve", by=people.analyst, text="Fixed.")
    with pytest.raises(Refused) as refused:
        services.perform(stale, "cancel", by=people.requester, text="Never mind.")
    assert refused.value.status == 409 and "a moment ago" in refused.value.message
    assert Ticket.objects.get(pk=made.pk).state == State.RESOLVED


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_transitions_on_postgresql_have_one_winner(people, policy):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks between two connections (make test-postgres runs it)")
    made = make(people, state="in_progress")
    barrier, outcomes = threading.Barrier(2), []

    def act(action, who, text):
        copy = Ticket.objects.get(pk=made.pk)
        barrier.wait()
        try:
            services.perform(copy, action, by=who, text=text)
            outcomes.append("won")
        except Refused as refused:
            outcomes.append(refused.status)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=act, args=("resolve", people.analyst, "Fixed.")),
        threading.Thread(target=act, args=("cancel", people.requester, "Not needed.")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=str) == [409, "won"]
    made = Ticket.objects.get(pk=made.pk)
    assert made.state in (State.RESOLVED, State.CANCELLED)
    assert made.events.filter(kind=EventKind.STATE_CHANGED).count() == 2  # start, and the one winner


# -- clocks ----------------------------------------------------------------------------------------------


def test_waiting_on_the_requester_pauses_the_clock_and_their_reply_resumes_it(people, policy):
    made = make(people, state="in_progress")  # P3 resolution: 24 h of office time from Tue 10:00
    resolution = made.clock(TargetKind.RESOLUTION)
    due = resolution.due_at
    services.perform(made, "wait_on_requester", by=people.analyst, at=NOW + timedelta(hours=1), text="Model?")
    assert made.clock(TargetKind.RESOLUTION).is_paused
    services.reply(made, by=people.requester, body="A ThinkPad X1.", at=NOW + timedelta(hours=3))
    made.refresh_from_db()
    assert made.state == State.IN_PROGRESS
    resumed = made.clock(TargetKind.RESOLUTION)
    assert resumed.paused_for == timedelta(hours=1)  # 11-12 counted, 12-13 lunch, so 1 h of open time
    assert resumed.due_at == due + timedelta(hours=1)


def test_the_teams_first_public_reply_meets_the_first_response(people, policy):
    made = make(people, state="in_progress")
    services.reply(made, by=people.analyst, body="Internal thought", internal=True, at=NOW + timedelta(minutes=5))
    assert made.clock(TargetKind.RESPONSE).stopped_at is None
    services.reply(made, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=20))
    response = made.clock(TargetKind.RESPONSE)
    assert response.stopped_at == NOW + timedelta(minutes=20) and response.verdict == "met"


def test_a_reply_sent_from_a_page_opened_before_the_first_response_keeps_its_time(people, policy):
    made = make(people, state="in_progress")
    opened_earlier = Ticket.objects.get(pk=made.pk)  # first_response_at still empty on this copy
    services.reply(made, by=people.analyst, body="On it.", at=NOW + timedelta(minutes=10))
    services.reply(opened_earlier, by=people.analyst, body="Me too.", at=NOW + timedelta(minutes=20))
    made.refresh_from_db()
    assert made.first_response_at == NOW + timedelta(minutes=10) == made.clock(TargetKind.RESPONSE).stopped_at


def test_resolving_stops_the_clocks_and_a_reopen_carries_on_where_it_stopped(people, policy):
    made = make(people, state="in_progress")
    services.perform(made, "resolve", by=people.analyst, at=NOW + timedelta(hours=2), text="Fixed.")
    assert not Clock.objects.for_subject(made).filter(stopped_at=None).exists()
    stopped = made.clock(TargetKind.RESOLUTION)
    services.perform(made, "reopen", by=people.requester, at=NOW + timedelta(hours=3), text="Not fixed.")
    again = made.clock(TargetKind.RESOLUTION)
    # The same clock carries on: one verdict per target; the two hours used stay used, the hour it
    # stood resolved is not counted.
    assert again.pk == stopped.pk and again.stopped_at is None and again.target == timedelta(hours=24)
    assert again.elapsed(NOW + timedelta(hours=4)) == timedelta(hours=3)
    assert again.verdict is None


def test_resolutions_nobody_answers_close_themselves(people, policy, settings):
    settings.TICKET_AUTO_CLOSE_DAYS = 5
    old = make(people, state="resolved")
    recent = factories.ticket(
        requester=people.requester, team=people.team, state="resolved", at=NOW + timedelta(days=4)
    )
    assert services.close_unanswered(now=NOW + timedelta(days=6)) == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.state, recent.state) == (State.CLOSED, State.RESOLVED)
    assert old.events.filter(kind=EventKind.STATE_CHANGED).last().data["action"] == "close_unanswered"


# -- conversation and visibility ----------------------------------------------------------------------------


def test_internal_notes_are_for_the_team_only(people, policy, client_for):
    made = make(people, state="in_progress")
    with pytest.raises(Refused):
        services.reply(made, by=people.requester, body="sneaky", internal=True)
    services.reply(made, by=people.analyst, body="Looks like the battery.", internal=True)
    assert (
        "Looks like the battery."
        not in client_for(people.requester).get(f"/my/tickets/{made.reference}/").content.decode()
    )
    assert (
        "Looks like the battery." in client_for(people.analyst).get(f"/my/tickets/{made.reference}/").content.decode()
    )


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("requester", 200),
        ("other_staff", 404),
        ("analyst", 200),
        ("other_analyst", 404),
        ("manager", 200),
        ("anonymous", 302),
    ],
)
def test_who_may_open_a_ticket(who, status, people, policy, client_for):
    made = make(people)
    assert client_for(getattr(people, who)).get(f"/my/tickets/{made.reference}/").status_code == status
    assert client_for(getattr(people, who)).get("/my/tickets/INC-999999/").status_code in (302, 404)


def test_attachments_are_checked_stored_privately_and_served_only_to_who_may_see(people, policy, client_for, settings):
    made = make(people, state="in_progress")
    client = client_for(people.requester)
    bad = SimpleUploadedFile("run.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(f"/my/tickets/{made.reference}/reply/", {"body": "See file", "files": [bad]})
    assert response.status_code == 400 and "we accept only these kinds of file" in response.content.decode()
    assert "See file</textarea>" in response.content.decode()  # what was typed is kept

    good = SimpleUploadedFile("error.txt", b"disk full", content_type="text/plain")
    assert client.post(f"/my/tickets/{made.reference}/reply/", {"body": "See file", "files": [good]}).status_code == 302
    attachment = made.messages.get().attachments.get()
    assert not attachment.file.path.startswith(str(settings.MEDIA_ROOT))
    url = f"/my/tickets/{made.reference}/files/{attachment.pk}/"
    assert b"".join(client.get(url).streaming_content) == b"disk full"
    assert client_for(people.other_staff).get(url).status_code == 404
    attachment.file.delete()


def test_text_is_escaped(people, policy, client_for):
    made = make(people, state="in_progress")
    services.reply(made, by=people.requester, body="<script>alert(1)</script>")
    html = client_for(people.analyst).get(f"/my/tickets/{made.reference}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html


# -- the portal ------------------------------------------------------------------------------------------------


def test_staff_report_an_incident_from_a_phone_sized_form(people, policy, client_for):
    factories.TeamFactory(slug="service-desk", members=[people.analyst])
    client = client_for(people.requester)
    response = client.post(
        "/my/report/",
        {"title": "No Wi-Fi on floor 3", "description": "", "impact": "medium", "urgency": "high", "service": ""},
    )
    made = Ticket.objects.get()
    assert response["Location"] == f"/my/tickets/{made.reference}/"
    assert (made.kind, made.priority, made.team.slug) == ("incident", "P2", "service-desk")
    bad = client.post("/my/report/", {"title": "", "impact": "huge", "urgency": "high"})
    assert bad.status_code == 400


def test_my_page_lists_own_tickets_with_promised_times_in_few_queries(
    people, policy, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        make(people, state="in_progress")
    factories.ticket(requester=people.other_staff, team=people.team, at=NOW)
    client = client_for(people.requester)
    with django_assert_max_num_queries(14):  # approvals waiting; open and finished, newest of each kind
        html = client.get("/my/").content.decode()
    assert html.count('class="state state--in_progress"') == 3
    assert "promised it by" in html  # raised on 24 November: late by now
    for _ in range(10):
        make(people, state="in_progress")
        make(people, state="closed")
    with django_assert_max_num_queries(14):
        client.get("/my/")


def test_my_page_keeps_open_and_finished_apart_a_page_at_a_time_and_marks_a_late_promise(people, policy, client_for):
    opened = [make(people, state="in_progress") for _ in range(selectors.MY_PAGE + 2)]
    finished = [make(people, state="closed") for _ in range(3)]
    client = client_for(people.requester)
    page = client.get("/my/").content.decode()
    open_part = page.split('id="my-tickets"', 1)[1].split('id="my-done"', 1)[0]
    done_part = page.split('id="my-done"', 1)[1].split('id="my-services"', 1)[0]
    assert opened[-1].reference in open_part and finished[0].reference not in open_part
    assert all(t.reference in done_part for t in finished) and opened[-1].reference not in done_part
    assert opened[0].reference not in open_part and "?open=2" in open_part  # 22 open: two left for page 2
    second = client.get("/my/?open=2").content.decode().split('id="my-tickets"', 1)[1].split('id="my-done"', 1)[0]
    assert opened[0].reference in second and opened[1].reference in second and opened[-1].reference not in second
    assert "?open=1" in second  # back to the newer ones
    someone = people.other_staff
    late = factories.ticket(
        requester=someone, team=people.team, state="in_progress", at=timezone.now() - timedelta(days=30)
    )
    fresh = factories.ticket(requester=someone, team=people.team, state="in_progress", at=timezone.now())
    page = client_for(someone).get("/my/").content.decode()
    assert "late: we promised it by" in page.split(late.reference, 1)[1].split("</li>", 1)[0]
    on_time = page.split(fresh.reference, 1)[1].split("</li>", 1)[0]
    assert "promised by" in on_time and "late" not in on_time
    assert client.get("/my/?open=abc&done=99999999999999999999").status_code == 200  # odd pages: the first


def test_my_list_merges_what_i_asked_for_and_what_i_raised_newest_first(people, policy):
    def raised(at, requester, raiser):
        made = factories.ticket(requester=requester, team=people.team, at=at)
        Ticket.objects.filter(pk=made.pk).update(raised_by=raiser)
        return made.reference

    mine = raised(NOW, people.requester, people.requester)
    for_someone = raised(NOW + timedelta(hours=1), people.other_staff, people.requester)  # on their behalf
    raised(NOW + timedelta(hours=2), people.other_staff, people.other_staff)  # nothing to do with me
    assert [t.reference for t in selectors.my_tickets(people.requester)] == [for_someone, mine]
    assert [t.reference for t in selectors.my_tickets(people.requester, limit=1)] == [for_someone]
    assert [t.reference for t in selectors.my_tickets(people.other_staff)][1:] == [for_someone]
    assert selectors.my_tickets(people.analyst) == []


def test_confirm_reopen_and_cancel_from_the_ticket_page(people, policy, client_for):
    made = make(people, state="resolved")
    client = client_for(people.requester)
    page = client.get(f"/my/tickets/{made.reference}/").content.decode()
    assert 'value="confirm"' in page and 'value="reopen"' in page and 'value="resolve"' not in page
    refused = client.post(f"/my/tickets/{made.reference}/act/", {"action": "reopen", "text": ""})
    assert refused.status_code == 400 and "Please say a few words first." in refused.content.decode()
    forged = client.post(f"/my/tickets/{made.reference}/act/", {"action": "resolve", "text": "I resolve it"})
    assert forged.status_code == 409
    done = client.post(f"/my/tickets/{made.reference}/act/", {"action": "confirm", "text": ""})
    assert done.status_code == 302
    made.refresh_from_db()
    assert made.state == State.CLOSED


def test_asking_the_requester_tells_them(people, policy, django_capture_on_commit_callbacks):
    made = make(people, state="in_progress")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.perform(made, "wait_on_requester", by=people.analyst, text="Which model is it?")
    assert [m.to for m in mail.outbox] == [[people.requester.email]]
    assert "Which model is it?" in mail.outbox[0].body


def test_an_analyst_raises_an_incident_for_someone_who_cant(people, policy, client_for):
    factories.TeamFactory(slug="service-desk", members=[people.analyst])
    data = {
        "title": "Their screen is black",
        "description": "",
        "impact": "low",
        "urgency": "high",
        "service": "",
        "requester": people.requester.username,
    }
    assert client_for(people.analyst).post("/my/report/", data).status_code == 302
    made = Ticket.objects.get()
    assert (made.requester, made.raised_by) == (people.requester, people.analyst)
    client_for(people.other_staff).post("/my/report/", {**data, "title": "Not for them", "channel": "phone"})
    theirs = Ticket.objects.get(title="Not for them")
    assert theirs.requester == people.other_staff  # the field is not theirs
    assert theirs.channel == Channel.PORTAL  # nor is this one


def test_an_analyst_says_how_the_caller_got_in_touch(people, policy, client_for):
    factories.TeamFactory(slug="service-desk", members=[people.analyst])
    analyst = client_for(people.analyst)
    form = analyst.get("/my/report/").content.decode()
    assert "How did they get in touch?" in form and 'value="walk_in"' in form
    assert "How did they get in touch?" not in client_for(people.requester).get("/my/report/").content.decode()
    data = {"title": "Printer jam", "impact": "low", "urgency": "high", "requester": people.requester.username}
    assert analyst.post("/my/report/", {**data, "channel": "walk_in"}).status_code == 302
    made = Ticket.objects.get(title="Printer jam")
    assert made.channel == Channel.WALK_IN
    assert made.events.get(kind=EventKind.CREATED).data["channel"] == "walk_in"
    assert "Came in by</dt><dd>Walk-in" in analyst.get(f"/my/tickets/{made.reference}/").content.decode()
    # For themselves it came in by the portal, whatever the box says; a made-up way in is refused.
    assert (
        analyst.post("/my/report/", {**data, "requester": "", "title": "Mine", "channel": "phone"}).status_code == 302
    )
    assert Ticket.objects.get(title="Mine").channel == Channel.PORTAL
    refused = analyst.post("/my/report/", {**data, "title": "Forged", "channel": "carrier-pigeon"})
    assert refused.status_code == 400 and not Ticket.objects.filter(title="Forged").exists()
    # The desk filters by it.
    desk = analyst.get("/desk/", {"state": "", "channel": "walk_in"}).content.decode()
    assert made.reference in desk and Ticket.objects.get(title="Mine").reference not in desk


def test_cancelling_a_service_shows_what_it_means_and_asks_to_confirm(people, policy, client_for):
    from catalogue.models import Submission

    service = ServiceFactory(owner_team=people.team, cancel_stops="Your number stops working.")
    request_type = factories.RequestTypeFactory(service=service, monthly_price=25)
    submission = Submission.objects.create(
        request_type=request_type,
        requester=people.requester,
        raised_by=people.requester,
        one_off_price=0,
        monthly_price=25,
    )
    had = services.raise_from_submission(submission)
    services.perform(had, "start", by=people.analyst)
    services.perform(had, "resolve", by=people.analyst, text="Delivered.")
    client = client_for(people.requester)
    assert f"/my/services/{had.reference}/cancel/" in client.get("/my/").content.decode()
    page = client.get(f"/my/services/{had.reference}/cancel/").content.decode()
    assert "Your number stops working." in page
    unconfirmed = client.post(f"/my/services/{had.reference}/cancel/", {"text": "Leaving"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.content.decode()
    done = client.post(f"/my/services/{had.reference}/cancel/", {"text": "Leaving", "confirm": "1"})
    assert done.status_code == 302
    assert Ticket.objects.filter(title=f"Cancel: {service.name}", requester=people.requester).exists()
    assert client_for(people.other_staff).get(f"/my/services/{had.reference}/cancel/").status_code == 404
