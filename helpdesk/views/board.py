"""The monthly board report for managers: the kept months, one report (any version), its PDF, its tables
as CSV or one Excel workbook, and making it again with a reason (helpdesk/board/make.py)."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.access import role_required
from helpdesk.board import figures as board_figures
from helpdesk.board import make
from helpdesk.reports.periods import MONTH, from_key, last_full_month
from helpdesk.services import Refused
from helpdesk.views.chargeback import FORMATS


def _index(request, *, error: str = "", status: int = 200, month: str = "", reason: str = ""):
    kept = make.kept_months()
    last = last_full_month(timezone.now())
    context = {
        "kept": kept,
        "last": last,
        "last_made": any(entry["period"] == last for entry in kept),
        "error": error,
        "month": month or last.key,
        "reason": reason,
        "reason_limit": make.REASON_LIMIT,
    }
    return render(request, "helpdesk/board/index.html", context, status=status)


@require_GET
@role_required("manager")
def board_index(request):
    return _index(request)


def _month(key: str):
    """The month written yyyy-mm (a quarter's key is not one), or None."""
    return from_key(key) if MONTH.match(key) else None


def _report(month: str, version: str | int | None):
    period = _month(month)
    if period is None:
        raise Http404
    if version is not None:
        try:
            version = int(version)
        except ValueError:
            raise Http404 from None
    report = make.latest(period.first, version)
    if report is None:
        raise Http404
    return report


@require_GET
@role_required("manager")
def board_report(request, month: str):
    report = _report(month, request.GET.get("version"))
    versions = make.kept_months_of(report.month)
    context = {
        "report": report,
        "body": mark_safe(report.html),  # rendered by us, escaped, when the report was made  # noqa: S308
        "versions": versions,
        "newest": versions[0].version,
        "tables": board_figures.tables(report.figures).values(),
    }
    return render(request, "helpdesk/board/report.html", context)


@require_GET
@role_required("manager")
def board_pdf(request, month: str, version: int):
    report = _report(month, version)
    if not report.pdf:
        raise Http404
    return FileResponse(
        report.pdf.open("rb"),
        as_attachment=True,
        filename=f"board-report-{month}-v{version}.pdf",
        content_type="application/pdf",
    )


@require_GET
@role_required("manager")
def board_table(request, month: str, version: int, key: str, fmt: str):
    report = _report(month, version)
    if fmt == "xlsx" and key == "all":
        body = make.workbook(report).export("xlsx")
    else:
        table = board_figures.tables(report.figures).get(key)
        if table is None or fmt not in FORMATS or fmt == "pdf":
            raise Http404
        body = make.dataset(table).export(fmt)
    response = HttpResponse(body, content_type=FORMATS[fmt])
    stem = slugify(f"board-report-{month}-v{version}-{key}")
    response["Content-Disposition"] = f'attachment; filename="{stem}.{fmt}"'
    return response


@require_POST
@role_required("manager")
def board_make(request):
    month, reason = request.POST.get("month", "").strip(), request.POST.get("reason", "")
    period = _month(month)
    if period is None:
        return _index(
            request,
            error=_("Choose a month as year and month, such as 2026-11."),
            status=400,
            month=month,
            reason=reason,
        )
    try:
        report = make.generate(period, by=request.user, reason=reason)
    except Refused as refusal:
        return _index(request, error=refusal.message, status=refusal.status, month=month, reason=reason)
    return redirect(f"{report.get_absolute_url()}?version={report.version}")
