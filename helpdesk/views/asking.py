"""Asking: report an incident, or ask for something from the catalogue (for yourself or, as an analyst,
for someone else). Thin views over the catalogue's offer and helpdesk.services."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalogue.forms import RequestForm
from catalogue.models import RequestKind
from catalogue.selectors import offer_to, request_types_to_ask
from catalogue.services import NotEntitled
from helpdesk import services
from helpdesk.forms import IncidentForm
from helpdesk.services import Refused


@login_required
def report_incident(request):
    analyst = request.user.roles.analyst or request.user.roles.manager
    form = IncidentForm(request.POST or None, analyst=analyst)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "helpdesk/report.html", {"form": form}, status=400)
        data = form.cleaned_data
        try:
            ticket = services.raise_ticket(
                kind=RequestKind.INCIDENT,
                title=data["title"],
                description=data["description"],
                requester=data.get("requester") or request.user,
                raised_by=request.user,
                service=data["service"],
                impact=data["impact"],
                urgency=data["urgency"],
                channel=data["channel"],
            )
        except Refused as refused:
            return render(
                request, "helpdesk/report.html", {"form": form, "error": refused.message}, status=refused.status
            )
        messages.success(request, _("Thank you. Your reference is %(ref)s.") % {"ref": ticket.reference})
        return redirect("ticket", reference=ticket.reference)
    return render(request, "helpdesk/report.html", {"form": form})


@login_required
def ask(request, slug: str):
    """A catalogue request type's own form: the offer is worked out once, shown, and checked again by the
    service that records the request and raises its ticket."""
    request_type = get_object_or_404(request_types_to_ask(request.user), slug=slug)
    offer = offer_to(request.user, request_type)
    form = RequestForm(request_type.fields.all(), request.POST or None, request.FILES or None)
    context = {
        "request_type": request_type,
        "service": request_type.service,
        "offer": offer,
        "form": form,
        "policy": offer.policy,
    }
    if not offer.entitled:
        return render(request, "catalogue/not_entitled.html", context, status=403)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "catalogue/request_form.html", context, status=400)
        try:
            ticket = services.ask_for(
                request_type=request_type, requester=request.user, raised_by=request.user, form=form, offer=offer
            )
        except NotEntitled:
            return render(request, "catalogue/not_entitled.html", context, status=403)
        messages.success(
            request,
            _("We have your request: %(name)s. Your reference is %(ref)s.")
            % {"name": request_type.name, "ref": ticket.reference},
        )
        return redirect("ticket", reference=ticket.reference)
    return render(request, "catalogue/request_form.html", context)
