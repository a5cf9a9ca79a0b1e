"""The chargeback statement: what one cost centre is charged for one month, line by line, each line a
catalogue request (`catalogue.Submission`) and the ticket that delivered it.

The rules, as a finance controller reads them:

- **Months** are counted in the organisation's reporting zone (`REPORTING_TIME_ZONE`), as reports are.
- **Delivered** means the request's ticket is resolved or closed; it is delivered in the month of its
  `resolved_at`. A reopened request is not delivered until it is resolved again.
- **Charged to** the cost centre recorded on the submission: the requester's when they asked, as quoted.
- **One-off lines**: every priced request delivered in the month, at the one-off price quoted.
- **Monthly lines**: a delivered request with a monthly price is a subscription. It is charged for whole
  months from the month *after* the month it was delivered (no pro rata: the month of delivery is the
  set-up month, paid by the one-off price).
- **Cancelling**: a delivered "Cancel" request raised from /my/services/ by the same person for the same
  service, after the subscription was delivered, stops it. When the service has a notice period
  (`Service.cancel_notice_days`, working days Monday to Friday, public holidays not skipped), the notice
  runs from the day the cancellation was asked for and the month the notice date falls in is the last
  month charged; without one, the last month charged is the month the cancellation was delivered.
  Cancellations are recognised by their title ("Cancel: <service>", in any of the site's languages),
  which is all /my/services/ records of them.
- **List price and discount**: a submission records the price quoted and the discount scheme's name, not
  the list price. An undiscounted line's list price is the amount; a discounted line's list price is the
  request type's price now (never below the amount), and the discount is the difference. The amount is
  always what was quoted, so totals reconcile with the submissions exactly.

Amounts are Decimal throughout. `statements(month)` answers for every cost centre in four queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import reduce
from operator import or_

from django.conf import settings
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext

from catalogue.models import RequestKind, Submission
from helpdesk.models import CostCentre, State, Ticket
from helpdesk.models.people import display_name
from helpdesk.reports.periods import MONTH, next_month, reporting_zone

ZERO = Decimal("0.00")
DELIVERED = (State.RESOLVED, State.CLOSED)
ONE_OFF = "one-off"
MONTHLY = "monthly"


@dataclass(frozen=True)
class Line:
    """One charge. `day` is the delivery date (one-off) or the first day of the month charged (monthly)."""

    kind: str  # ONE_OFF or MONTHLY
    day: date
    reference: str
    service: str
    request_type: str
    requester: str
    list_price: Decimal
    discount: Decimal
    discount_name: str
    amount: Decimal
    delivered: date
    last_month: date | None = None  # monthly: the last month charged, once a cancellation has set one
    submission_id: int = 0


@dataclass
class Statement:
    cost_centre: CostCentre
    month: date  # the first day
    lines: list[Line] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def one_off_lines(self) -> list[Line]:
        return [line for line in self.lines if line.kind == ONE_OFF]

    @property
    def monthly_lines(self) -> list[Line]:
        return [line for line in self.lines if line.kind == MONTHLY]

    @property
    def one_off_total(self) -> Decimal:
        return sum((line.amount for line in self.one_off_lines), ZERO)

    @property
    def monthly_total(self) -> Decimal:
        return sum((line.amount for line in self.monthly_lines), ZERO)

    @property
    def list_total(self) -> Decimal:
        return sum((line.list_price for line in self.lines), ZERO)

    @property
    def discount_total(self) -> Decimal:
        return sum((line.discount for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.one_off_total + self.monthly_total


def parse_month(text: str) -> date | None:
    """The first day of the month written `yyyy-mm`; None when it is not one."""
    found = MONTH.match(text) if len(text) == 7 else None
    if not found or not 1 <= int(found.group(2)) <= 12 or int(found.group(1)) < 1:
        return None
    return date(int(found.group(1)), int(found.group(2)), 1)


def add_working_days(day: date, count: int) -> date:
    """`count` working days (Monday to Friday) after `day`; `day` itself when `count` is 0."""
    weeks, rest = divmod(count, 5)
    day += timedelta(weeks=weeks)
    while rest:
        day += timedelta(days=1)
        if day.weekday() < 5:
            rest -= 1
    return day


def _bounds(month: date) -> tuple[datetime, datetime]:
    zone = reporting_zone()
    start = datetime(month.year, month.month, 1, tzinfo=zone)
    after = next_month(month)
    return start, datetime(after.year, after.month, 1, tzinfo=zone)


def _local_day(moment: datetime) -> date:
    return moment.astimezone(reporting_zone()).date()


def _cancel_titles_q() -> Q:
    """Titles of "Cancel" requests from /my/services/, as written in any of the site's languages."""
    prefixes = set()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            prefixes.add(gettext("Cancel") + ": ")
    return reduce(or_, (Q(title__startswith=prefix) for prefix in sorted(prefixes)))


def _priced(kind_price: str, list_price: str) -> Q:
    """Charged something, or discounted from a list price down to nothing (the discount is worth showing)."""
    return Q(**{f"{kind_price}__gt": 0}) | (~Q(discount="") & Q(**{f"request_type__{list_price}__gt": 0}))


def _prices(amount: Decimal, list_now: Decimal, discount_name: str) -> tuple[Decimal, Decimal]:
    """(list price, discount) for a line charged `amount` (see the module's note on list prices)."""
    if not discount_name:
        return amount, ZERO
    list_price = max(list_now, amount)
    return list_price, list_price - amount


def _line(submission: Submission, kind: str, day: date, last_month: date | None = None) -> Line:
    request_type = submission.request_type
    if kind == ONE_OFF:
        amount, list_now = submission.one_off_price, request_type.one_off_price
    else:
        amount, list_now = submission.monthly_price, request_type.monthly_price
    list_price, discount = _prices(amount, list_now, submission.discount)
    person = submission.requester
    return Line(
        kind=kind,
        day=day,
        reference=submission.ticket.reference or "",
        service=request_type.service.name,
        request_type=request_type.name,
        requester=display_name(person.first_name, person.last_name, person.username),
        list_price=list_price,
        discount=discount,
        discount_name=submission.discount,
        amount=amount,
        delivered=_local_day(submission.ticket.resolved_at),
        last_month=last_month,
        submission_id=submission.pk,
    )


def _last_months(subscriptions: list[Submission]) -> dict[int, date]:
    """{submission id: last month charged} for the subscriptions a delivered cancellation stops. One query."""
    if not subscriptions:
        return {}
    cancellations = (
        Ticket.objects.filter(
            _cancel_titles_q(),
            kind=RequestKind.REQUEST,
            submission__isnull=True,
            state__in=DELIVERED,
            requester_id__in={s.requester_id for s in subscriptions},
            service_id__in={s.request_type.service_id for s in subscriptions},
        )
        .values_list("requester_id", "service_id", "created_at", "resolved_at")
        .order_by("created_at")
    )
    by_whom: dict[tuple[int, int], list[tuple[datetime, datetime]]] = defaultdict(list)
    for requester_id, service_id, asked, delivered in cancellations:
        by_whom[requester_id, service_id].append((asked, delivered))
    ends = {}
    for submission in subscriptions:
        service = submission.request_type.service
        started = submission.ticket.resolved_at
        stops = [
            (
                add_working_days(_local_day(asked), service.cancel_notice_days)
                if service.cancel_notice_days
                else _local_day(delivered)
            ).replace(day=1)
            for asked, delivered in by_whom[submission.requester_id, service.pk]
            if asked >= started
        ]
        if stops:
            ends[submission.pk] = min(stops)
    return ends


def _submissions(cost_centres: Iterable[int] | None):
    chosen = Submission.objects.select_related("ticket", "request_type__service", "requester").filter(
        ticket__state__in=DELIVERED, cost_centre__isnull=False
    )
    return chosen if cost_centres is None else chosen.filter(cost_centre_id__in=list(cost_centres))


def _build(month: date, cost_centres: list[CostCentre], *, only: Iterable[int] | None) -> list[Statement]:
    month = month.replace(day=1)
    start, end = _bounds(month)
    found = {cc.pk: Statement(cost_centre=cc, month=month) for cc in cost_centres}
    one_offs = (
        _submissions(only)
        .filter(_priced("one_off_price", "one_off_price"), ticket__resolved_at__gte=start, ticket__resolved_at__lt=end)
        .order_by("ticket__resolved_at", "pk")
    )
    for submission in one_offs:
        day = _local_day(submission.ticket.resolved_at)
        found[submission.cost_centre_id].lines.append(_line(submission, ONE_OFF, day))
    # Delivered before this month began: a subscription's first month is the one after delivery.
    subscriptions = list(
        _submissions(only)
        .filter(_priced("monthly_price", "monthly_price"), ticket__resolved_at__lt=start)
        .order_by("ticket__resolved_at", "pk")
    )
    ends = _last_months(subscriptions)
    for submission in subscriptions:
        last = ends.get(submission.pk)
        if last is None or last >= month:
            found[submission.cost_centre_id].lines.append(_line(submission, MONTHLY, month, last))
    return list(found.values())


def statement(cost_centre: CostCentre, month: date) -> Statement:
    """The statement of `cost_centre` for the month `month` falls in. Three queries."""
    return _build(month, [cost_centre], only=[cost_centre.pk])[0]


def statements(month: date, cost_centres: Iterable[CostCentre] | None = None) -> list[Statement]:
    """The statements of every cost centre (or of `cost_centres`), in code order, for the month `month`
    falls in; a cost centre with nothing charged has an empty statement. Four queries."""
    if cost_centres is None:
        chosen = list(CostCentre.objects.select_related("division", "holder").order_by("code"))
        return _build(month, chosen, only=None)
    chosen = sorted(cost_centres, key=lambda cc: cc.code)
    return _build(month, chosen, only=[cc.pk for cc in chosen])
