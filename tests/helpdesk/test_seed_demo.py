import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from wagtail.models import Page

from catalogue.models import FormField, RequestType, Service
from cms.models import ServicePage
from helpdesk.models import CostCentre, Division, Grade, Team, Ticket, User
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
)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_is_idempotent_and_reports_each_step(db, settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    out = capsys.readouterr().out
    assert "grades" in out and "demo people" in out and "password 'demo'" in out
    call_command("seed_demo")
    assert counts() == first
    assert first["User"] == 9
    assert first["Ticket"] >= 300
    assert first["Service"] >= 25 and first["ServicePage"] == first["Service"]
    assert Policy.objects.filter(is_default=True).count() == 1


def test_demo_people_have_their_roles_and_log_in_with_demo(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    for username in ("staff", "analyst", "manager", "editor"):
        assert authenticate(RequestFactory().post("/accounts/login/"), username=username, password="demo") is not None
    people = {u.username: u.roles for u in User.objects.all()}
    assert people["analyst"].analyst and not people["staff"].analyst
    assert people["manager"].manager and people["editor"].editor


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert User.objects.count() == 0
