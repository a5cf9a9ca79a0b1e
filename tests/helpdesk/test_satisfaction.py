"""Satisfaction on resolved tickets: asked with the resolution, answered from the mail (signed, single-use,
expiring links whose page records nothing until its form is sent, so mail scanners record nothing) or on the
ticket page, changeable for a week; a poor answer opens a follow-up for the team's lead, closed only with what
was done."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from helpdesk import satisfaction, services
from helpdesk.models import FollowUp, Mail, Satisfaction, Ticket
from tests import factories

NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)  # a Tuesday, 10:00 in Stockholm
DAY = timedelta(days=1)


@pytest.fixture
def lead(people):
    """The lead of people.team: an analyst of it. people.analyst is in the team without leading it."""
    person = factories.UserFactory(username="lead")
    people.team.members.add(person)
    people.team.lead = person
    people.team.save(update_fields=["lead"])
    return person


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def resolved(people, requester=None, team=None) -> Ticket:
    return factories.ticket(requester=requester or people.requester, team=team or people.team, state="resolved")


def mails_to(address: str) -> list[Mail]:
    return [mail for mail in Mail.objects.order_by("pk") if address in mail.to]


def links(ticket: Ticket) -> dict[int, str]:
    """The one-click answers of the latest resolution mail, by score: the paths, as the mail has them."""
    mail = Mail.objects.filter(ticket=ticket, subject__contains="Resolved").latest("pk")
    found = re.findall(r"^(\d) – [^:\n]+: \S+?(/satisfaction/\S+/)$", mail.body, re.MULTILINE)
    return {int(score): path for score, path in found}


def answer(ticket: Ticket) -> Satisfaction:
    return Satisfaction.objects.get(ticket=ticket)


SEND_ON_LOAD = "data-send-on-load"  # the mark that lets static/js/satisfaction.js send the page's form


def send(path: str, score, comment: str = ""):
    """The form of a mailed link's page, sent: as the script does on load, or the person pressing Send."""
    return Client().post(path, {"score": str(score), "comment": comment})


def csrf_token(page) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


# -- asking ---------------------------------------------------------------------------------------------------


def test_resolving_asks_the_requester_with_five_links_in_plain_words(people, policy, clock):
    ticket = resolved(people)
    asked = answer(ticket)
    assert (asked.asked_at, asked.score, asked.answered_at, asked.links_used) == (NOW, None, None, [])
    [mail] = [m for m in mails_to(people.requester.email) if "Resolved" in m.subject]
    assert sorted(links(ticket)) == [1, 2, 3, 4, 5]
    assert len(set(links(ticket).values())) == 5
    for words in ("1 – Very dissatisfied", "3 – Neither satisfied nor dissatisfied", "5 – Very satisfied"):
        assert words in mail.body
    assert "no need to sign in" in mail.body and "30 days" in mail.body


def test_a_requester_who_resolves_their_own_ticket_is_not_asked(people, policy, clock):
    ticket = factories.ticket(requester=people.analyst, team=people.team, state="resolved")
    assert not Satisfaction.objects.filter(ticket=ticket).exists()
    assert links(ticket) == {}


def test_resolving_again_asks_again_and_voids_the_old_links(people, policy, clock, client_for):
    ticket = resolved(people)
    old = links(ticket)
    assert send(old[4], 4).status_code == 200
    clock.shift(DAY)
    services.perform(ticket, "reopen", by=people.requester, text="Still broken.")
    assert Client().get(old[5]).status_code == 409  # reopened: nothing to rate
    assert send(old[5], 5).status_code == 409
    services.perform(ticket, "resolve", by=people.analyst, text="Replaced the disk too.")
    asked = answer(ticket)
    assert (asked.asked_at, asked.score, asked.links_used) == (NOW + DAY, None, [])
    for response in (Client().get(old[5]), send(old[5], 5)):
        assert response.status_code == 410 and "This link has expired; open your ticket to answer." in response.text
        assert SEND_ON_LOAD not in response.text
    assert answer(ticket).score is None
    assert send(links(ticket)[5], 5).status_code == 200
    assert answer(ticket).score == 5


# -- from the mail: opening a link shows the answer; sending it records ----------------------------------------


def test_opening_a_link_records_nothing_and_offers_its_answer_to_send(people, policy, clock):
    ticket = resolved(people)
    path = links(ticket)[4]
    before, mails, changed = answer(ticket), Mail.objects.count(), Ticket.objects.get(pk=ticket.pk).updated_at
    clock.shift(timedelta(hours=1))
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    assert response.status_code == 200
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    after = answer(ticket)
    assert (after.score, after.comment, after.answered_at, after.links_used) == (
        before.score,
        before.comment,
        before.answered_at,
        before.links_used,
    )
    assert (after.score, after.links_used) == (None, [])
    assert not FollowUp.objects.exists() and Mail.objects.count() == mails
    assert Ticket.objects.get(pk=ticket.pk).updated_at == changed  # reports see no change either
    html = response.text
    form = re.search(r"<form [^>]*>", html).group(0)
    assert 'method="post"' in form and f'action="{path}"' in form and "data-send-on-load" in form
    assert 'name="csrfmiddlewaretoken"' in html
    assert re.search(r'<input type="radio" name="score" value="4" id="satisfaction-score-4" checked>', html)
    assert html.count(" checked>") == 1  # the link's score, and only it, is chosen; the others are offered
    for words in ("1 – Very dissatisfied", "4 – Satisfied", "5 – Very satisfied"):
        assert words in html
    assert "Anything you would like to add? (optional)" in html and 'name="comment"' in html
    main = html[html.index("<main") : html.index("</main>")]  # the page's foot has the language switch
    assert re.findall(r"<button[^>]*>([^<]*)</button>", main) == ["Send"]
    assert '<script src="/static/js/satisfaction.js" defer></script>' in html
    assert "<script>" not in html  # a strict CSP forbids inline scripts


def test_a_scanner_opening_every_link_then_the_person_sending_2_records_2_with_one_follow_up(
    people, policy, lead, clock
):
    ticket = resolved(people)
    paths = links(ticket)
    scanner = Client()
    for score in (1, 2, 3, 4, 5):  # a mail scanner opens every link in the mail, in order
        assert "data-send-on-load" in scanner.get(paths[score]).text
    assert (answer(ticket).score, answer(ticket).links_used) == (None, [])
    assert not FollowUp.objects.exists() and mails_to(lead.email) == []

    clock.shift(timedelta(minutes=5))
    person = Client(enforce_csrf_checks=True)
    page = person.get(paths[2])
    response = person.post(paths[2], {"score": "2", "comment": "", "csrfmiddlewaretoken": csrf_token(page)})
    assert response.status_code == 200 and "Thank you for your answer" in response.text
    assert "2 – Dissatisfied" in response.text and SEND_ON_LOAD not in response.text
    recorded = answer(ticket)
    assert (recorded.score, recorded.answered_at, recorded.links_used) == (2, NOW + timedelta(minutes=5), [2])
    assert FollowUp.objects.count() == 1 and len(mails_to(lead.email)) == 1
    again = scanner.get(paths[2])  # opened again: the answer as recorded, nothing to send
    assert "This link was used already, so nothing changed." in again.text and SEND_ON_LOAD not in again.text


def test_sending_records_the_answer_without_logging_in(people, policy, clock):
    ticket = resolved(people)
    clock.shift(timedelta(hours=1))
    response = send(links(ticket)[4], 4)
    assert response.status_code == 200
    assert "Thank you for your answer" in response.text and "4 – Satisfied" in response.text
    assert 'name="comment"' in response.text  # the comment box, as after the answer
    recorded = answer(ticket)
    assert (recorded.score, recorded.answered_at, recorded.links_used) == (4, NOW + timedelta(hours=1), [4])
    assert Ticket.objects.get(pk=ticket.pk).updated_at == NOW + timedelta(hours=1)  # reports see it changed
    assert not FollowUp.objects.exists()


def test_the_person_may_choose_another_answer_and_comment_before_sending(people, policy, lead, clock):
    ticket = resolved(people)
    paths = links(ticket)
    response = send(paths[4], 1, comment="  Nobody called me back  ")
    assert response.status_code == 200 and "1 – Very dissatisfied" in response.text
    recorded = answer(ticket)
    assert (recorded.score, recorded.comment, recorded.links_used) == (1, "Nobody called me back", [4])
    [told] = mails_to(lead.email)
    assert "1 – Very dissatisfied" in told.body and "Nobody called me back" in told.body
    assert SEND_ON_LOAD not in Client().get(paths[4]).text  # that link is used now
    page = Client().get(paths[5])  # another link may still change it; the comment comes along
    assert SEND_ON_LOAD in page.text and "Nobody called me back</textarea>" in page.text


def test_a_score_that_is_not_1_to_5_is_refused_and_what_was_typed_kept(people, policy, clock):
    ticket = resolved(people)
    path = links(ticket)[3]
    for score in ("9", "", "x", "0"):
        response = send(path, score, comment="Kept while I fix the score")
        assert response.status_code == 400, score
        assert "Choose a number from 1 to 5." in response.text and "Kept while I fix the score" in response.text
        assert SEND_ON_LOAD not in response.text
    with pytest.raises(satisfaction.Declined) as refused:  # the rule holds without the form too
        satisfaction.record_from_link(path.split("/")[2], score=9)
    assert refused.value.status == 400
    assert (answer(ticket).score, answer(ticket).links_used) == (None, [])


def test_the_same_link_again_changes_nothing(people, policy, clock):
    ticket = resolved(people)
    paths = links(ticket)
    send(paths[4], 4)
    clock.shift(DAY)
    send(paths[2], 2)
    assert answer(ticket).score == 2
    clock.shift(DAY)
    for again in (send(paths[4], 4, comment="Sent twice"), Client().get(paths[4])):
        assert again.status_code == 200 and "This link was used already, so nothing changed." in again.text
        assert "2 – Dissatisfied" in again.text  # the answer as recorded
        assert SEND_ON_LOAD not in again.text
    recorded = answer(ticket)
    assert (recorded.score, recorded.comment, recorded.answered_at, recorded.links_used) == (2, "", NOW, [4, 2])


def test_another_answer_within_seven_days_updates_it(people, policy, clock):
    ticket = resolved(people)
    paths = links(ticket)
    send(paths[3], 3)
    clock.shift(7 * DAY - timedelta(minutes=1))
    assert send(paths[5], 5).status_code == 200
    recorded = answer(ticket)
    assert (recorded.score, recorded.answered_at) == (5, NOW)  # first given then; changed now


def test_after_seven_days_the_answer_stays(people, policy, clock):
    ticket = resolved(people)
    paths = links(ticket)
    send(paths[3], 3)
    clock.shift(7 * DAY)
    for response in (Client().get(paths[5]), send(paths[5], 5)):
        assert response.status_code == 409 and "can no longer be changed" in response.text
        assert "3 – Neither satisfied nor dissatisfied" in response.text
        assert SEND_ON_LOAD not in response.text and 'name="score"' not in response.text
    assert answer(ticket).score == 3


def test_a_link_expires_thirty_days_after_asking(people, policy, clock):
    ticket = resolved(people)
    path = links(ticket)[5]
    clock.shift(30 * DAY)
    for response in (Client().get(path), send(path, 5)):
        assert response.status_code == 410
        assert "This link has expired; open your ticket to answer." in response.text
        assert SEND_ON_LOAD not in response.text
    assert answer(ticket).score is None


def test_forged_or_mangled_links_are_refused_plainly(people, policy, clock):
    ticket = resolved(people)
    asked = answer(ticket)
    genuine = links(ticket)[5].split("/")[2]
    forged = [
        "garbage",
        genuine[:-2] + ("AA" if not genuine.endswith("AA") else "BB"),  # the signature altered
        signing.dumps([asked.pk, 1, satisfaction._stamp(asked.asked_at)]),  # signed without our salt
        signing.dumps([asked.pk, 9, satisfaction._stamp(asked.asked_at)], salt=satisfaction.SALT),  # no such score
        signing.dumps({"id": asked.pk}, salt=satisfaction.SALT),
        signing.dumps([asked.pk + 1000, 5, satisfaction._stamp(asked.asked_at)], salt=satisfaction.SALT),
        "x" * 5000,
    ]
    for token in forged:
        response = Client().get(f"/satisfaction/{token}/")
        assert response.status_code == 404, token
        assert "recognise this link" in response.text and "not one of ours" in response.text
        assert SEND_ON_LOAD not in response.text
        assert Client().post(f"/satisfaction/{token}/", {"comment": "hello"}).status_code == 404, token
        assert send(f"/satisfaction/{token}/", 1, comment="hello").status_code == 404, token
    assert answer(ticket).score is None and answer(ticket).comment == ""


def test_a_comment_through_the_link_needs_its_form_and_keeps_to_the_week(people, policy, clock):
    ticket = resolved(people)
    path = links(ticket)[4]
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(path)
    assert browser.post(path, {"score": "4"}).status_code == 403  # no CSRF token
    assert answer(ticket).score is None
    token = csrf_token(page)
    thanks = browser.post(path, {"score": "4", "comment": "", "csrfmiddlewaretoken": token})
    assert thanks.status_code == 200 and "Save the comment" in thanks.text
    assert browser.post(path, {"comment": "Quick, thanks"}).status_code == 403  # no CSRF token
    response = browser.post(path, {"comment": "Quick, thanks", "csrfmiddlewaretoken": token})
    assert response.status_code == 200 and "Your comment is saved." in response.text
    assert (answer(ticket).score, answer(ticket).comment) == (4, "Quick, thanks")
    too_long = browser.post(path, {"comment": "x" * 5001, "csrfmiddlewaretoken": token})
    assert too_long.status_code == 400 and "x" * 5001 in too_long.text  # kept, to shorten
    clock.shift(7 * DAY)
    late = browser.post(path, {"comment": "Changed my mind", "csrfmiddlewaretoken": token})
    assert late.status_code == 409
    assert answer(ticket).comment == "Quick, thanks"


def test_a_comment_alone_before_any_answer_is_refused(people, policy, clock):
    ticket = resolved(people)
    response = Client().post(links(ticket)[4], {"comment": "Hello"})
    assert response.status_code == 400 and "Choose how satisfied you are first." in response.text
    assert (answer(ticket).score, answer(ticket).comment) == (None, "")


# -- on the ticket page --------------------------------------------------------------------------------------


def test_the_requester_answers_on_the_ticket_page_and_the_team_reads_it(people, policy, clock, client_for):
    ticket = resolved(people)
    page = f"/my/tickets/{ticket.reference}/"
    post = f"/my/tickets/{ticket.reference}/satisfaction/"
    requester = client_for(people.requester)
    assert f'action="{post}"' in requester.get(page).text
    bad = requester.post(post, {"score": "9", "comment": "Kept while I fix the score"})
    assert bad.status_code == 400
    assert "Choose a number from 1 to 5." in bad.text and "Kept while I fix the score" in bad.text
    assert requester.post(post, {"score": "5", "comment": "Fast"}).status_code == 302
    assert (answer(ticket).score, answer(ticket).comment) == (5, "Fast")

    analyst = client_for(people.analyst)
    html = analyst.get(page).text
    assert "5 – Very satisfied" in html and "Fast" in html and f'action="{post}"' not in html
    assert analyst.post(post, {"score": "1"}).status_code == 403
    assert client_for(people.other_staff).post(post, {"score": "1"}).status_code == 404
    assert "How did we do?" not in client_for(people.other_staff).get(page).text
    assert answer(ticket).score == 5

    clock.shift(7 * DAY)
    assert f'action="{post}"' not in requester.get(page).text
    late = requester.post(post, {"score": "1", "comment": "Actually no"})
    assert late.status_code == 409 and "Actually no" in late.text
    assert answer(ticket).score == 5


def test_no_question_while_the_ticket_is_open(people, policy, clock, client_for):
    ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    post = f"/my/tickets/{ticket.reference}/satisfaction/"
    assert "How did we do?" not in client_for(people.requester).get(f"/my/tickets/{ticket.reference}/").text
    assert client_for(people.requester).post(post, {"score": "4"}).status_code == 409


# -- follow-ups ----------------------------------------------------------------------------------------------


def test_a_poor_answer_opens_a_follow_up_and_tells_the_lead(people, policy, lead, clock, client_for):
    ticket = resolved(people)
    paths = links(ticket)
    send(paths[1], 1)
    follow_up = FollowUp.objects.get()
    assert (follow_up.team, follow_up.lead, follow_up.opened_at, follow_up.closed_at) == (people.team, lead, NOW, None)
    [told] = mails_to(lead.email)
    assert (
        ticket.reference in told.subject and "1 – Very dissatisfied" in told.body and "/desk/follow-ups/" in told.body
    )
    send(paths[2], 2)  # a changed mind, still poor: the same follow-up, no second mail
    send(paths[5], 5)
    send(paths[1], 1)
    assert FollowUp.objects.count() == 1 and len(mails_to(lead.email)) == 1


def test_the_comment_reaches_the_lead_and_with_no_lead_the_team_hears(people, policy, clock, client_for):
    ticket = resolved(people)
    client_for(people.requester).post(
        f"/my/tickets/{ticket.reference}/satisfaction/", {"score": "2", "comment": "Nobody called me back"}
    )
    [told] = [mail for mail in mails_to(people.team.email) if "Unhappy" in mail.subject]
    assert "2 – Dissatisfied" in told.body and "Nobody called me back" in told.body
    assert FollowUp.objects.get().lead is None


def test_a_new_resolution_answered_poorly_again_opens_the_follow_up_anew(people, policy, lead, clock):
    ticket = resolved(people)
    send(links(ticket)[1], 1)
    follow_up = FollowUp.objects.get()
    satisfaction.close_follow_up(follow_up, by=lead, action="Called them.")
    clock.shift(DAY)
    services.perform(ticket, "reopen", by=people.requester, text="Still broken.")
    services.perform(ticket, "resolve", by=people.analyst, text="Replaced it.")
    send(links(ticket)[2], 2)
    follow_up.refresh_from_db()
    assert (follow_up.opened_at, follow_up.closed_at, follow_up.action) == (NOW + DAY, None, "")
    assert len(mails_to(lead.email)) == 2


@pytest.fixture
def unhappy(people, policy, lead, clock):
    ticket = resolved(people)
    send(links(ticket)[1], 1)
    return FollowUp.objects.get(satisfaction__ticket=ticket)


def test_closing_needs_what_was_done_and_keeps_what_was_typed(people, lead, unhappy, client_for):
    close = f"/desk/follow-ups/{unhappy.pk}/close/"
    response = client_for(lead).post(close, {"action": "   ", "tell_requester": "on"})
    assert response.status_code == 400 and "Say what was done before closing the follow-up." in response.text
    assert re.search(r'name="tell_requester" id="close-\d+-tell_requester" checked', response.text)
    long = client_for(lead).post(close, {"action": "Called them. " * 500})
    assert long.status_code == 400 and "Called them. Called them." in long.text
    with pytest.raises(satisfaction.Declined) as refused:  # the rule holds without the form too
        satisfaction.close_follow_up(unhappy, by=lead, action=" \n ")
    assert refused.value.status == 400
    unhappy.refresh_from_db()
    assert unhappy.closed_at is None and unhappy.action == ""


def test_closing_with_tell_requester_mails_them_what_was_done(people, lead, unhappy, client_for, clock):
    clock.shift(DAY)
    before = len(mails_to(people.requester.email))
    response = client_for(lead).post(
        f"/desk/follow-ups/{unhappy.pk}/close/",
        {"action": "Apologised and replaced the charger.", "tell_requester": "on"},
    )
    assert response.status_code == 302
    unhappy.refresh_from_db()
    assert (unhappy.closed_at, unhappy.closed_by, unhappy.requester_told) == (NOW + DAY, lead, True)
    assert unhappy.action == "Apologised and replaced the charger."
    told = mails_to(people.requester.email)[before:]
    assert len(told) == 1 and "Apologised and replaced the charger." in told[0].body
    assert Ticket.objects.get(pk=unhappy.satisfaction.ticket_id).updated_at == NOW + DAY
    again = client_for(lead).post(f"/desk/follow-ups/{unhappy.pk}/close/", {"action": "Twice"})
    assert again.status_code == 409
    page = client_for(lead).get("/desk/follow-ups/").text
    assert "Apologised and replaced the charger." in page and "None open." in page


def test_closing_without_telling_sends_the_requester_nothing(people, lead, unhappy, client_for):
    before = len(mails_to(people.requester.email))
    client_for(people.manager).post(f"/desk/follow-ups/{unhappy.pk}/close/", {"action": "Coached the analyst."})
    unhappy.refresh_from_db()
    assert unhappy.closed_by == people.manager and unhappy.requester_told is False
    assert len(mails_to(people.requester.email)) == before


@pytest.mark.parametrize(
    ("who", "page", "close"),
    [
        ("anonymous", 302, 302),
        ("other_staff", 403, 403),
        ("analyst", 403, 403),  # in the team, not its lead
        ("other_analyst", 403, 403),
        ("other_lead", 200, 403),  # leads another team
        ("lead", 200, 302),
        ("manager", 200, 302),
    ],
)
def test_who_may_see_and_close_follow_ups(who, page, close, people, lead, unhappy, client_for):
    other_lead = factories.UserFactory(username="other-lead")
    people.other_team.lead = other_lead
    people.other_team.save(update_fields=["lead"])
    person = {"anonymous": None, "lead": lead, "other_lead": other_lead}.get(who) or getattr(people, who)
    listing = client_for(person).get("/desk/follow-ups/")
    assert listing.status_code == page
    if page == 302:
        assert listing["Location"].startswith("/accounts/login/")
    if page == 200:
        assert (unhappy.satisfaction.ticket.reference in listing.text) == (who != "other_lead")
    closing = client_for(person).post(f"/desk/follow-ups/{unhappy.pk}/close/", {"action": "Called them."})
    assert closing.status_code == close
    unhappy.refresh_from_db()
    assert (unhappy.closed_at is not None) == (close == 302 and who != "anonymous")


@pytest.mark.parametrize("count", [2, 12])
def test_the_follow_ups_list_queries_do_not_grow(
    count, people, policy, lead, clock, client_for, django_assert_max_num_queries
):
    for index in range(count):
        ticket = resolved(people)
        answered = satisfaction.record_from_page(ticket, by=people.requester, score=1, comment=f"Slow {index}")
        if index % 2:
            satisfaction.close_follow_up(answered.follow_up, by=lead, action="Called.", tell_requester=True)
    for person in (lead, people.manager):
        client = client_for(person)
        with django_assert_max_num_queries(7):
            response = client.get("/desk/follow-ups/")
        assert response.status_code == 200 and response.text.count("Slow ") == (count + 1) // 2


def test_the_lead_can_be_chosen_when_editing_a_team(people, client_for):
    from django.contrib.auth.models import Permission

    from helpdesk.roles import ensure_role_groups

    ensure_role_groups()
    assert Permission.objects.filter(codename="change_team").exists()
    response = client_for(people.manager).get(f"/admin/team/edit/{people.team.pk}/")
    assert response.status_code == 200 and 'name="lead"' in response.text


def test_the_menu_offers_follow_ups_to_leads_and_managers_only(people, lead, client_for):
    link = 'href="/desk/follow-ups/"'
    assert link in client_for(lead).get("/desk/").text
    assert link in client_for(people.manager).get("/dashboard/").text
    assert link not in client_for(people.analyst).get("/desk/").text
    assert link not in client_for(people.requester).get("/my/").text
