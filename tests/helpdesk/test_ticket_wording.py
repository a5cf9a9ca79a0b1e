"""Every box an analyst types in (or picks from) on a ticket says whether the requester will see it,
and the sentence is true: each box is posted as the page's own form posts it, then the requester's view
of the ticket and the requester's mail are searched for what was typed. History reads in words."""

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from django.core import mail

from helpdesk import services
from helpdesk.services import NEEDS_TEXT
from helpdesk.visibility import REACH, Reach
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
MARKER = "Zebra-7431 marker words"


def _page(client, ticket) -> BeautifulSoup:
    response = client.get(f"/my/tickets/{ticket.reference}/")
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def _boxes(page: BeautifulSoup) -> list:
    """Every place on the ticket a person types or picks something, except the file pickers and hidden
    fields (the page's foot, the language switch, is not about the ticket)."""
    return [
        tag
        for tag in page.find("main").find_all(["textarea", "select", "input"])
        if tag.name != "input" or tag.get("type") not in ("hidden", "file", "checkbox", "submit")
    ]


def _sentence(page: BeautifulSoup, box) -> str:
    """The words the box is described by (aria-describedby), as a screen reader reads them."""
    ids = (box.get("aria-describedby") or "").split()
    return " ".join(page.find(id=i).get_text(" ", strip=True) for i in ids if page.find(id=i))


def _post_box(client, page: BeautifulSoup, box, value: str):
    """Post the box's own form with `value` in the box, by the form's only (or the box's) button."""
    form = box.find_parent("form")
    data = {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden") if i.get("name")}
    data.pop("csrfmiddlewaretoken", None)
    data[box["name"]] = value
    button = form.find("button")
    if button.get("name"):
        data[button["name"]] = button["value"]
    return client.post(form["action"], data)


def _words_the_requester_reads(client_for, people, ticket) -> str:
    """The requester's page as read, not its markup: a short word such as "P1" can turn up in a CSRF token."""
    return _page(client_for(people.requester), ticket).get_text(" ")


def _what_the_requester_gets(client_for, people, ticket, marker: str) -> tuple[bool, bool]:
    on_page = marker in _words_the_requester_reads(client_for, people, ticket)
    mailed = any(marker in m.body for m in mail.outbox if people.requester.email in m.to)
    return on_page, mailed


def _reach_of(on_page: bool, mailed: bool) -> Reach:
    assert on_page or not mailed, "mailed to the requester but not shown on their page"
    return Reach.MAIL if mailed else Reach.PAGE if on_page else Reach.TEAM


# The boxes of an analyst's ticket page: (state the ticket is in, the box's id, what posting it does).
TEXT_BOXES = [
    ("in_progress", "id_body", "reply"),
    ("in_progress", "act-cancel", "cancel"),
    ("resolved", "act-reopen", "reopen"),
]


@pytest.mark.parametrize(("state", "box_id", "what"), TEXT_BOXES)
def test_each_text_box_tells_the_truth_about_who_reads_it(
    people, policy, client_for, django_capture_on_commit_callbacks, state, box_id, what
):
    ticket = factories.ticket(requester=people.requester, team=people.team, state=state, at=NOW)
    analyst = client_for(people.analyst)
    page = _page(analyst, ticket)
    box = page.find(id=box_id)
    said = _sentence(page, box)
    assert said == str(REACH[what].label)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post_box(analyst, page, box, MARKER)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert said == str(_reach_of(*_what_the_requester_gets(client_for, people, ticket, MARKER)).label)


# The composer's choices: (the radio or option that is picked, its field's value, what posting it does).
COMPOSER_CHOICES = [
    ({"internal": "1"}, "mode-note-seen", "note"),
    ({"internal": ""}, "mode-reply-seen", "reply"),
    ({"internal": "", "then": "wait_on_requester"}, "compose-then-seen", "wait_on_requester"),
    ({"internal": "", "then": "resolve"}, "compose-then-seen", "resolve"),
]


@pytest.mark.parametrize(("choice", "sentence_id", "what"), COMPOSER_CHOICES)
def test_each_choice_in_the_composer_tells_the_truth_about_who_reads_the_words(
    people, policy, client_for, django_capture_on_commit_callbacks, choice, sentence_id, what
):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    analyst = client_for(people.analyst)
    page = _page(analyst, ticket)
    said = page.find(id=sentence_id).get_text(" ", strip=True)
    assert said == str(REACH[what].label)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(f"/my/tickets/{ticket.reference}/reply/", {"body": MARKER, **choice})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert said == str(_reach_of(*_what_the_requester_gets(client_for, people, ticket, MARKER)).label)


def test_each_choice_of_the_team_tells_the_truth_about_who_sees_it(
    people, policy, client_for, django_capture_on_commit_callbacks
):
    second = factories.UserFactory(username="second", first_name="Quentin", last_name="Quillfeather")
    people.team.members.add(second)
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    analyst = client_for(people.analyst)
    # (box id, the option to pick, words the requester's page shows once it is picked)
    choices = [
        ("work-to", "second", "Quillfeather"),
        ("work-priority", "P1", "P1"),
        ("work-team", str(people.other_team.pk), people.other_team.name),
    ]
    for box_id, option, shown in choices:
        page = _page(analyst, ticket)
        box = page.find(id=box_id)
        assert shown not in _words_the_requester_reads(client_for, people, ticket)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert _post_box(analyst, page, box, option).status_code == 302
        assert _sentence(page, box) == str(
            _reach_of(*_what_the_requester_gets(client_for, people, ticket, shown)).label
        )


def test_every_box_on_an_analysts_page_says_who_reads_it(people, policy, client_for):
    """No box is left unlabelled, in any state where the page has boxes (a new box must join the rule)."""
    for state in ("new", "in_progress", "waiting_requester", "waiting_provider", "resolved"):
        ticket = factories.ticket(requester=people.requester, team=people.team, state=state, at=NOW)
        page = _page(client_for(people.analyst), ticket)
        boxes = _boxes(page)
        assert boxes, state
        sentences = {str(reach.label) for reach in Reach}
        for box in boxes:
            assert _sentence(page, box) in sentences, (state, box.get("id"))


def test_every_transition_that_takes_text_has_a_reach_and_the_requester_gets_no_sentences(people, policy, client_for):
    assert set(NEEDS_TEXT) <= set(REACH)
    ticket = factories.ticket(requester=people.requester, team=people.team, state="resolved", at=NOW)
    page = _page(client_for(people.requester), ticket).get_text(" ")
    assert "reopen" in page.lower()
    assert not any(str(reach.label) in page for reach in Reach)


def test_a_refused_note_comes_back_in_the_note_box_with_what_was_typed(people, policy, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    response = client_for(people.analyst).post(
        f"/my/tickets/{ticket.reference}/reply/", {"body": "x" * 20_001, "internal": "1"}
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    note = page.find(id="id_body")
    assert note.get_text().strip().startswith("xxx")
    assert str(Reach.TEAM.label) in _sentence(page, note)  # still said, beside the error
    assert page.find("input", {"name": "internal", "value": "1"}).has_attr("checked")  # still a note


def test_a_refused_step_keeps_its_box_open_with_what_was_typed(people, policy, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    response = client_for(people.analyst).post(
        f"/my/tickets/{ticket.reference}/act/", {"action": "cancel", "text": "y" * 5_001}
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    box = page.find(id="act-cancel")
    assert box.get_text().startswith("yyy")
    assert box.find_parent("details").has_attr("open")


def test_a_refused_composer_keeps_the_words_the_step_and_leaves_nothing_behind(people, policy, client_for):
    """A resolution can't be an internal note: refused with a 400, the words and choices still there."""
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    response = client_for(people.analyst).post(
        f"/my/tickets/{ticket.reference}/reply/", {"body": "Swapped the cable.", "internal": "1", "then": "resolve"}
    )
    assert response.status_code == 400
    page = BeautifulSoup(response.content, "html.parser")
    assert page.find(id="id_body").get_text().strip() == "Swapped the cable."
    assert page.find(id="compose-then").find("option", selected=True)["value"] == "resolve"
    assert "can't be an internal note" in page.get_text()
    ticket.refresh_from_db()
    assert ticket.state == "in_progress" and not ticket.messages.exists()


def test_a_step_taken_by_someone_else_meanwhile_is_no_longer_offered(people, policy, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress", at=NOW)
    services.perform(ticket, "resolve", by=people.analyst, text="Done elsewhere.")
    stale = client_for(people.analyst).post(
        f"/my/tickets/{ticket.reference}/act/", {"action": "wait_on_requester", "text": "Which floor?"}
    )
    assert stale.status_code == 409
    page = BeautifulSoup(stale.content, "html.parser")
    assert page.find(id="act-wait_on_requester") is None  # no longer on offer: the ticket is resolved
    assert "Which floor?" not in page.get_text()  # nothing was added


def test_history_is_written_for_its_reader_never_in_keys(people, policy, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="waiting_requester", at=NOW)
    services.change_priority(ticket, by=people.analyst, priority="P2", at=NOW)
    requester = _page(client_for(people.requester), ticket)
    history = requester.find(id="history").find_parent("section").get_text(" ")
    assert "Work started" in history and "Asked you a question" in history
    assert "Priority changed from P3 medium to P2 high" in history
    assert "Waiting on you" in requester.get_text(" ")  # the state, in the requester's words
    analyst = _page(client_for(people.analyst), ticket)
    history = analyst.find(id="history").find_parent("section").get_text(" ")
    assert "Asked the requester a question" in history and "Asked you" not in history
    assert "Waiting on the requester" in analyst.get_text(" ") and "Waiting on you" not in analyst.get_text(" ")
    for page in (requester, analyst):
        text = page.get_text(" ")
        assert "waiting_requester" not in text and "in_progress" not in text and "state_changed" not in text
    desk = client_for(people.analyst).get("/desk/").content.decode()
    assert "Waiting on the requester" in desk and "Waiting on you" not in desk


def test_every_transition_has_words_for_both_readers():
    from helpdesk import history
    from helpdesk.models import Ticket

    names = {t.name for t in Ticket._meta.get_field("state").get_all_transitions(Ticket)}
    # assign logs "Assigned to …" itself and a move "Moved from team … to team …": their state lines say
    # where the ticket now stands.
    assert names - {"assign", "move_to"} <= set(history.ACTIONS)
    for team_words, requester_words in history.ACTIONS.values():
        assert team_words and requester_words and "_" not in team_words + requester_words
