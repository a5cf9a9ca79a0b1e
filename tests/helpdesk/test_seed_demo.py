from datetime import timedelta

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory
from django.utils import timezone
from wagtail.models import Page

from catalogue.models import FormField, RequestType, Service
from cms.models import ServicePage
from helpdesk.management.commands.seed_demo import PEOPLE
from helpdesk.models import (
    Channel,
    CostCentre,
    DailyFigure,
    Division,
    FollowUp,
    Grade,
    Satisfaction,
    StaffSurvey,
    Team,
    Ticket,
    User,
)
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


def test_seed_demo_is_idempotent_and_makes_reports_worth_reading(db, settings, capsys):
    """One test, as seeding takes a while: what it makes, that a second run changes nothing, and that the
    demo gives reports something to show (steady weeks, every channel, satisfaction and its follow-ups)."""
    settings.DEBUG = True
    call_command("seed_demo")
    first = counts()
    out = capsys.readouterr().out
    assert "grades" in out and "demo people" in out and "password 'demo'" in out
    call_command("seed_demo")
    assert counts() == first
    assert first["Ticket"] >= 300
    assert first["Service"] >= 25 and first["ServicePage"] == first["Service"]
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

    # Steady weeks: no finished week far from the usual, and this week no busier than a whole one.
    now = timezone.now()
    weeks = [
        Ticket.objects.filter(
            created_at__gte=now - timedelta(weeks=n + 1), created_at__lt=now - timedelta(weeks=n)
        ).count()
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


def test_seed_demo_refuses_without_debug(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG=1"):
        call_command("seed_demo")
    assert User.objects.count() == 0
