"""Every figure of one month's board report, gathered once into plain data (JSON) that is kept with it.

A report is sections of tables. A table has typed columns (text, count, percent, amount, average, time,
date) and rows of raw values: the page and the PDF show them formatted (`helpdesk.templatetags.board`),
the CSV keeps them as numbers (amounts as exact decimal text). A table may carry a chart: a picture of
the same rows, never of anything the table does not show.

Figures come from the same reads as the pages managers use, so they agree with them: service delivery
and quality from `helpdesk.reports.read.report` (the /reports/ page), cost from
`helpdesk.chargeback.statements` (/reports/chargeback/), reviews from `catalogue.reviews.overdue_count`
(the review queue), gaps from `catalogue.demand.gaps` (the admin's unmet-demand table).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail import hooks

from catalogue import demand, reviews
from helpdesk import chargeback
from helpdesk.models import FollowUp, Improvement, Problem, ReportState, StaffSurvey
from helpdesk.models.people import display_name
from helpdesk.reports import read
from helpdesk.reports.periods import Period, month, window
from helpdesk.reports.read import Figures, Slice
from helpdesk.reports.table import HEADLINE, shown
from helpdesk.templatetags.reports import cell

TREND_MONTHS = 6  # the month and the five before it
HOOK = "board_report_sections"  # fn(period, start, end) -> list[Section]; see cms/wagtail_hooks.py


@dataclass
class Column:
    label: str
    kind: str = "text"  # text, count, percent, amount, average, time (seconds), date (ISO)


@dataclass
class Table:
    key: str  # unique in the report: the CSV's name
    title: str
    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    total: list | None = None
    note: str = ""
    empty: str = ""  # what to say when there are no rows
    chart: dict | None = None  # {"kind": "columns" | "percents", "title": ..., ...}: see helpdesk/board/make.py


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    facts: list[list] = field(default_factory=list)  # [label, value, value before]: large figures, as text
    tables: list[Table] = field(default_factory=list)


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def month_periods(period: Period, count: int) -> list[Period]:
    """`count` months ending with `period`'s, oldest first."""
    found = [period]
    while len(found) < count:
        found.insert(0, month(found[0].first - timedelta(days=1)))
    return found


def _delivery(period: Period, everyone: read.Report, by_service: read.Report, trend: list[read.Report]) -> Section:
    by_priority = Table(
        "targets",
        _("Targets met, by priority"),
        [
            Column(_("Priority")),
            Column(_("First response on time"), "percent"),
            Column(_("First responses judged"), "count"),
            Column(_("Resolved on time"), "percent"),
            Column(_("Resolutions judged"), "count"),
        ],
        [
            [row.label, row.response_percent, row.response_judged, row.resolution_percent, row.resolution_judged]
            for row in everyone.by_priority
        ],
        total=[
            _("All"),
            everyone.total.response_percent,
            everyone.total.response_judged,
            everyone.total.resolution_percent,
            everyone.total.resolution_judged,
        ],
        note=_(
            "A target is judged when it stops: first response when the team first replies, resolution when "
            "the ticket is resolved, in business time on the ticket's calendar."
        ),
        empty=_("No ticket was judged against a target this month."),
        chart={
            "kind": "percents",
            "title": _("Share resolved on time per priority, as a bar from 0 to 100 %; the table has the figures"),
            "rows": [[row.label, row.resolution_percent] for row in everyone.by_priority],
        },
    )
    services = Table(
        "services",
        _("By service"),
        [
            Column(_("Service")),
            Column(_("Raised"), "count"),
            Column(_("Resolved"), "count"),
            Column(_("Open at the end"), "count"),
            Column(_("First response on time"), "percent"),
            Column(_("Resolved on time"), "percent"),
            Column(_("Resolution, median"), "time"),
            Column(_("Satisfaction (1 to 5)"), "average"),
        ],
        [_service_row(row.label, row) for row in by_service.rows],
        total=_service_row(_("All"), by_service.total),
        empty=_("Nothing was raised, resolved or judged this month."),
    )
    months = Table(
        "trend",
        _("Month by month"),
        [
            Column(_("Month")),
            Column(_("Raised"), "count"),
            Column(_("Resolved"), "count"),
            Column(_("Open at the end"), "count"),
            Column(_("First response on time"), "percent"),
            Column(_("Resolved on time"), "percent"),
        ],
        [
            [
                one.period.label,
                one.total.raised,
                one.total.resolved,
                one.total.backlog,
                one.total.response_percent,
                one.total.resolution_percent,
            ]
            for one in trend
        ],
        chart={
            "kind": "columns",
            "title": _("Tickets raised (blue) and resolved (green) per month; the table has the figures"),
            "groups": [
                {
                    "label": date_format(one.period.first, "M"),
                    "raised": one.total.raised,
                    "resolved": one.total.resolved,
                }
                for one in trend
            ],
        },
    )
    total, before = everyone.total, everyone.before_total
    return Section(
        "delivery",
        _("Service delivery"),
        _(
            "Tickets raised, resolved and still open, and the share that met their targets, for %(month)s; "
            "beside each figure, %(before)s."
        )
        % {"month": period.label, "before": everyone.previous.label},
        facts=[[str(column.label), cell(total, column), cell(before, column)] for column in HEADLINE],
        tables=[by_priority, services, months],
    )


def _service_row(label: str, row: Figures) -> list:
    return [
        label,
        row.raised,
        row.resolved,
        row.backlog,
        row.response_percent,
        row.resolution_percent,
        _seconds(row.resolution_median),
        row.csat_average,
    ]


def _quality(period: Period, everyone: read.Report, start: datetime, end: datetime) -> Section:
    total, before = everyone.total, everyone.before_total
    follow_ups = FollowUp.objects.aggregate(
        opened=Count("pk", filter=Q(opened_at__gte=start, opened_at__lt=end)),
        closed=Count("pk", filter=Q(closed_at__gte=start, closed_at__lt=end)),
        still_open=Count("pk", filter=Q(opened_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))),
    )
    problems = Problem.objects.aggregate(
        opened=Count("pk", filter=Q(created_at__gte=start, created_at__lt=end)),
        resolved=Count("pk", filter=Q(resolved_at__gte=start, resolved_at__lt=end)),
    )

    def measured(label: str, figures: Figures) -> list:
        return [
            label,
            figures.csat_average,
            figures.csat_percent,
            figures.csat_rate,
            figures.csat_unhappy,
            figures.reopen_percent,
            figures.first_contact_percent,
        ]

    measures = Table(
        "quality",
        _("What the people served said"),
        [
            Column(_("Month")),
            Column(_("Satisfaction (1 to 5)"), "average"),
            Column(_("Satisfied (4 or 5)"), "percent"),
            Column(_("Answered the question"), "percent"),
            Column(_("Dissatisfied (1 or 2)"), "count"),
            Column(_("Reopened"), "percent"),
            Column(_("Resolved at first contact"), "percent"),
        ],
        [measured(period.label, total), measured(everyone.previous.label, before)],
    )
    followed = Table(
        "follow_ups",
        _("Followed up"),
        [
            Column(_("Month")),
            Column(_("Poor answers followed up: opened"), "count"),
            Column(_("Closed"), "count"),
            Column(_("Still open at the end"), "count"),
            Column(_("Problems opened"), "count"),
            Column(_("Problems resolved"), "count"),
        ],
        [
            [
                period.label,
                follow_ups["opened"],
                follow_ups["closed"],
                follow_ups["still_open"],
                problems["opened"],
                problems["resolved"],
            ]
        ],
        note=_(
            "A poor answer (1 or 2) is followed up by the team's lead; a problem is the one cause behind incidents."
        ),
    )
    tables = [measures, followed]
    surveys = _surveys(period)
    if surveys.rows:
        tables.append(surveys)
    tables += _improvements(start, end)
    return Section(
        "quality",
        _("Quality"),
        _("What the people served said, what was followed up, and the improvement actions of the month."),
        facts=[
            [_("Satisfaction (1 to 5)"), shown(total.csat_average, "average"), shown(before.csat_average, "average")],
            [_("Reopened"), shown(total.reopen_percent, "percent"), shown(before.reopen_percent, "percent")],
        ],
        tables=tables,
    )


def _surveys(period: Period) -> Table:
    from helpdesk import staff_survey

    found = StaffSurvey.objects.filter(
        sent_at__isnull=False, opens_on__lte=period.last, closes_on__gte=period.first
    ).order_by("opens_on", "pk")
    rows = []
    for survey in found:
        results = staff_survey.results(survey, today=period.last)
        rows.append(
            [
                survey.title,
                survey.opens_on.isoformat(),
                survey.closes_on.isoformat(),
                results.invited,
                results.answered,
                results.rate,
            ]
        )
    return Table(
        "survey",
        _("Staff survey"),
        [
            Column(_("Survey")),
            Column(_("Opened"), "date"),
            Column(_("Closes"), "date"),
            Column(_("Asked"), "count"),
            Column(_("Answered"), "count"),
            Column(_("Share who answered"), "percent"),
        ],
        rows,
        note=_("The survey's answers, question by question, are on its own results page."),
    )


def _improvements(start: datetime, end: datetime) -> list[Table]:
    """Actions open when the month ended (made before its end, not done by then) and actions done in it.
    Dropped actions keep no date, so they are in neither."""
    chosen = (
        Improvement.objects.filter(created_at__lt=end)
        .exclude(status=Improvement.Status.DROPPED)
        .filter(Q(done_at__isnull=True) | Q(done_at__gte=start))
        .select_related("owner")
        .annotate(linked=Count("tickets"))
        .order_by("due_on", "created_at", "pk")
    )
    columns = [
        Column(_("Action")),
        Column(_("Came from")),
        Column(_("Owner")),
        Column(_("Status now")),
        Column(_("Due"), "date"),
        Column(_("Tickets linked"), "count"),
    ]
    sources, statuses = dict(Improvement.Source.choices), dict(Improvement.Status.choices)
    open_rows, done_rows = [], []
    for item in chosen:
        owner = item.owner
        row = [
            item.title,
            str(sources.get(item.source, "")),
            display_name(owner.first_name, owner.last_name, owner.username) if owner else "",
            str(statuses.get(item.status, "")),
            item.due_on.isoformat() if item.due_on else None,
            item.linked,
        ]
        (done_rows if item.done_at and item.done_at < end else open_rows).append(row)
    return [
        Table(
            "improvements_open",
            _("Improvement actions open at the end of the month"),
            columns,
            open_rows,
            note=_("Status now: as it stands on the day the report was made."),
            empty=_("No improvement action was open."),
        ),
        Table(
            "improvements_finished",
            _("Improvement actions finished this month"),
            columns,
            done_rows,
            empty=_("No improvement action was finished this month."),
        ),
    ]


def _cost(period: Period) -> tuple[Section, Decimal]:
    statements = chargeback.statements(period.first)
    divisions: dict[str, dict] = defaultdict(
        lambda: {"centres": 0, "one_off": Decimal(0), "monthly": Decimal(0), "discount": Decimal(0)}
    )
    for statement in statements:
        if not statement.lines:
            continue
        name = statement.cost_centre.division.name if statement.cost_centre.division_id else _("No division")
        row = divisions[name]
        row["centres"] += 1
        row["one_off"] += statement.one_off_total
        row["monthly"] += statement.monthly_total
        row["discount"] += statement.discount_total
    total = {
        key: sum((row[key] for row in divisions.values()), Decimal(0)) for key in ("one_off", "monthly", "discount")
    }
    grand = total["one_off"] + total["monthly"]
    ordered = sorted(divisions.items(), key=lambda item: (-(item[1]["one_off"] + item[1]["monthly"]), item[0]))
    table = Table(
        "cost",
        _("Charges by division"),
        [
            Column(_("Division")),
            Column(_("Cost centres charged"), "count"),
            Column(_("One-off"), "amount"),
            Column(_("Monthly subscriptions"), "amount"),
            Column(_("Discounts given"), "amount"),
            Column(_("Total charged"), "amount"),
        ],
        [
            [
                name,
                row["centres"],
                _money(row["one_off"]),
                _money(row["monthly"]),
                _money(row["discount"]),
                _money(row["one_off"] + row["monthly"]),
            ]
            for name, row in ordered
        ],
        total=[
            _("All"),
            sum(row["centres"] for row in divisions.values()),
            _money(total["one_off"]),
            _money(total["monthly"]),
            _money(total["discount"]),
            _money(grand),
        ],
        note=_(
            "From the chargeback statements of every cost centre for the month: amounts in %(currency)s, "
            "as quoted when each request was made, after discounts."
        )
        % {"currency": settings.CURRENCY},
        empty=_("Nothing was charged this month."),
        chart={
            "kind": "percents",
            "title": _(
                "Each division's share of the month's charges, as a bar from 0 to 100 %; the table has the amounts"
            ),
            "rows": [
                [name, round(100 * (row["one_off"] + row["monthly"]) / grand) if grand else None]
                for name, row in ordered
            ],
        },
    )
    section = Section(
        "cost",
        _("Cost"),
        _("What was charged to divisions and cost centres for the services delivered."),
        facts=[[_("Total charged"), f"{_money(grand)} {settings.CURRENCY}", ""]],
        tables=[table],
    )
    return section, grand


def _catalogue(start: datetime, end: datetime, today: date) -> tuple[Section, int]:
    overdue = reviews.overdue_count(today=today)
    found = demand.gaps(start, end)
    table = Table(
        "gaps",
        _("Demand the catalogue did not meet"),
        [Column(_("What was wanted")), Column(_("Kind")), Column(_("Division")), Column(_("Times"), "count")],
        [[gap.what, gap.kind_label, gap.division or _("No division"), gap.count] for gap in found],
        note=_("Catalogue searches that found nothing, and requests refused because the person was not entitled."),
        empty=_("Every search found something and no request was refused this month."),
    )
    section = Section(
        "catalogue",
        _("The catalogue"),
        _("Services and forms are questioned once a year; overdue reviews are counted on %(day)s.")
        % {"day": date_format(today, "DATE_FORMAT")},
        facts=[[_("Reviews overdue"), str(overdue), ""]],
        tables=[table],
    )
    return section, overdue


def gather(period: Period, *, today: date) -> dict:
    """Every figure of the board report for `period` (a month), as plain data to keep. `today` is the
    day the report is made: the review queue is counted as it stands then."""
    start, end = window(period)
    everyone = read.report(period, Slice())
    by_service = read.report(period, Slice(by="service"))
    trend = [read.report(one, Slice()) for one in month_periods(period, TREND_MONTHS)[:-1]] + [everyone]
    cost, charged = _cost(period)
    catalogue, overdue = _catalogue(start, end, today)
    sections = [_delivery(period, everyone, by_service, trend)]
    for hook in hooks.get_hooks(HOOK):
        sections += hook(period, start, end)
    sections += [_quality(period, everyone, start, end), cost, catalogue]
    state = ReportState.objects.filter(key="facts").values_list("refreshed_at", flat=True).first()
    total = everyone.total
    return {
        "month": period.key,
        "label": period.label,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "previous": everyone.previous.label,
        "zone": settings.REPORTING_TIME_ZONE,
        "currency": settings.CURRENCY,
        "made_on": today.isoformat(),
        "facts_as_of": state.isoformat() if state else None,
        "totals": {
            "raised": total.raised,
            "resolved": total.resolved,
            "backlog": total.backlog,
            "response_percent": total.response_percent,
            "resolution_percent": total.resolution_percent,
            "response_judged": total.response_judged,
            "resolution_judged": total.resolution_judged,
            "reopen_percent": total.reopen_percent,
            "first_contact_percent": total.first_contact_percent,
            "csat_average": total.csat_average,
            "csat_answered": total.csat_answered,
            "charged": _money(charged),
            "reviews_overdue": overdue,
        },
        "sections": [asdict(section) for section in sections],
    }


def tables(figures: dict) -> dict[str, dict]:
    """Every table of a kept report, by key, in the order the report shows them."""
    return {table["key"]: table for section in figures["sections"] for table in section["tables"]}
