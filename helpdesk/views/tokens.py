"""Personal API tokens on /my/tokens/: make one (shown once), see yours, revoke one. Thin over
helpdesk.api.tokens."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from helpdesk.api import tokens
from helpdesk.models import ApiToken
from helpdesk.services import Refused


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=gettext_lazy("What it is for, e.g. “HR joiners”."),
    )
    access = forms.ChoiceField(
        label=gettext_lazy("What it may do"),
        choices=ApiToken.Access.choices,
        initial=ApiToken.Access.READ,
        widget=forms.RadioSelect,
    )
    lifetime = forms.ChoiceField(
        label=gettext_lazy("Expires after"),
        choices=[(key, label) for key, (label, _days) in tokens.LIFETIMES.items()],
        initial="90",
    )


@login_required
@never_cache
def api_tokens(request):
    """The person's tokens and a form for a new one; the new token's value is on the page it is made on
    only (the answer to the post, never stored, never shown again)."""
    form = TokenForm(request.POST or None)
    made = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = tokens.issue(
                    owner=request.user,
                    name=data["name"],
                    access=data["access"],
                    lifetime=tokens.LIFETIMES[data["lifetime"]][1],
                )
            except Refused as refused:
                form.add_error("name", refused.message)
                status = refused.status
            else:
                form = TokenForm()
        else:
            status = 400
    context = {"form": form, "made": made, "tokens": tokens.owned_by(request.user)}
    return render(request, "helpdesk/tokens.html", context, status=status)


@login_required
@require_POST
def revoke_api_token(request, pk: int):
    token = get_object_or_404(tokens.owned_by(request.user), pk=pk)
    tokens.revoke(token, by=request.user)
    messages.success(request, _("“%(name)s” is revoked: it no longer works.") % {"name": token.name})
    return redirect("api-tokens")
