"""Asking for someone else: analysts and managers for anyone, line managers for their reports, nobody
else; the price quoted and charged is the requester's; the person picker's search and its access."""

from datetime import date, timedelta

import pytest

from catalogue.models import EntitlementRule, Submission
from helpdesk.models import Channel, Ticket
from helpdesk.people import askable_by, may_ask_for
from tests.factories import GradeFactory, RequestTypeFactory, UserFactory

NEXT_WEEK = (date.today() + timedelta(days=7)).isoformat()
ANSWERS = {"why_do_you_need_it": "Their old one broke"}


@pytest.fixture
def boss(people):
    """A line manager (plain staff otherwise) with `people.requester` reporting to them."""
    boss = UserFactory(username="boss", first_name="Bea", last_name="Boss")
    people.requester.line_manager = boss
    people.requester.save(update_fields=["line_manager"])
    return boss


@pytest.fixture
def laptop(db):
    return RequestTypeFactory(name="New laptop", slug="new-laptop")


def test_the_rule_admits_oneself_analysts_managers_and_line_managers_for_their_reports(people, boss):
    assert may_ask_for(people.requester, people.requester)
    assert may_ask_for(people.analyst, people.requester)
    assert may_ask_for(people.manager, people.requester)
    assert may_ask_for(boss, people.requester)
    assert not may_ask_for(boss, people.other_staff)  # not their report
    assert not may_ask_for(people.other_staff, people.requester)
    assert not may_ask_for(people.editor, people.requester)
    # The queryset the picker searches is the same rule.
    for asker in (people.analyst, people.manager, boss, people.other_staff):
        listed = set(askable_by(asker))
        others = [p for p in (people.requester, people.other_staff, people.analyst) if p != asker]
        assert {p for p in others if may_ask_for(asker, p)} == listed & set(others)


@pytest.mark.parametrize("who", ["analyst", "manager", "boss"])
def test_analysts_managers_and_line_managers_raise_an_incident_for_someone(who, people, boss, client_for):
    asker = boss if who == "boss" else getattr(people, who)
    response = client_for(asker).post(
        "/my/report/",
        {"title": "No Wi-Fi", "impact": "low", "urgency": "low", "requester": people.requester.email, "channel": ""},
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.raised_by) == (people.requester, asker)
    # A line manager asks through the portal; an analyst took a call.
    assert ticket.channel == (Channel.PORTAL if who == "boss" else Channel.PHONE)
    page = client_for(people.requester).get(response["Location"]).content.decode()
    assert "Raised by" in page and str(asker) in page


def test_a_line_manager_is_refused_for_someone_who_does_not_report_to_them(people, boss, client_for):
    data = {"title": "No Wi-Fi", "impact": "low", "urgency": "low", "requester": people.other_staff.username}
    response = client_for(boss).post("/my/report/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "only for yourself and for the people who report to you" in html
    assert 'value="other-staff"' in html and 'value="No Wi-Fi"' in html  # what was typed is kept
    assert not Ticket.objects.exists()


def test_nobody_matching_is_said_plainly(people, client_for):
    data = {"title": "No Wi-Fi", "impact": "low", "urgency": "low", "requester": "nobody-here"}
    response = client_for(people.analyst).post("/my/report/", data)
    assert response.status_code == 400
    assert "We can&#x27;t find anyone with that username or email address" in response.content.decode()


def test_staff_may_not_ask_for_anyone_but_themselves(people, laptop, client_for):
    """They are never offered "For whom?"; a name they send anyway is not theirs to give."""
    client = client_for(people.other_staff)
    assert "For whom?" not in client.get("/my/report/").content.decode()
    assert "For whom?" not in client.get("/ask/new-laptop/").content.decode()
    data = {"title": "No Wi-Fi", "impact": "low", "urgency": "low", "requester": people.requester.username}
    assert client.post("/my/report/", data).status_code == 302
    assert client.post(f"/ask/new-laptop/?requester={people.requester.username}", ANSWERS).status_code == 302
    assert {t.requester for t in Ticket.objects.all()} == {people.other_staff}
    assert Submission.objects.get().requester == people.other_staff
    assert not Ticket.objects.filter(requester=people.requester).exists()


def test_a_line_manager_asks_from_the_catalogue_for_a_report_at_the_reports_price(people, boss, laptop, client_for):
    # Only directors may ask for it: the report is one, their line manager is not.
    EntitlementRule.objects.create(request_type=laptop, min_grade=GradeFactory(level=9, name="Director"))
    people.requester.grade = GradeFactory(level=9, name="Director (9)")
    people.requester.save(update_fields=["grade"])
    client = client_for(boss)
    assert client.get("/ask/new-laptop/").status_code == 403  # not for the boss themselves
    page = client.get("/ask/new-laptop/", {"requester": "requester"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "You are asking for" in html and str(people.requester) in html and "€100.00" in html
    assert 'data-person-search="/people/search/"' in html and "js/person-picker.js" in html
    response = client.post("/ask/new-laptop/?requester=requester", ANSWERS)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert (submission.requester, submission.raised_by) == (people.requester, boss)
    ticket = Ticket.objects.get()
    assert (ticket.requester, ticket.raised_by) == (people.requester, boss)


def test_the_offer_is_the_requesters_and_checked_again_on_submit(people, laptop, client_for):
    EntitlementRule.objects.create(request_type=laptop, min_grade=GradeFactory(level=9, name="Director"))
    client = client_for(people.analyst)
    page = client.get("/ask/new-laptop/", {"requester": "requester"})  # grade 2: not entitled
    assert page.status_code == 403 and "can't ask for" in page.content.decode()
    assert client.post("/ask/new-laptop/?requester=requester", ANSWERS).status_code == 403
    assert not Submission.objects.exists()


def test_a_line_manager_asking_for_a_non_report_from_the_catalogue_gets_a_400_keeping_answers(
    people, boss, laptop, client_for
):
    response = client_for(boss).post("/ask/new-laptop/?requester=other-staff", ANSWERS)
    assert response.status_code == 400
    html = response.content.decode()
    assert "only for yourself and for the people who report to you" in html and "Their old one broke" in html
    assert not Submission.objects.exists()


# -- the person picker's search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 302), ("other_staff", 403), ("editor", 403), ("analyst", 200), ("manager", 200), ("boss", 200)],
)
def test_people_search_access(who, status, people, boss, client_for):
    asker = boss if who == "boss" else getattr(people, who)
    response = client_for(asker).get("/people/search/", {"q": "req"})
    assert response.status_code == status
    if status == 403:
        assert response.json()["people"] == []


def test_a_line_manager_finds_only_their_reports_and_no_email_addresses(people, boss, client_for):
    UserFactory(username="requisitions", first_name="Rex")  # matches, but not theirs
    found = client_for(boss).get("/people/search/", {"q": "re"}).json()
    assert [p["username"] for p in found["people"]] == ["requester"]
    assert "@" not in str(found)
    found = client_for(boss).get("/people/search/", {"q": people.other_staff.email}).json()
    assert found["people"] == []


def test_analysts_find_anyone_active_by_name_username_or_email(people, client_for):
    UserFactory(username="zgone", first_name="Zgone", is_active=False)
    # Names no generated colleague has (the people fixture's are random).
    zelda = UserFactory(username="zquix", first_name="Zelda", last_name="Quixhopper")
    client = client_for(people.analyst)
    for q in ("zelda", "quix", "Zelda Quix", "zquix@ex"):
        found = client.get("/people/search/", {"q": q}).json()["people"]
        assert [p["username"] for p in found] == ["zquix"], q
        assert zelda.email in found[0]["detail"]
    assert client.get("/people/search/", {"q": "zgone"}).json()["people"] == []
    assert client.get("/people/search/", {"q": "z"}).json()["people"] == []  # too short to list anyone
    assert client.get("/people/search/", {"q": "x" * 5000}).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_people_search_queries_do_not_grow(count, people, boss, client_for, django_assert_max_num_queries):
    UserFactory.create_batch(count, first_name="Zorblax", line_manager=boss)
    for asker in (people.analyst, boss):
        client = client_for(asker)
        client.get("/people/search/", {"q": "zorb"})  # a server that has answered once: measure the next
        with django_assert_max_num_queries(5):
            found = client.get("/people/search/", {"q": "zorb"}).json()["people"]
        assert len(found) == min(count, 10)
