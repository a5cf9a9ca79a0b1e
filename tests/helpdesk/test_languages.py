"""The reader's language: chosen in the profile, else the browser's; switched by anyone at the foot of a
page; mail in the recipient's language and zone; money and figures written the language's way."""

from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from catalogue.money import written
from helpdesk.languages import language_of
from helpdesk.models import Mail, User
from helpdesk.reports.table import shown
from tests import factories


def test_the_profile_wins_over_the_browser_and_the_browser_over_the_site(people, client_for):
    people.requester.language = "de"
    people.requester.save()
    page = client_for(people.requester).get("/my/", headers={"accept-language": "sv"})
    assert '<html lang="de">' in page.text
    browser = Client(headers={"accept-language": "sv"}).get("/accounts/login/")
    assert '<html lang="sv">' in browser.text and "Logga in" in browser.text
    assert '<html lang="en">' in Client().get("/accounts/login/").text


def test_anyone_can_switch_and_the_switch_names_each_language_in_its_own_words(db):
    visitor = Client()
    page = visitor.get("/accounts/login/").text
    for name in ("English", "Deutsch", "Français", "Svenska", "Español"):
        assert f">{name}</option>" in page
    answer = visitor.post("/language/", {"language": "fr", "next": "/accounts/login/"})
    assert answer.status_code == 302 and answer["Location"] == "/accounts/login/"
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "fr"
    assert '<html lang="fr">' in visitor.get("/accounts/login/").text


def test_a_signed_in_persons_switch_is_their_preference_so_their_mail_follows(people, client_for):
    client = client_for(people.requester)
    client.post("/language/", {"language": "es", "next": "/my/"})
    assert User.objects.get(pk=people.requester.pk).language == "es"


@pytest.mark.parametrize(
    ("data", "status"),
    [({"language": "xx", "next": "/"}, 400), ({"language": "", "next": "/"}, 400)],
)
def test_a_language_the_site_does_not_offer_is_refused_plainly(db, data, status):
    answer = Client().post("/language/", data)
    assert answer.status_code == status and "not a language this site offers" in answer.text


def test_the_switch_never_sends_anyone_to_another_site(db):
    answer = Client().post("/language/", {"language": "sv", "next": "https://evil.example/"})
    assert answer.status_code == 302 and answer["Location"] == "/"
    assert Client().get("/language/").status_code == 405


def test_the_browsers_language_is_kept_for_mail_only_when_none_was_chosen(people, client_for):
    staff = people.requester
    client_for(staff).get("/my/", headers={"accept-language": "sv"})
    staff.refresh_from_db()
    assert staff.browser_language == "sv" and language_of(staff) == "sv"
    client_for(staff).get("/my/", headers={"accept-language": "en"})
    staff.refresh_from_db()
    assert staff.browser_language == "" and language_of(staff) == settings.LANGUAGE_CODE
    staff.language = "de"
    staff.save()
    client_for(staff).get("/my/", headers={"accept-language": "sv"})
    staff.refresh_from_db()
    assert staff.browser_language == "" and language_of(staff) == "de"


def test_mail_is_in_the_recipients_language_and_a_teams_in_the_sites(people):
    people.requester.language, people.requester.email = "sv", "sam@example.org"
    people.requester.save()
    people.team.email = "desk@example.org"
    people.team.save()
    ticket = factories.ticket(requester=people.requester, team=people.team, title="Skrivaren krånglar")
    theirs = Mail.objects.get(to=["sam@example.org"])
    about = {"ref": ticket.reference, "title": ticket.title}
    with translation.override("sv"):
        subject = translation.gettext("[%(ref)s] We have it: %(title)s") % about
        sentence = translation.gettext("We have your incident: %(title)s") % about
    assert theirs.subject == subject and sentence in theirs.body and "We have" not in theirs.body
    teams = Mail.objects.get(to=["desk@example.org"])
    assert teams.subject.startswith(f"[{ticket.reference}] New ")  # a shared mailbox: the site's language


@pytest.mark.parametrize(
    ("language", "price", "figure"),
    [("en", "€1,234.50", "1,234"), ("sv", "1\xa0234,50\xa0€", "1\xa0234"), ("de", "1.234,50\xa0€", "1.234")],
)
def test_money_and_figures_are_written_the_languages_way(language, price, figure):
    with translation.override(language):
        assert written(Decimal("1234.50")) == price
        assert shown(1234, "count") == figure
