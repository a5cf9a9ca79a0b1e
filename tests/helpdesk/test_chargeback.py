"""Chargeback statements: they reconcile with the submissions behind them, subscriptions start and stop as
helpdesk/chargeback.py says, only managers and budget holders read them, and every download opens."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from catalogue.models import DiscountScheme, Submission
from helpdesk import chargeback
from helpdesk.models import State, Ticket
from tests import factories

MARCH = date(2026, 3, 1)


def _at(year: int, month: int, day: int, hour: int = 12) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


@pytest.fixture
def world(people, policy, settings):
    settings.REPORTING_TIME_ZONE = "UTC"
    holder = people.other_staff
    centre = holder.cost_centre
    centre.holder = holder
    centre.save()
    other_centre = factories.CostCentreFactory(holder=factories.UserFactory(username="other-holder"))
    service = factories.ServiceFactory(owner_team=people.team, name="Laptops")
    laptop = factories.RequestTypeFactory(
        service=service, name="New laptop", one_off_price=Decimal("1100.00"), monthly_price=Decimal("25.00")
    )
    scheme = DiscountScheme.objects.create(name="Research 20 %", amount=Decimal("20"), valid_from=date(2026, 1, 1))
    scheme.cost_centres.add(centre)
    return {
        "people": people,
        "holder": holder,
        "centre": centre,
        "other_centre": other_centre,
        "service": service,
        "laptop": laptop,
        "scheme": scheme,
    }


def delivered(world, at: datetime, *, person=None, request_type=None, discount="", state="resolved", **prices):
    """A catalogue request recorded as quoted and its ticket taken to `state` at `at` (resolved: delivered)."""
    person = person or world["holder"]
    request_type = request_type or world["laptop"]
    submission = Submission.objects.create(
        request_type=request_type,
        requester=person,
        raised_by=person,
        cost_centre=person.cost_centre,
        one_off_price=prices.get("one_off", request_type.one_off_price),
        monthly_price=prices.get("monthly", request_type.monthly_price),
        discount=discount,
    )
    factories.ticket(
        requester=person,
        team=world["people"].team,
        state=state,
        service=request_type.service,
        kind="request",
        title=request_type.name,
        submission=submission,
        at=at,
    )
    return submission


def cancel(world, asked: datetime, *, person=None, service=None, state="resolved"):
    """A "Cancel" request as /my/services/ raises it (no submission; its title names the service)."""
    service = service or world["service"]
    return factories.ticket(
        requester=person or world["holder"],
        team=world["people"].team,
        state=state,
        service=service,
        kind="request",
        title=f"Cancel: {service.name}",
        at=asked,
    )


# -- the statement -------------------------------------------------------------------------------------------


def test_a_statement_reconciles_with_the_submissions_delivered_that_month(world):
    centre = world["centre"]
    delivered(world, _at(2026, 3, 2))
    discounted = delivered(
        world, _at(2026, 3, 10), one_off=Decimal("880.00"), monthly=Decimal("20.00"), discount="Research 20 %"
    )
    delivered(world, _at(2026, 3, 31, 23))
    delivered(world, _at(2026, 2, 12))  # February's one-off; a subscription from March
    delivered(world, _at(2026, 3, 5), state="in_progress")  # not delivered: not charged
    delivered(world, _at(2026, 4, 1, 0))  # April's
    stranger = factories.UserFactory(cost_centre=world["other_centre"])
    delivered(world, _at(2026, 3, 3), person=stranger)  # another cost centre's

    statement = chargeback.statement(centre, MARCH)

    in_march = Submission.objects.filter(
        cost_centre=centre,
        ticket__state__in=[State.RESOLVED, State.CLOSED],
        ticket__resolved_at__gte=_at(2026, 3, 1, 0),
        ticket__resolved_at__lt=_at(2026, 4, 1, 0),
    )
    before = Submission.objects.filter(
        cost_centre=centre, ticket__state__in=[State.RESOLVED, State.CLOSED], ticket__resolved_at__lt=_at(2026, 3, 1, 0)
    )
    one_offs = in_march.aggregate(total=Sum("one_off_price"))["total"]
    monthly = before.aggregate(total=Sum("monthly_price"))["total"]
    assert len(statement.one_off_lines) == 3 and len(statement.monthly_lines) == 1
    assert statement.one_off_total == one_offs == Decimal("3080.00")
    assert statement.monthly_total == monthly == Decimal("25.00")
    assert sum((line.amount for line in statement.lines), Decimal(0)) == statement.total == one_offs + monthly
    assert all(isinstance(line.amount, Decimal) for line in statement.lines)
    assert isinstance(statement.total, Decimal)

    line = next(line for line in statement.lines if line.submission_id == discounted.pk)
    assert (line.list_price, line.discount, line.discount_name, line.amount) == (
        Decimal("1100.00"),
        Decimal("220.00"),
        "Research 20 %",
        Decimal("880.00"),
    )
    assert line.reference == discounted.ticket.reference and line.request_type == "New laptop"
    assert statement.list_total - statement.discount_total == statement.total

    # Every cost centre at once says the same, and the other cost centre has its own line only.
    every = {s.cost_centre.pk: s for s in chargeback.statements(MARCH)}
    assert every[centre.pk].lines == statement.lines
    assert [line.amount for line in every[world["other_centre"].pk].lines] == [Decimal("1100.00")]


def test_months_are_counted_in_the_reporting_zone(world, settings):
    settings.REPORTING_TIME_ZONE = "Europe/Stockholm"
    late = delivered(
        world,
        _at(
            2026,
            2,
            28,
            23,
        ),
    )  # 00:00 on 1 March in Stockholm
    assert [line.submission_id for line in chargeback.statement(world["centre"], MARCH).one_off_lines] == [late.pk]
    assert chargeback.statement(world["centre"], date(2026, 2, 1)).lines == []


def _months_charged(world, submission, months) -> list[date]:
    return [
        month
        for month in months
        if any(
            line.submission_id == submission.pk for line in chargeback.statement(world["centre"], month).monthly_lines
        )
    ]


MONTHS = [date(2026, m, 1) for m in range(1, 9)]


def test_a_subscription_starts_the_month_after_delivery_and_a_cancellation_stops_it_at_the_end_of_its_month(world):
    kept = delivered(world, _at(2026, 1, 10))
    assert _months_charged(world, kept, MONTHS) == MONTHS[1:]

    cancelled = delivered(world, _at(2026, 1, 20))
    cancel(world, _at(2026, 4, 28))  # no notice period: the month the cancellation is delivered is the last
    assert _months_charged(world, cancelled, MONTHS) == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    # One cancellation of the service stops every subscription to it the person had.
    assert _months_charged(world, kept, MONTHS) == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]


def test_a_cancellation_not_delivered_or_of_another_service_stops_nothing(world):
    kept = delivered(world, _at(2026, 1, 10))
    cancel(world, _at(2026, 3, 2), state="in_progress")
    cancel(world, _at(2026, 3, 2), service=factories.ServiceFactory(owner_team=world["people"].team))
    cancel(world, _at(2026, 3, 2), person=factories.UserFactory(cost_centre=world["centre"]))
    change = factories.ticket(
        requester=world["holder"],
        team=world["people"].team,
        state="resolved",
        service=world["service"],
        kind="request",
        title="Change: Laptops",
        at=_at(2026, 3, 2),
    )
    assert change.state == State.RESOLVED
    assert _months_charged(world, kept, MONTHS) == MONTHS[1:]


def test_with_a_notice_period_the_notice_date_sets_the_last_month(world):
    service = world["service"]
    service.cancel_notice_days = 5
    service.save()
    sub = delivered(world, _at(2026, 1, 10))
    # Asked on Friday 27 March; five working days on is Friday 3 April, though delivered only in June.
    asked = cancel(world, _at(2026, 3, 27))
    Ticket.objects.filter(pk=asked.pk).update(resolved_at=_at(2026, 6, 2))  # delivered late: notice ran anyway
    assert _months_charged(world, sub, MONTHS) == [date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)]
    statement = chargeback.statement(world["centre"], date(2026, 4, 1))
    assert statement.monthly_lines[0].last_month == date(2026, 4, 1)


def test_working_days_skip_weekends():
    friday = date(2026, 3, 27)
    assert chargeback.add_working_days(friday, 0) == friday
    assert chargeback.add_working_days(friday, 1) == date(2026, 3, 30)
    assert chargeback.add_working_days(friday, 5) == date(2026, 4, 3)
    assert chargeback.add_working_days(friday, 11) == date(2026, 4, 13)


def test_months_are_read_strictly():
    assert chargeback.parse_month("2026-03") == MARCH
    for bad in ("2026-13", "2026-3", "0000-01", "1", "2026-03\n", "march"):
        assert chargeback.parse_month(bad) is None


# -- pages ---------------------------------------------------------------------------------------------------


def _url(centre, month="2026-03", fmt=None):
    return f"/reports/chargeback/{centre.code}/{month}/" + (f"{fmt}/" if fmt else "")


def test_who_may_read_statements(world, client_for):
    people, centre, other = world["people"], world["centre"], world["other_centre"]
    delivered(world, _at(2026, 3, 2))

    manager = client_for(people.manager)
    index = manager.get("/reports/chargeback/?month=2026-03")
    assert index.status_code == 200
    assert centre.code in index.text and other.code in index.text and "1,100.00" in index.text
    assert manager.get(_url(centre)).status_code == 200
    assert manager.get(_url(other)).status_code == 200

    holder = client_for(world["holder"])
    mine = holder.get("/reports/chargeback/?month=2026-03")
    assert mine.status_code == 200 and centre.code in mine.text and other.code not in mine.text
    page = holder.get(_url(centre))
    assert page.status_code == 200 and "Research" not in page.text and "New laptop" in page.text
    assert holder.get(_url(other)).status_code == 404
    assert holder.get(_url(other, fmt="csv")).status_code == 404
    assert client_for(other.holder).get(_url(centre)).status_code == 404

    for person in (people.requester, people.analyst, people.editor):
        client = client_for(person)
        assert client.get("/reports/chargeback/").status_code == 403
        assert client.get(_url(centre)).status_code == 403
        assert client.get(_url(centre, fmt="pdf")).status_code == 403

    anonymous = client_for(None)
    for url in ("/reports/chargeback/", _url(centre), _url(centre, fmt="xlsx")):
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_links_lead_managers_and_holders_to_statements(world, client_for):
    people = world["people"]
    assert "/reports/chargeback/" in client_for(people.manager).get("/reports/").text
    assert "/reports/chargeback/" in client_for(world["holder"]).get("/my/").text
    assert "/reports/chargeback/" not in client_for(people.requester).get("/my/").text


def test_bad_months_and_formats_are_refused_not_errors(world, client_for):
    manager = client_for(world["people"].manager)
    assert manager.get("/reports/chargeback/?month=2026-13").status_code == 400
    assert manager.get(_url(world["centre"], month="2026-13")).status_code == 404
    assert manager.get(_url(world["centre"], fmt="docx")).status_code == 404
    assert manager.get("/reports/chargeback/NOPE/2026-03/").status_code == 404


def test_every_download_opens(world, client_for):
    centre = world["centre"]
    sub = delivered(world, _at(2026, 3, 2), one_off=Decimal("880.00"), discount="Research 20 %")
    delivered(world, _at(2026, 2, 2))
    holder = client_for(world["holder"])

    response = holder.get(_url(centre, fmt="csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Date" and rows[1][1] == sub.ticket.reference
    assert rows[-1][-1] == "905.00" and rows[1][-1] == "880.00" and rows[1][7] == "220.00"

    response = holder.get(_url(centre, fmt="xlsx"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[1][1] == sub.ticket.reference
    assert Decimal(str(values[-1][-1])) == Decimal("905.00")

    response = holder.get(_url(centre, fmt="pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert f"{centre.code}-2026-03.pdf".lower() in response["Content-Disposition"].lower()


def test_the_pdf_fetches_nothing_over_the_network(world):
    from weasyprint import HTML

    from helpdesk.views import chargeback as views

    fetcher = views.local_fetcher()
    for url in ("https://example.org/style.css", "http://127.0.0.1/logo.png", "ftp://example.org/x"):
        with pytest.raises(ValueError, match="network"):
            fetcher.fetch(url)
    # A page that asks for a remote image still renders: the image is left out, nothing is fetched.
    page = HTML(string='<p>Hi <img src="https://example.org/x.png"></p>', url_fetcher=fetcher)
    assert page.write_pdf().startswith(b"%PDF")
    statement = chargeback.statement(world["centre"], MARCH)
    html = views.render_to_string("helpdesk/chargeback/pdf/statement.html", views._context(statement))
    assert "http:" not in html and "https:" not in html


def test_statement_pages_run_the_same_queries_for_few_lines_and_many(world, client_for):
    manager = client_for(world["people"].manager)
    centre = world["centre"]

    def count(url) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert manager.get(url).status_code == 200
        return len(queries)

    delivered(world, _at(2026, 3, 2))
    delivered(world, _at(2026, 2, 2))
    few = (count(_url(centre)), count("/reports/chargeback/?month=2026-03"), count(_url(centre, fmt="csv")))
    for day in range(3, 23):
        delivered(world, _at(2026, 3, day))
        delivered(world, _at(2026, 1, day), person=factories.UserFactory(cost_centre=world["other_centre"]))
    many = (count(_url(centre)), count("/reports/chargeback/?month=2026-03"), count(_url(centre, fmt="csv")))
    assert few == many
    assert len(chargeback.statement(centre, MARCH).lines) == 22
