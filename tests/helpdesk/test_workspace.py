"""The analyst's workspace: one composer with canned replies, the requester card, people copied in, links,
merging a duplicate, a major incident with its parts, the supplier's reference. Everything is driven
through the pages (or the public services) and checked on the pages and in the mail people get."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.core import mail

from helpdesk import relations, services
from helpdesk.history import describe
from helpdesk.models import CannedReply, EventKind, State, Ticket
from helpdesk.services import Refused
from sla.models import Clock
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def _page(client, ticket, query: str = "") -> BeautifulSoup:
    response = client.get(f"/my/tickets/{ticket.reference}/{query}")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _relate(client, ticket, **data):
    return client.post(f"/my/tickets/{ticket.reference}/relate/", data)


@pytest.fixture
def broken(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)


def test_the_analyst_sees_who_asked_beside_the_conversation_and_the_requester_does_not(people, broken, client_for):
    other = factories.ticket(requester=people.requester, team=people.team, title="Screen flickers", at=NOW)
    elsewhere = factories.ServiceFactory(owner_team=people.other_team)
    hidden = factories.ticket(requester=people.requester, team=people.other_team, service=elsewhere, at=NOW)
    page = _page(client_for(people.analyst), broken)
    card = page.find(id="requester").find_parent("section").get_text(" ", strip=True)
    person = people.requester
    for fact in (str(person), person.grade.name, person.division.name, person.location.name, person.email):
        assert fact in card
    assert other.reference in card  # their other open tickets the analyst may see
    assert hidden.reference not in card
    assert page.find(id="reply") and not page.find(id="note")  # one composer, not two boxes
    assert "Your answers" not in page.get_text()

    requesters = _page(client_for(people.requester), broken)
    assert requesters.find(id="requester") is None and requesters.find(id="links") is None


def test_a_canned_reply_fills_the_composer_and_sending_it_resolves_and_sets_the_priority(
    people, broken, client_for, django_capture_on_commit_callbacks
):
    canned = CannedReply.objects.create(
        team=people.team, title="Password reset", body="I reset your password.", action="resolve", priority="P4"
    )
    foreign = CannedReply.objects.create(team=people.other_team, title="Theirs", body="Not ours.")
    analyst = client_for(people.analyst)
    page = _page(analyst, broken, f"?canned={canned.pk}")
    assert page.find(id="id_body").get_text().strip() == "I reset your password."
    assert page.find(id="compose-then").find("option", selected=True)["value"] == "resolve"
    assert page.find(id="compose-priority").find("option", selected=True)["value"] == "P4"
    assert "Not ours." not in str(_page(analyst, broken, f"?canned={foreign.pk}").find(id="id_body"))

    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(
            f"/my/tickets/{broken.reference}/reply/",
            {"body": "I reset your password.", "internal": "", "then": "resolve", "priority": "P4"},
        )
    assert response.status_code == 302
    broken.refresh_from_db()
    assert (broken.state, broken.priority, broken.resolution) == ("resolved", "P4", "I reset your password.")
    assert any("I reset your password." in m.body for m in mail.outbox if people.requester.email in m.to)


def test_an_internal_note_with_a_step_that_needs_no_words_takes_the_step_and_stays_internal(people, policy, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="new", at=NOW)
    analyst = client_for(people.analyst)
    response = analyst.post(
        f"/my/tickets/{ticket.reference}/reply/", {"body": "Looks like the dock.", "internal": "1", "then": "start"}
    )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.state == "in_progress"
    assert ticket.messages.get().internal
    assert "Looks like the dock." not in _page(client_for(people.requester), ticket).get_text()


def test_merging_a_duplicate_moves_its_messages_tells_its_requester_and_leaves_a_pointer(
    people, policy, client_for, django_capture_on_commit_callbacks
):
    original = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    duplicate = factories.ticket(
        requester=people.other_staff, team=people.team, state="new", at=NOW, title="Laptop dead"
    )
    services.reply(duplicate, by=people.other_staff, body="Mine is dead too, since Monday.")
    analyst = client_for(people.analyst)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _relate(analyst, duplicate, op="merge", other=original.reference.lower())
    assert response.status_code == 302 and response["Location"].endswith(f"/{original.reference}/")

    duplicate.refresh_from_db()
    assert duplicate.state == State.CLOSED and duplicate.merged_into_id == original.pk
    assert not Clock.objects.filter(subject_id=duplicate.pk, stopped_at=None).exists()
    assert original.messages.filter(body__startswith="Mine is dead too").exists()
    told = [m for m in mail.outbox if people.other_staff.email in m.to]
    assert told and original.reference in told[0].body
    # The duplicate's requester follows the work on the ticket that carries on.
    page = _page(client_for(people.other_staff), original)
    assert "Mine is dead too" in page.get_text()
    pointer = _page(client_for(people.other_staff), duplicate)
    assert pointer.find("a", href=f"/my/tickets/{original.reference}/")
    assert "Joined with" in pointer.get_text() and "close_as_duplicate" not in pointer.get_text()


@pytest.mark.parametrize(
    ("who", "other", "status"),
    [
        ("requester", "original", 403),  # not the team
        ("other_analyst", "original", 403),
        ("analyst", "itself", 400),
        ("analyst", "INC-999999", 400),
        ("analyst", "closed", 409),
    ],
)
def test_a_merge_that_cannot_be_done_is_refused_in_words_and_changes_nothing(
    people, policy, client_for, who, other, status
):
    original = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    closed = factories.ticket(requester=people.requester, team=people.team, state="closed", at=NOW)
    duplicate = factories.ticket(requester=people.requester, team=people.team, state="new", at=NOW)
    reference = {"original": original.reference, "itself": duplicate.reference, "closed": closed.reference}.get(
        other, other
    )
    client = client_for(getattr(people, who))
    response = _relate(client, duplicate, op="merge", other=reference)
    assert response.status_code in (status, 404)  # 404 where the person may not see the duplicate at all
    if response.status_code != 404:
        assert response.status_code == status
        assert BeautifulSoup(response.content, "html.parser").find(class_="errorsummary")
    duplicate.refresh_from_db()
    assert duplicate.state == State.NEW and duplicate.merged_into_id is None


def test_resolving_a_major_incident_resolves_its_parts_with_one_message(
    people, policy, client_for, django_capture_on_commit_callbacks
):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy, name="Wi-Fi")
    major = factories.ticket(requester=people.requester, team=people.team, state="in_progress", service=service)
    reporters = [factories.UserFactory() for _ in range(3)]
    parts = [factories.ticket(requester=person, team=people.team, service=service) for person in reporters]
    parts[1] = factories.ticket(requester=reporters[1], team=people.team, service=service, state="in_progress")
    elsewhere = factories.ServiceFactory(owner_team=people.other_team, policy=policy)
    foreign = factories.ticket(requester=people.other_staff, team=people.other_team, service=elsewhere)
    analyst = client_for(people.analyst)
    assert _relate(analyst, major, op="major").status_code == 302
    for part in parts:
        assert _relate(analyst, part, op="attach", other=major.reference).status_code == 302
    relations.attach(foreign, parent=major, by=people.manager)
    page = _page(analyst, major)
    assert "Major incident" in page.find("h1").get_text()
    assert "3 tickets are part of this one" in page.get_text()  # the fourth is another team's

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(
            f"/my/tickets/{major.reference}/reply/",
            {"body": "The access points are back.", "internal": "", "then": "resolve"},
        )
    assert response.status_code == 302
    for part in parts:
        part.refresh_from_db()
        assert (part.state, part.resolution) == ("resolved", "The access points are back.")
    for person in reporters:
        assert any("The access points are back." in m.body for m in mail.outbox if person.email in m.to)
    foreign.refresh_from_db()
    assert foreign.state == "new"  # another team's ticket stays for its team, still naming its parent
    assert "Part of" in _page(client_for(people.other_analyst), foreign).get_text()


def test_a_parent_is_one_level_deep(people, policy):
    top = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    middle = factories.ticket(requester=people.requester, team=people.team)
    low = factories.ticket(requester=people.requester, team=people.team)
    relations.attach(middle, parent=top, by=people.analyst)
    with pytest.raises(Refused):
        relations.attach(low, parent=middle, by=people.analyst)
    with pytest.raises(Refused):
        relations.attach(top, parent=low, by=people.analyst)


def test_people_copied_in_read_along_and_hear_public_replies_only(
    people, broken, client_for, django_capture_on_commit_callbacks
):
    colleague = factories.UserFactory(username="colleague")
    analyst = client_for(people.analyst)
    assert client_for(colleague).get(f"/my/tickets/{broken.reference}/").status_code == 404
    assert _relate(analyst, broken, op="watch", person="COLLEAGUE").status_code == 302
    assert client_for(colleague).get(f"/my/tickets/{broken.reference}/").status_code == 200
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(broken, by=people.analyst, body="Public words.")
        services.reply(broken, by=people.analyst, body="Secret words.", internal=True)
    to_colleague = " ".join(m.body for m in mail.outbox if colleague.email in m.to)
    assert "Public words." in to_colleague and "Secret words." not in to_colleague
    assert "Secret words." not in _page(client_for(colleague), broken).get_text()

    assert _relate(analyst, broken, op="watch", person="nobody-here").status_code == 400
    assert _relate(client_for(colleague), broken, op="unwatch", person="colleague").status_code == 302
    assert client_for(colleague).get(f"/my/tickets/{broken.reference}/").status_code == 404


def test_linked_tickets_show_on_both_and_the_supplier_reference_is_kept(people, broken, client_for):
    other = factories.ticket(requester=people.other_staff, team=people.team, at=NOW)
    analyst = client_for(people.analyst)
    assert _relate(analyst, broken, op="link", other=other.reference).status_code == 302
    assert broken.reference in _page(analyst, other).find(id="links").find_parent("section").get_text()
    assert _relate(analyst, broken, op="provider_reference", provider_reference=" CASE-77 ").status_code == 302
    broken.refresh_from_db()
    assert broken.provider_reference == "CASE-77"
    assert _relate(analyst, broken, op="provider_reference", provider_reference="x" * 81).status_code == 400
    assert _relate(analyst, broken, op="unlink", other=other.reference).status_code == 302
    assert not broken.related.exists()
    assert _relate(analyst, broken, op="nonsense").status_code == 400


def test_every_new_history_line_reads_as_words(people, policy):
    major = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    part = factories.ticket(requester=people.requester, team=people.team)
    duplicate = factories.ticket(requester=people.requester, team=people.team)
    colleague = factories.UserFactory()
    relations.declare_major(major, by=people.analyst)
    relations.attach(part, parent=major, by=people.analyst)
    relations.detach(part, by=people.analyst)
    relations.link(part, major, by=people.analyst)
    relations.unlink(part, major, by=people.analyst)
    relations.watch(part, colleague, by=people.analyst)
    relations.unwatch(part, colleague, by=people.analyst)
    relations.set_provider_reference(part, "CASE-1", by=people.analyst)
    relations.merge(duplicate, into=major, by=people.analyst)
    events = list(Ticket.objects.get(pk=part.pk).events.all()) + list(major.events.all()) + list(duplicate.events.all())
    kinds = {event.kind for event in events}
    assert {*EventKind.values} - kinds <= {
        EventKind.ASSIGNED,
        EventKind.PRIORITY_CHANGED,
        EventKind.MOVED,
        EventKind.REPLY,
        EventKind.NOTE,
        # Sign-off's, worded in tests/helpdesk/test_approvals.py.
        EventKind.APPROVAL_ASKED,
        EventKind.APPROVED,
        EventKind.NOT_APPROVED,
    }
    for event in events:
        for team in (True, False):
            line = describe(event, team=team)
            assert line and "_" not in line and "{" not in line, (event.kind, line)


def test_the_workspace_is_read_in_a_bounded_number_of_queries(
    people, broken, client_for, django_assert_max_num_queries
):
    analyst = client_for(people.analyst)
    analyst.get(f"/my/tickets/{broken.reference}/")  # warm the per-process caches
    with django_assert_max_num_queries(45) as small:
        analyst.get(f"/my/tickets/{broken.reference}/")
    for _ in range(8):
        part = factories.ticket(requester=factories.UserFactory(), team=people.team)
        relations.attach(part, parent=broken, by=people.analyst)
        relations.watch(broken, factories.UserFactory(), by=people.analyst)
        services.reply(broken, by=people.analyst, body="More.")
    with django_assert_max_num_queries(len(small.captured_queries) + 3):
        analyst.get(f"/my/tickets/{broken.reference}/")


def test_managers_keep_each_teams_canned_replies_in_the_admin(people, client_for):
    manager = client_for(people.manager)
    response = manager.post(
        "/admin/cannedreply/new/",
        {"team": people.team.pk, "title": "Need more detail", "body": "Which floor?", "action": "", "priority": ""},
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    assert CannedReply.objects.get(team=people.team).body == "Which floor?"
    assert manager.get("/admin/cannedreply/").status_code == 200
    assert client_for(people.requester).get("/admin/cannedreply/").status_code in (302, 403)


def test_a_requester_copies_a_colleague_in_from_their_own_page(people, broken, client_for):
    colleague = factories.UserFactory(username="colleague")
    requester = client_for(people.requester)
    page = _page(requester, broken)
    form = page.find("button", {"value": "watch"}).find_parent("form")
    assert form.find("label", {"for": "watch-person"})  # labelled
    assert _relate(requester, broken, op="watch", person=colleague.email.upper()).status_code == 302
    assert str(colleague) in _page(client_for(colleague), broken).find(id="copied").find_parent("section").get_text()
    assert _relate(client_for(people.other_staff), broken, op="watch", person="other-staff").status_code == 404
