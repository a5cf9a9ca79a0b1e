import re
from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.utils import timezone
from wagtail.models import Page

from catalogue.models import FormField, RequestKind, RequestType, SearchSynonym, Service, Submission
from catalogue.search import expanded
from catalogue.selectors import with_usage
from cms.models import PromisePage, ServicePage
from demo.management.commands.seed_demo import PEOPLE
from demo.tickets import ONGOING, PROBLEMS
from demo.workspace import CANNED
from helpdesk.models import (
    BoardReport,
    CannedReply,
    Channel,
    CostCentre,
    DailyFigure,
    Division,
    FollowUp,
    Grade,
    Satisfaction,
    StaffSurvey,
    State,
    Team,
    Ticket,
    User,
)
from helpdesk.selectors import ongoing_services
from sla.models import Calendar, OpeningHours, Policy, Target

MODELS = (
    Grade,
    Division,
    CostCentre,
    Team,
    User,
    Calendar,
    OpeningHours,
    Policy,
    Target,
    Service,
    RequestType,
    FormField,
    ServicePage,
    Page,
    Ticket,
    Submission,
    CannedReply,
    SearchSynonym,
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_is_idempotent_and_makes_reports_worth_reading(
    db, settings, capsys, client, django_capture_on_commit_callbacks
):
    """One test, as seeding takes a while: what it makes, that a second run changes nothing, that the
    demo gives reports something to show (steady weeks, every channel, satisfaction and its follow-ups),
    and that a newcomer can try everything with it."""
    settings.DEBUG = True
    with django_capture_on_commit_callbacks(execute=True):  # wagtail-localize publishes translations on commit
        call_command("seed_demo")
    first = counts()
    out = capsys.readouterr().out
    assert "grades" in out and "demo people" in out and "password 'demo'" in out
    call_command("seed_demo")
    assert counts() == first
    assert first["Ticket"] >= 300
    assert first["Service"] >= 25 and ServicePage.objects.filter(locale__language_code="en").count() == first["Service"]
    # The Swedish demo: the laptop's page translated through wagtail-localize, the others shown in English.
    assert ServicePage.objects.filter(locale__language_code="sv").count() == 1
    assert Policy.objects.filter(is_default=True).count() == 1

    # The demo accounts log in with "demo" and hold their roles; the surveys' colleagues cannot log in.
    assert sorted(u.username for u in User.objects.all() if u.has_usable_password()) == sorted(
        username for username, *_rest in PEOPLE
    )
    for username in ("staff", "analyst", "manager", "editor"):
        assert authenticate(RequestFactory().post("/accounts/login/"), username=username, password="demo") is not None
    people = {u.username: u.roles for u in User.objects.all()}
    assert people["analyst"].analyst and not people["staff"].analyst
    assert people["manager"].manager and people["editor"].editor

    # Steady weeks of work reaching the teams: no finished week far from the usual, and this week no busier
    # than a whole one.
    now = timezone.now()
    weeks = [
        Ticket.objects.filter(created_at__gte=now - timedelta(weeks=n + 1), created_at__lt=now - timedelta(weeks=n))
        .exclude(state=State.AWAITING_APPROVAL)  # not the team's work yet
        .count()
        for n in range(20)
    ]
    usual = sorted(weeks)[len(weeks) // 2]
    assert all(0.6 * usual <= week <= 1.4 * usual for week in weeks), weeks
    assert set(Ticket.objects.values_list("channel", flat=True)) == set(Channel.values)
    answered = Satisfaction.objects.filter(score__isnull=False)
    assert answered.count() >= 50 and 0 < answered.filter(score__lte=2).count() <= answered.count() // 5
    assert (
        FollowUp.objects.filter(closed_at__isnull=False).exists() and FollowUp.objects.filter(closed_at=None).exists()
    )
    assert DailyFigure.objects.exists() and StaffSurvey.objects.count() == 2
    _newcomer_can_try_everything(client)


def _newcomer_can_try_everything(client):
    # Requests come through the catalogue: each has its request type and the answers to its form, and
    # every form has been used.
    requests = Ticket.objects.filter(kind=RequestKind.REQUEST)
    assert not requests.filter(request_type=None).exists() and not requests.filter(submission=None).exists()
    assert not Submission.objects.filter(answers={}).exists()
    assert min(rt.times_used for rt in with_usage(RequestType.objects.all())) >= 1
    # An incident's title is a problem of its service (or, reported on the service's own catalogue
    # form, that form's name, with the problem among the answers).
    for title, service, request_type, answers in Ticket.objects.filter(kind=RequestKind.INCIDENT).values_list(
        "title", "service__name", "request_type__name", "submission__answers"
    ):
        if request_type:
            assert title == request_type and any(
                str(a["value"]).startswith(tuple(PROBLEMS[service])) for a in answers.values()
            ), (title, answers)
        else:
            assert title in PROBLEMS[service], (title, service)

    # Everyone who logs in has monthly services to change or cancel, one of each service at most.
    for username in ONGOING:
        person = User.objects.get(username=username)
        had = list(ongoing_services(person))
        assert had, username
        assert len({t.service_id for t in had}) == len(had), (username, [t.title for t in had])
    staff = User.objects.get(username="staff")
    client.force_login(staff)
    page = client.get("/my/")
    assert page.status_code == 200 and "Your services" in page.text
    had = ongoing_services(staff).first()
    assert f"/my/services/{had.reference}/change/" in page.text
    assert client.get(f"/my/services/{had.reference}/cancel/").status_code == 200

    # A ticket waiting on the supplier, with the supplier's reference.
    supplier = Ticket.objects.exclude(provider_reference="").get()
    assert supplier.state == State.WAITING_PROVIDER and supplier.service.provider_id
    # An open P1 major incident on a core service, gathering reports of different people.
    major = Ticket.objects.get(major=True)
    assert major.is_open and major.priority == "P1" and major.service.name == "Office network and Wi-Fi"
    children = list(major.children.all())
    assert len(children) >= 3 and len({c.requester_id for c in children}) == len(children)
    assert all(c.is_open and c.service_id == major.service_id for c in children)
    # The same problem reported twice by one person, both open, for the newcomer to merge.
    twice = Ticket.objects.filter(title="Can't print in colour", requester=staff, merged_into=None)
    assert twice.filter(state__in=[State.NEW, State.ASSIGNED]).count() == 2
    # Canned replies for every team, some of which also move the ticket.
    for team in Team.objects.all():
        replies = CannedReply.objects.filter(team=team)
        assert replies.count() == len(CANNED[team.slug]) and replies.exclude(action="").exists()

    # Catalogue search knows what people call things.
    assert {"printing"} <= set(expanded("printer")) and {"wi-fi", "wireless"} <= set(expanded("wifi"))

    # Diego's performance laptop waits for Morgan's approval, with no clock running.
    waiting = Ticket.objects.get(state=State.AWAITING_APPROVAL)
    assert waiting.requester.username == "diego" and waiting.due_at is None
    assert waiting.approvals.get().approver.username == "manager"

    # Last month's board report is made once, with figures to show, for the demo manager to open.
    kept = BoardReport.objects.get()
    assert kept.version == 1 and kept.figures["totals"]["raised"] > 0 and kept.pdf
    manager_client = Client()
    manager_client.force_login(User.objects.get(username="manager"))
    assert manager_client.get(kept.get_absolute_url()).status_code == 200

    # A reader of Swedish gets the translated catalogue at its usual address, and a page not translated
    # yet in English with a line saying so.
    swedish = Client(headers={"accept-language": "sv"})
    swedish.force_login(User.objects.get(username="staff"))
    catalogue = swedish.get("/services/")
    assert "<h1>Tjänstekatalog</h1>" in catalogue.text, re.findall(r"<h1>.*?</h1>|<html[^>]*>", catalogue.text)
    assert 'href="/services/laptop/"' in catalogue.text
    untranslated = swedish.get(ServicePage.objects.get(locale__language_code="en", service__name="Printing").url)
    assert untranslated.status_code == 200 and 'role="note"' in untranslated.text

    # The demo editor can publish pages.
    editor = User.objects.get(username="editor")
    assert PromisePage.objects.get(locale__language_code="en").permissions_for_user(editor).can_publish()


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert User.objects.count() == 0
