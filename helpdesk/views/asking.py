"""Asking: report an incident, or ask for something from the catalogue, for yourself or for someone else
(analysts and managers for anyone, line managers for their reports: helpdesk.people.may_ask_for). Thin
views over the catalogue's offer and helpdesk.services, and the person picker's search."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from catalogue.demand import record_refusal
from catalogue.forms import RequestForm
from catalogue.models import RequestKind
from catalogue.selectors import offer_to, request_types_to_ask
from catalogue.services import NotEntitled
from helpdesk import services
from helpdesk.forms import IncidentForm, OnBehalfForm
from helpdesk.people import asks_for_anyone, asks_for_others, search_askable
from helpdesk.services import Refused


@login_required
def report_incident(request):
    form = IncidentForm(request.POST or None, asker=request.user)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "helpdesk/report.html", {"form": form}, status=400)
        data = form.cleaned_data
        requester = data.get("requester") or request.user
        try:
            ticket = services.raise_ticket(
                kind=RequestKind.INCIDENT,
                title=data["title"],
                description=data["description"],
                requester=requester,
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
        _say_thanks(request, ticket, requester, name="")
        return redirect("ticket", reference=ticket.reference)
    return render(request, "helpdesk/report.html", {"form": form})


def _say_thanks(request, ticket, requester, *, name: str) -> None:
    if requester.pk != request.user.pk:
        text = _("Raised for %(who)s. The reference is %(ref)s; they can follow it too.")
    elif name:
        text = _("We have your request: %(name)s. Your reference is %(ref)s.")
    else:
        text = _("Thank you. Your reference is %(ref)s.")
    messages.success(request, text % {"who": requester, "name": name, "ref": ticket.reference})


@login_required
def ask(request, slug: str):
    """A catalogue request type's own form, for the asker or for the person chosen in "For whom?" (in the
    address, `?requester=`, so the page quotes their price: the offer is theirs). The offer is worked out
    once, shown, and checked again by the service that records the request and raises its ticket."""
    requester, chooser, status = request.user, None, 200
    # Someone who may ask only for themselves is never offered the choice; a name they send is not theirs
    # to give, and ignored. (A plain request for oneself skips the question: one query fewer.)
    if ("requester" in request.GET or request.method == "GET") and asks_for_others(request.user):
        chooser = OnBehalfForm(request.GET if "requester" in request.GET else None, asker=request.user)
        if chooser.is_bound and not chooser.is_valid():
            status = 400  # shown for the asker until a person is found; nothing is sent meanwhile
        elif chooser.is_bound:
            requester = chooser.cleaned_data["requester"] or request.user
    request_type = get_object_or_404(request_types_to_ask(requester), slug=slug)
    offer = offer_to(requester, request_type)
    form = RequestForm(request_type.fields.all(), request.POST or None, request.FILES or None)
    context = {
        "request_type": request_type,
        "service": request_type.service,
        "offer": offer,
        "form": form,
        "policy": offer.policy,
        "chooser": chooser,
        "requester": requester,
        "on_behalf": requester.pk != request.user.pk,
    }
    if not offer.entitled:
        record_refusal(request_type, person=requester)
        return render(request, "catalogue/not_entitled.html", context, status=403)
    if request.method == "POST" and status == 200:
        if not form.is_valid():
            return render(request, "catalogue/request_form.html", context, status=400)
        try:
            ticket = services.ask_for(
                request_type=request_type, requester=requester, raised_by=request.user, form=form, offer=offer
            )
        except NotEntitled:
            return render(request, "catalogue/not_entitled.html", context, status=403)
        except Refused as refused:
            context["error"] = refused.message
            return render(request, "catalogue/request_form.html", context, status=refused.status)
        _say_thanks(request, ticket, requester, name=request_type.name)
        return redirect("ticket", reference=ticket.reference)
    return render(request, "catalogue/request_form.html", context, status=status)


@require_GET
@login_required
def people_search(request):
    """The person picker's search: up to ten people the asker may ask for whose name, username or email
    starts with the words in `q`, as JSON. Email addresses only for analysts and managers (who may ask
    for anyone and see them on the desk); 403 for those who may ask only for themselves."""
    if not asks_for_others(request.user):
        error = _("You can ask only for yourself; an analyst can raise something for someone else.")
        return JsonResponse({"error": error, "people": []}, status=403)
    show_email = asks_for_anyone(request.user)
    people = search_askable(request.user, request.GET.get("q", ""))
    if people:
        status = ngettext(
            "%(count)d person found: use the up and down arrow keys to choose.",
            "%(count)d people found: use the up and down arrow keys to choose.",
            len(people),
        ) % {"count": len(people)}
    else:
        status = _("Nobody you may ask for matches these words.")
    return JsonResponse(
        {
            "status": status,
            "people": [
                {
                    "username": person.username,
                    "name": str(person),
                    "chosen": _("%(name)s chosen.") % {"name": person},
                    "detail": " · ".join(
                        str(part)
                        for part in (person.email if show_email else "", person.division, person.location)
                        if part
                    ),
                }
                for person in people
            ],
        }
    )
