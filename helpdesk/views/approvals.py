"""Approvals: what waits on me (and on those I stand in for), deciding, a stand-in while away, and the
mailed link's page (helpdesk/approvals.py holds the rules)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk import approvals
from helpdesk.approvals import Declined
from helpdesk.models import Delegation, User


def _listing(request, *, error: str = "", status: int = 200, typed: dict | None = None):
    today = timezone.localdate()
    context = {
        "waiting": list(approvals.waiting_for(request.user)),
        "stand_ins": Delegation.objects.filter(person=request.user, ends_on__gte=today).select_related("delegate"),
        "standing_in": Delegation.objects.filter(delegate=request.user, ends_on__gte=today).select_related("person"),
        "error": error,
        "typed": typed or {},
        "reason_limit": approvals.REASON_LIMIT,
    }
    return render(request, "helpdesk/approvals/list.html", context, status=status)


@require_http_methods(["GET"])
@login_required
def my_approvals(request):
    return _listing(request)


@require_POST
@login_required
def approval_decide(request, pk: int):
    approval = approvals.waiting_for(request.user).filter(pk=pk).first()
    choice, reason = request.POST.get("decision"), request.POST.get("reason", "")
    if approval is None:
        return _listing(request, error=_("That request is no longer waiting for you."), status=404)
    if choice not in {"approve", "decline"}:
        return _listing(request, error=_("Choose approve or not approve."), status=400, typed={pk: reason})
    try:
        approvals.decide(approval, by=request.user, approve=choice == "approve", reason=reason)
    except Declined as declined:
        return _listing(request, error=declined.message, status=declined.status, typed={pk: reason})
    done = _("Approved: %(title)s") if choice == "approve" else _("Not approved: %(title)s")
    messages.success(request, done % {"title": approval.ticket.title})
    return redirect("my-approvals")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@require_POST
@login_required
def stand_in(request):
    """Name a stand-in for some days (by username or email, as the person picker fills it)."""
    who = request.POST.get("delegate", "").strip()
    starts_on, ends_on = _day(request.POST.get("starts_on", "")), _day(request.POST.get("ends_on", ""))
    typed = {
        "delegate": who,
        "starts_on": request.POST.get("starts_on", ""),
        "ends_on": request.POST.get("ends_on", ""),
    }
    person = User.objects.filter(is_active=True).filter(username=who).first() or (
        User.objects.filter(is_active=True, email__iexact=who).first() if who else None
    )
    if person is None or starts_on is None or ends_on is None:
        error = _("Name your stand-in by username or email, and the first and last day.")
        return _listing(request, error=error, status=400, typed={"stand_in": typed})
    try:
        approvals.delegate(person=request.user, to=person, starts_on=starts_on, ends_on=ends_on)
    except Declined as declined:
        return _listing(request, error=declined.message, status=declined.status, typed={"stand_in": typed})
    messages.success(
        request,
        _("%(name)s can decide your approvals from %(first)s to %(last)s.")
        % {"name": person, "first": starts_on.isoformat(), "last": ends_on.isoformat()},
    )
    return redirect("my-approvals")


@require_http_methods(["GET", "POST"])
def approval_link(request, token: str):
    """The mailed link: opening it shows the request; the buttons decide, once, as the approver."""
    try:
        approval = approvals.open_link(token, user=request.user)
    except Declined as declined:
        return render(request, "helpdesk/approvals/link.html", {"error": declined.message}, status=declined.status)
    context = {"approval": approval, "ticket": approval.ticket, "token": token, "reason_limit": approvals.REASON_LIMIT}
    if request.method == "GET":
        return render(request, "helpdesk/approvals/link.html", context)
    choice, reason = request.POST.get("decision"), request.POST.get("reason", "")
    if choice not in {"approve", "decline"}:
        return render(
            request,
            "helpdesk/approvals/link.html",
            {**context, "error": _("Choose approve or not approve."), "reason": reason},
            status=400,
        )
    try:
        approvals.decide(approval, by=approval.approver, approve=choice == "approve", reason=reason, link=True)
    except Declined as declined:
        return render(
            request,
            "helpdesk/approvals/link.html",
            {**context, "error": declined.message, "reason": reason},
            status=declined.status,
        )
    return render(request, "helpdesk/approvals/link.html", {"done": choice, "ticket": approval.ticket})
