"""Asking through the catalogue: the policy quoted is the ticket's, and the request and its ticket are
recorded together or not at all."""

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.forms import RequestForm
from catalogue.models import RequestType, Submission
from catalogue.selectors import OfferBook, with_usage
from helpdesk import services
from helpdesk.models import Level, Ticket, priority_for
from helpdesk.services import Refused
from sla.models import Clock
from tests import factories

WHY = "why_do_you_need_it"


@pytest.fixture
def private(settings, tmp_path):
    """Private storage in a folder of its own, so a test sees every file a request leaves behind."""
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": None},
        },
    }
    return tmp_path


def files_in(folder) -> list[str]:
    return [name for _, _, names in os.walk(folder) for name in names]


@pytest.fixture
def tiers(db):
    """(standard, premium): the default policy, with a premium tier from grade level 0."""
    premium = factories.PolicyFactory(name="Premium")
    standard = factories.PolicyFactory(
        name="Standard", is_default=True, premium_policy=premium, premium_from_grade_level=0
    )
    return standard, premium


@pytest.fixture
def laptop(people):
    service = factories.ServiceFactory(owner_team=people.team)
    return factories.RequestTypeFactory(
        service=service,
        name="New laptop",
        slug="new-laptop",
        fields=[("Why do you need it?", "long_text", True), ("Photo", "file", False)],
    )


def test_the_policy_quoted_is_the_policy_the_ticket_runs_under(tiers, laptop, client_for):
    standard, premium = tiers
    cases = [
        ("no grade, premium from level 0", None, 0, standard),
        ("graded above the level", 4, 3, premium),
        ("graded at the level", 3, 3, premium),
        ("graded below the level", 2, 3, standard),
    ]
    for case, level, premium_from, expected in cases:
        standard.premium_from_grade_level = premium_from
        standard.save()
        person = factories.UserFactory(grade=None if level is None else factories.GradeFactory(level=level))
        book = OfferBook(person)
        quoted = book.offer(laptop)
        assert quoted.policy == book.policy_for(laptop.service) == expected, case

        response = client_for(person).post("/ask/new-laptop/", {WHY: "Mine broke."})
        assert response.status_code == 302, case
        ticket = Ticket.objects.select_related("submission").get(requester=person)
        assert ticket.policy == ticket.submission.policy == quoted.policy, case
        premium_step = priority_for(Level.MEDIUM, Level.LOW, entitled_tier=expected == premium)
        assert ticket.priority == premium_step, case
        assert set(Clock.objects.for_subject(ticket).values_list("policy", flat=True)) == {expected.pk}, case

        # Raised without the catalogue (an incident against the service): the same rule, the same policy.
        incident = services.raise_ticket(
            kind="incident", title="Broken", requester=person, raised_by=person, service=laptop.service
        )
        assert incident.policy == expected, case


def test_the_ticket_keeps_the_policy_quoted_when_the_service_changes_policy_meanwhile(people, tiers, laptop):
    gold, bronze = factories.PolicyFactory(name="Gold"), factories.PolicyFactory(name="Bronze")
    service = laptop.service
    service.policy = gold
    service.save()
    offer = OfferBook(people.requester).offer(laptop)
    submission = Submission.objects.create(
        request_type=laptop,
        requester=people.requester,
        raised_by=people.requester,
        one_off_price=offer.one_off,
        monthly_price=offer.monthly,
        policy=offer.policy,
    )
    service.policy = bronze
    service.save()

    raised = services.raise_from_submission(Submission.objects.get(pk=submission.pk))
    assert raised.policy == submission.policy == gold

    # The same through the one service the portal uses, with the offer worked out before the change.
    service.policy = gold
    service.save()
    offer = OfferBook(people.requester).offer(RequestType.objects.get(pk=laptop.pk))
    service.policy = bronze
    service.save()
    form = RequestForm(laptop.fields.all(), {WHY: "Mine broke."})
    assert form.is_valid()
    asked = services.ask_for(
        request_type=laptop, requester=people.requester, raised_by=people.requester, form=form, offer=offer
    )
    assert asked.policy == asked.submission.policy == gold


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_raising_the_ticket_leaves_no_submission_ticket_or_file(
    people, tiers, laptop, client_for, private
):
    standard, _ = tiers
    # A calendar saved past its validators: starting the ticket's clocks fails, after the submission is made.
    standard.calendar = factories.CalendarFactory(time_zone="Atlantis/Nowhere")
    standard.save()
    people.requester.grade = None
    people.requester.save()
    photo = SimpleUploadedFile("broken.png", b"\x89PNG fake", content_type="image/png")
    with pytest.raises(ValueError, match="unknown time zone"):
        client_for(people.requester).post("/ask/new-laptop/", {WHY: "Mine broke.", "photo": photo})
    assert not Submission.objects.exists()
    assert not Ticket.objects.exists()
    assert files_in(private) == []
    assert with_usage(RequestType.objects.filter(pk=laptop.pk)).get().times_used == 0


def test_asking_for_someone_you_may_not_leaves_nothing(people, tiers, laptop, private):
    form = RequestForm(
        laptop.fields.all(),
        {WHY: "For a colleague."},
        {"photo": SimpleUploadedFile("broken.png", b"\x89PNG fake", content_type="image/png")},
    )
    assert form.is_valid()
    offer = OfferBook(people.requester).offer(laptop)
    with pytest.raises(Refused):
        services.ask_for(
            request_type=laptop, requester=people.requester, raised_by=people.other_staff, form=form, offer=offer
        )
    assert not Submission.objects.exists()
    assert not Ticket.objects.exists()
    assert files_in(private) == []


def test_the_ask_view_works_out_the_offer_once_per_request(people, tiers, laptop, client_for):
    client = client_for(people.requester)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/ask/new-laptop/", {WHY: "Mine broke."})
    assert response.status_code == 302
    sql = [query["sql"] for query in queries.captured_queries]
    # An offer reads the discount schemes and every policy once; the ticket is raised under that quote.
    assert sum('FROM "catalogue_discountscheme"' in s for s in sql) == 1
    assert sum('FROM "sla_policy"' in s for s in sql) == 1
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/my/tickets/{ticket.reference}/"
    assert ticket.policy == ticket.submission.policy
