"""Asking for something from the catalogue: thin views over selectors, the form and the service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from catalogue.forms import RequestForm
from catalogue.models import Service
from catalogue.selectors import OfferBook, request_types_for
from catalogue.services import NotEntitled, submit_request


@login_required
def request_form(request, slug: str):
    offered = request_types_for(Service.objects.offered()).prefetch_related("fields")
    request_type = get_object_or_404(offered, slug=slug)
    book = OfferBook(request.user)
    offer = book.offer(request_type)
    policy = book.policy_for(request_type.service)
    form = RequestForm(request_type.fields.all(), request.POST or None, request.FILES or None)
    context = {
        "request_type": request_type,
        "service": request_type.service,
        "offer": offer,
        "form": form,
        "policy": policy,
    }
    if not offer.entitled:
        return render(request, "catalogue/not_entitled.html", context, status=403)
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "catalogue/request_form.html", context, status=400)
        try:
            submit_request(request_type=request_type, requester=request.user, raised_by=request.user, form=form)
        except NotEntitled as refused:
            context["offer"] = refused.offer
            return render(request, "catalogue/not_entitled.html", context, status=403)
        messages.success(request, _("We have your request: %(name)s.") % {"name": request_type.name})
        return redirect("my")
    return render(request, "catalogue/request_form.html", context)
