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
from django.db.models import F, Q
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


def _line(row: dict, kind: str, day: date, last_month: date | None = None) -> Line:
    if kind == ONE_OFF:
        amount, list_now = row["one_off_price"], row["list_one_off"]
    else:
        amount, list_now = row["monthly_price"], row["list_monthly"]
    list_price, discount = _prices(amount, list_now, row["discount"])
    return Line(
        kind=kind,
        day=day,
        reference=row["reference"] or "",
        service=row["service"],
        request_type=row["request_type_name"],
        requester=display_name(row["first_name"], row["last_name"], row["username"]),
        list_price=list_price,
        discount=discount,
        discount_name=row["discount"],
        amount=amount,
        delivered=_local_day(row["resolved_at"]),
        last_month=last_month,
        submission_id=row["pk"],
    )


def _last_months(subscriptions: list[dict]) -> dict[int, date]:
    """{submission id: last month charged} for the subscriptions a delivered cancellation stops. One query."""
    if not subscriptions:
        return {}
    cancellations = (
        Ticket.objects.filter(
            _cancel_titles_q(),
            kind=RequestKind.REQUEST,
            submission__isnull=True,
            state__in=DELIVERED,
            requester_id__in={row["requester_id"] for row in subscriptions},
            service_id__in={row["service_id"] for row in subscriptions},
        )
        .values_list("requester_id", "service_id", "created_at", "resolved_at")
        .order_by("created_at")
    )
    by_whom: dict[tuple[int, int], list[tuple[datetime, datetime]]] = defaultdict(list)
    for requester_id, service_id, asked, delivered in cancellations:
        by_whom[requester_id, service_id].append((asked, delivered))
    ends = {}
    for row in subscriptions:
        notice = row["notice_days"]
        stops = [
            (add_working_days(_local_day(asked), notice) if notice else _local_day(delivered)).replace(day=1)
            for asked, delivered in by_whom[row["requester_id"], row["service_id"]]
            if asked >= row["resolved_at"]
        ]
        if stops:
            ends[row["pk"]] = min(stops)
    return ends


# What a line reads, as plain rows: statements for every cost centre read tens of thousands of them, and
# building five model instances for each (the ticket's state machine among them) took most of the time.
ROW = {
    "reference": F("ticket__reference"),
    "resolved_at": F("ticket__resolved_at"),
    "request_type_name": F("request_type__name"),
    "list_one_off": F("request_type__one_off_price"),
    "list_monthly": F("request_type__monthly_price"),
    "service_id": F("request_type__service_id"),
    "service": F("request_type__service__name"),
    "notice_days": F("request_type__service__cancel_notice_days"),
    "first_name": F("requester__first_name"),
    "last_name": F("requester__last_name"),
    "username": F("requester__username"),
}


def _submissions(cost_centres: Iterable[int] | None):
    chosen = Submission.objects.filter(ticket__state__in=DELIVERED, cost_centre__isnull=False)
    chosen = chosen if cost_centres is None else chosen.filter(cost_centre_id__in=list(cost_centres))
    return chosen.values("pk", "requester_id", "cost_centre_id", "one_off_price", "monthly_price", "discount", **ROW)


def _build(month: date, cost_centres: list[CostCentre], *, only: Iterable[int] | None) -> list[Statement]:
    month = month.replace(day=1)
    start, end = _bounds(month)
    found = {cc.pk: Statement(cost_centre=cc, month=month) for cc in cost_centres}
    one_offs = (
        _submissions(only)
        .filter(_priced("one_off_price", "one_off_price"), ticket__resolved_at__gte=start, ticket__resolved_at__lt=end)
        .order_by("ticket__resolved_at", "pk")
    )
    for row in one_offs:
        found[row["cost_centre_id"]].lines.append(_line(row, ONE_OFF, _local_day(row["resolved_at"])))
    # Delivered before this month began: a subscription's first month is the one after delivery.
    subscriptions = list(
        _submissions(only)
        .filter(_priced("monthly_price", "monthly_price"), ticket__resolved_at__lt=start)
        .order_by("ticket__resolved_at", "pk")
    )
    ends = _last_months(subscriptions)
    for row in subscriptions:
        last = ends.get(row["pk"])
        if last is None or last >= month:
            found[row["cost_centre_id"]].lines.append(_line(row, MONTHLY, month, last))
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
