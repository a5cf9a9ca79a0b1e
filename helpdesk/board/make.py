"""Making, keeping and mailing the board report.

- **When**: the scheduler asks every hour (`helpdesk.tasks.make_board_report`); the report for the month
  before is made on the first working day of a month (Monday to Friday, not a public holiday or closure of
  the default service level's calendar), or on the first run after it when none was made that day.
- **Kept**: figures, the page and the PDF are stored together and never changed. Making it again is a
  new version, which must say why; every version stays readable.
- **Mailed** to every manager with an address, in the same transaction as the report is stored (the
  outbox retries until the mail server takes it). The mail gives the headline figures and a link; the
  paper itself, its tables and its PDF stay behind the sign-in.
- **Only whole months that are over**, and only once the report figures have counted the month's last
  hours (`ReportState.refreshed_at`), whoever asks.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import tablib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _

from catalogue.money import written
from catalogue.spreadsheet import safe
from helpdesk import outbox
from helpdesk.board import figures as board_figures
from helpdesk.languages import language_of, writing_for
from helpdesk.models import BoardReport, Mail, ReportState, User
from helpdesk.reports import charts
from helpdesk.reports.periods import MONTH, Period, last_full_month, month, today, window
from helpdesk.roles import managers_q
from helpdesk.services import Refused
from sla.models import Policy

REASON_LIMIT = BoardReport._meta.get_field("reason").max_length


def first_working_day(first: date) -> date:
    """The first working day of the month starting `first`: Monday to Friday, not closed on the default
    service level's calendar (its public holidays and closures)."""
    policy = Policy.default()
    closed = policy.calendar.closed_dates() if policy and policy.calendar_id else ()
    day = first
    while day.weekday() >= 5 or day in closed:
        day += timedelta(days=1)
    return day


def counted(period: Period) -> bool:
    """Whether the report figures were brought up to date after `period` ended."""
    refreshed = ReportState.objects.filter(key="facts").values_list("refreshed_at", flat=True).first()
    return refreshed is not None and refreshed >= window(period)[1]


def _drawn(chart: dict | None):
    if not chart:
        return None
    if chart["kind"] == "columns":
        series = (("raised", _("Raised")), ("resolved", _("Resolved")))
        return charts.columns(chart["groups"], series, lambda group: group["label"])
    return charts.percents([(label, percent) for label, percent in chart["rows"]])


def render_html(figures: dict) -> str:
    """The report's body as HTML: the same for the page and the PDF."""

    def laid_out(table: dict) -> dict:
        kinds = [column["kind"] for column in table["columns"]]
        rows = [list(zip(row, kinds, strict=True)) for row in table["rows"]]
        total = list(zip(table["total"], kinds, strict=True)) if table.get("total") else None
        return {**table, "drawn": _drawn(table["chart"]), "cells": rows, "total_cells": total}

    sections = [
        {**section, "tables": [laid_out(table) for table in section["tables"]]} for section in figures["sections"]
    ]
    return render_to_string("helpdesk/board/_body.html", {"figures": figures, "sections": sections})


def render_pdf(report: BoardReport) -> bytes | None:
    """The kept body as a board paper (A4, numbered pages), drawn by WeasyPrint with the system's fonts
    and no network access; None on a server without WeasyPrint or Pango (the report is kept without)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError):
        return None

    from helpdesk.views.chargeback import local_fetcher

    html = render_to_string("helpdesk/board/pdf/report.html", {"report": report, "body": report.html})
    return HTML(string=html, base_url=str(settings.STATICFILES_DIRS[0]), url_fetcher=local_fetcher()).write_pdf()


def _managers() -> list[User]:
    return list(User.objects.filter(managers_q(), is_active=True).exclude(email="").distinct().order_by("pk"))


def _mails(report: BoardReport) -> list[outbox.Outgoing]:
    link = settings.WAGTAILADMIN_BASE_URL + report.get_absolute_url() + f"?version={report.version}"
    mails = []
    for person in _managers():
        with writing_for(person):
            subject = _("Board report for %(month)s") % {"month": date_format(report.month, "YEAR_MONTH_FORMAT")}
            if report.version > 1:
                subject = _("%(subject)s, version %(version)s") % {"subject": subject, "version": report.version}
            # The report is in the site's language; the mail about it is in its reader's.
            month = date_format(report.month, "YEAR_MONTH_FORMAT")
            charged = written(Decimal(str(report.figures["totals"]["charged"])), free_word=False)
            body = render_to_string(
                "emails/board_report.txt",
                {"report": report, "person": person, "link": link, "month": month, "charged": charged},
            )
        mails.append(outbox.Outgoing(to=[person.email], subject=subject, body=body, purpose=Mail.Purpose.REPORT))
    return mails


def generate(period: Period, *, by: User | None = None, reason: str = "", now: datetime | None = None) -> BoardReport:
    """Make and keep the report for `period` (a month), and mail the managers. The first version needs
    no reason; every later one does. Refused (400) for a month not yet over or a missing reason."""
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if not MONTH.match(period.key):
        raise Refused(_("A board report is made for one month, such as 2026-11."), status=400)
    if period.last >= today(now):
        raise Refused(_("A month's board report can be made once the month is over."), status=400)
    if not counted(period):
        raise Refused(
            _("The report figures have not counted the last hours of %(month)s yet: try again in a few minutes.")
            % {"month": period.label},
            status=409,
        )
    if len(reason) > REASON_LIMIT:
        raise Refused(_("Say why in at most %(n)s characters.") % {"n": REASON_LIMIT}, status=400)
    if BoardReport.objects.filter(month=period.first).exists() and not reason:
        raise Refused(_("This month's report was made already: say why it is being made again."), status=400)
    # The version is the one after those kept when asked: one made meanwhile refuses this one (409).
    latest_version = BoardReport.objects.filter(month=period.first).aggregate(latest=Max("version"))["latest"]
    # Every version in the site's language, whoever asks for it and in whatever language they read.
    with writing_for(None):
        figures = board_figures.gather(period, today=today(now))
        report = BoardReport(
            month=period.first,
            version=(latest_version or 0) + 1,
            reason=reason,
            generated_at=now,
            generated_by=by,
            figures=figures,
            language=language_of(None),
            html=render_html(figures),
            mailed_at=now,
        )
        # The PDF is drawn (a second or two) before the transaction, and removed again if the row is not kept.
        drawn = render_pdf(report)
    if drawn is not None:
        report.pdf.save(f"board-{period.key}-v{report.version}.pdf", ContentFile(drawn), save=False)
    try:
        with transaction.atomic():
            report.save(force_insert=True)
            outbox.queue(_mails(report), now=now)
    except BaseException as error:
        if report.pdf:
            report.pdf.delete(save=False)
        if not isinstance(error, IntegrityError):
            raise
        raise Refused(
            _("Another version of this month's report was made at the same moment: read it before making one more."),
            status=409,
        ) from None
    return report


def generate_due(*, now: datetime | None = None) -> BoardReport | None:
    """The scheduler's job: make last month's report when its day has come and none exists yet."""
    now = now or timezone.now()
    period = last_full_month(now)
    if today(now) < first_working_day(period.last + timedelta(days=1)):
        return None
    if BoardReport.objects.filter(month=period.first).exists() or not counted(period):
        return None  # made already, or the roll-ups have not counted the month's last hours yet: next hour
    try:
        return generate(period, now=now)
    except Refused:  # another worker kept the same month's first version a moment ago
        return None


def latest(month_first: date, version: int | None = None) -> BoardReport | None:
    found = BoardReport.objects.filter(month=month_first)
    if version is not None:
        found = found.filter(version=version)
    return found.order_by("-version").first()


def kept_months() -> list[dict]:
    """The months with a report, newest first, each with its versions (newest first). One query."""
    months: dict[date, list[BoardReport]] = {}
    kept = BoardReport.objects.defer("html", "figures").select_related("generated_by").order_by("-month", "-version")
    for report in kept:
        months.setdefault(report.month, []).append(report)
    return [{"period": month(first), "versions": versions} for first, versions in months.items()]


def kept_months_of(month_first: date) -> list[BoardReport]:
    """Every version of one month's report, newest first."""
    return list(BoardReport.objects.filter(month=month_first).defer("html", "figures").order_by("-version"))


def dataset(table: dict) -> tablib.Dataset:
    """One kept table as data: numbers stay numbers, amounts exact decimal text, times in hours."""
    headers = []
    for column in table["columns"]:
        label = column["label"]
        headers.append(
            f"{label} (%)"
            if column["kind"] == "percent"
            else _("%(label)s (business hours)") % {"label": label}
            if column["kind"] == "time"
            else label
        )
    data = tablib.Dataset(headers=headers, title=slugify(table["key"])[:31] or "table")
    kinds = [column["kind"] for column in table["columns"]]
    for row in table["rows"] + ([table["total"]] if table.get("total") else []):
        data.append([_cell(value, kind) for value, kind in zip(row, kinds, strict=True)])
    return data


def _cell(value, kind: str):
    if value is None:
        return ""
    if kind == "time":
        return round(value / 3600, 2)
    return safe(value) if isinstance(value, str) and kind == "text" else value


def workbook(report: BoardReport) -> tablib.Databook:
    return tablib.Databook([dataset(table) for table in board_figures.tables(report.figures).values()])
