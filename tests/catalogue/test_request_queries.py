"""Asking through the catalogue stays cheap: one request, a bounded number of queries, whatever it carries.

The request here is a realistic one: entitlement rules, a price with a discount that applies, a policy with
response and resolution targets on a calendar, and a form with a few fields. Its ticket is made with its
reference, history and running clocks, and its mail is queued.
"""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue.models import DiscountScheme, EntitlementRule, RequestType, Submission
from catalogue.selectors import OfferBook, offer_to, request_types_to_ask, with_usage
from helpdesk.models import EventKind, Ticket
from sla.models import Clock, SlaEvent, TargetKind
from sla.models import EventKind as SlaEventKind
from tests import factories

# One POST that creates a ticket: the person; the request type with its service, team, policy tiers and
# the person's grade; its rules; its approvers (sign-off); its form; the discounts that could apply; the
# quoted policy's targets; the transaction (a savepoint here, BEGIN and COMMIT on a server); the
# submission; the ticket, its `created` event, its clocks, their `started` events, its number and
# deadlines; its mail (stored in the ticket's transaction; the delivery task's row is written after
# commit in tests). Nothing is written to the request type: its use is read from its submissions. The
# issue's bound, and one query more for sign-off.
MAX_QUERIES = 16

FIELDS = [
    ("Summary", "text", True),
    ("Why do you need it?", "long_text", True),
    ("Model", "choice", True, "Standard\nPerformance"),
    ("Urgent", "yes_no", True),
]
ANSWERS = {"summary": "A laptop", "why_do_you_need_it": "Mine broke.", "model": "Performance", "urgent": "no"}


@pytest.fixture
def laptop(people):
    """A request type as the catalogue has them, and a requester it admits through its second rule."""
    policy = factories.PolicyFactory(name="Standard", is_default=True)
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    request_type = factories.RequestTypeFactory(
        service=service, name="New laptop", slug="new-laptop", one_off_price=Decimal("900.00"), fields=FIELDS
    )
    requester = people.requester
    EntitlementRule.objects.create(request_type=request_type, min_grade=factories.GradeFactory(level=5))
    EntitlementRule.objects.create(request_type=request_type, division=requester.division)
    scheme = DiscountScheme.objects.create(
        name="Bulk deal", kind="percent", amount=Decimal("10"), valid_from=date(2020, 1, 1)
    )
    scheme.divisions.add(requester.division)
    return request_type


def test_asking_for_something_runs_a_bounded_number_of_queries(
    people, laptop, client_for, django_assert_max_num_queries
):
    client = client_for(people.requester)
    # A server that has answered once keeps its content types and compiled calendars: measure the next.
    assert client.post("/ask/new-laptop/", ANSWERS).status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.post("/ask/new-laptop/", ANSWERS)
    assert response.status_code == 302
    ticket = Ticket.objects.select_related("submission").latest("pk")
    assert response["Location"] == f"/my/tickets/{ticket.reference}/"
    # Everything a request carries was still done: the price quoted with its discount, the policy, the
    # answers, the clocks for the response and resolution targets with their history, the ticket's.
    submission = ticket.submission
    assert (submission.one_off_price, submission.discount) == (Decimal("810.00"), "Bulk deal")
    assert ticket.policy == submission.policy == laptop.service.policy
    assert submission.answers["model"]["value"] == "Performance"
    clocks = Clock.objects.for_subject(ticket)
    assert sorted(clocks.values_list("kind", flat=True)) == [TargetKind.RESOLUTION, TargetKind.RESPONSE]
    assert SlaEvent.objects.filter(clock__in=clocks, kind=SlaEventKind.STARTED).count() == 2
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED]
    used = with_usage(RequestType.objects.filter(pk=laptop.pk)).get()
    assert (used.times_used, used.last_used_at) == (2, submission.created_at)


def test_a_request_type_for_everyone_costs_no_query_for_rules(
    people, laptop, client_for, django_assert_max_num_queries
):
    """Most request types have no entitlement rules: asking for one reads none (one query fewer), and
    a rule added later is read and applied at once."""
    laptop.rules.all().delete()
    client = client_for(people.requester)
    assert client.post("/ask/new-laptop/", ANSWERS).status_code == 302
    with django_assert_max_num_queries(MAX_QUERIES - 1):
        assert client.post("/ask/new-laptop/", ANSWERS).status_code == 302
    EntitlementRule.objects.create(request_type=laptop, min_grade=factories.GradeFactory(level=9, name="Director"))
    refused = client.post("/ask/new-laptop/", ANSWERS)
    assert refused.status_code == 403 and "This is only for grade Director or above." in refused.content.decode()
    assert Ticket.objects.count() == 2


def test_the_request_types_list_shows_each_ones_use(people, laptop, client_for):
    """Editors see how often and how lately each form was used, read from its submissions, in a fixed
    number of queries however many request types there are."""
    unused = factories.RequestTypeFactory(service=laptop.service, name="Spare charger", slug="spare-charger")
    client = client_for(people.requester)
    for _ in range(3):
        assert client.post("/ask/new-laptop/", ANSWERS).status_code == 302
    latest = Submission.objects.filter(request_type=laptop).latest("created_at").created_at
    assert [(r.pk, r.times_used, r.last_used_at) for r in with_usage(RequestType.objects.order_by("pk"))] == [
        (laptop.pk, 3, latest),
        (unused.pk, 0, None),
    ]

    editor = client_for(people.editor)
    html = editor.get("/admin/requesttype/", {"ordering": "-times_used"}).content.decode()
    assert "Times used" in html and "Last used" in html
    assert html.index("New laptop") < html.index("Spare charger")  # sorted by use
    rows = dict(re.findall(r"(New laptop|Spare charger)(.*?)</tr>", html, re.S))
    assert re.search(r">\s*3\s*</td>", rows["New laptop"]) and re.search(r">\s*0\s*</td>", rows["Spare charger"])

    factories.RequestTypeFactory.create_batch(5, service=laptop.service)
    with CaptureQueriesContext(connection) as few:
        editor.get("/admin/requesttype/")
    factories.RequestTypeFactory.create_batch(10, service=laptop.service)
    with CaptureQueriesContext(connection) as many:
        assert editor.get("/admin/requesttype/").status_code == 200
    assert len(many) == len(few)


def test_a_new_tickets_deadlines_are_those_its_clocks_give(people, laptop, client_for):
    """Raising a ticket writes its deadline, warning and calendar from the clocks it has just started; the
    rule for a ticket whose clocks already exist (TicketQuerySet.refresh_sla) gives the same."""
    assert client_for(people.requester).post("/ask/new-laptop/", ANSWERS).status_code == 302
    written = Ticket.objects.values("reference", "due_at", "warn_at", "due_calendar").get()
    assert written["reference"].startswith("REQ-") and written["due_at"] is not None
    Ticket.objects.update(due_at=None, warn_at=None, due_calendar=None)
    Ticket.objects.all().refresh_sla()
    assert Ticket.objects.values("reference", "due_at", "warn_at", "due_calendar").get() == written


@pytest.mark.parametrize("who", ["division", "cost centre", "neither"])
def test_one_offer_quotes_what_the_catalogue_page_quotes(people, laptop, who):
    """The submit path reads only the discount schemes that could apply; its offer is the page's."""
    requester = people.requester
    other = factories.CostCentreFactory()
    cost_centre_deal = DiscountScheme.objects.create(
        name="Cost centre deal", kind="fixed", amount=Decimal("150"), valid_from=date(2020, 1, 1)
    )
    cost_centre_deal.cost_centres.add(requester.cost_centre)
    elsewhere = DiscountScheme.objects.create(
        name="Another service", kind="percent", amount=Decimal("50"), valid_from=date(2020, 1, 1)
    )
    elsewhere.divisions.add(requester.division)
    elsewhere.services.add(factories.ServiceFactory())
    if who != "division":
        requester.division = other.division
    if who == "neither":
        requester.cost_centre = other
    requester.save()

    page = OfferBook(requester).offer(RequestType.objects.get(pk=laptop.pk))
    asked = offer_to(requester, request_types_to_ask(requester).get(pk=laptop.pk))
    assert asked == page
    assert asked.discount == {"division": "Cost centre deal", "cost centre": "Cost centre deal", "neither": ""}[who]
