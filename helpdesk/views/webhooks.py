"""Webhooks, for managers: list, add (the secret shown once), edit, deactivate, delete; each one's recent
deliveries with what the receiver answered, and a button to send one again."""

from __future__ import annotations

import secrets

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalogue.models import Provider
from helpdesk import webhooks
from helpdesk.access import role_required
from helpdesk.models import Team, Webhook, WebhookDelivery

SECRET_SHOWN = "webhook-secret-shown"  # noqa: S105 - a session key, under which the new secret waits to be shown once


class WebhookForm(forms.ModelForm):
    """A webhook as managers set it up. The secret is never shown in the form: typed, it replaces the
    one kept; left empty, a new webhook gets a generated one and an old one keeps its own."""

    url = forms.URLField(
        label=gettext_lazy("Address"),
        max_length=Webhook._meta.get_field("url").max_length,
        assume_scheme="https",
        help_text=gettext_lazy("An http or https address, reached from this server's network."),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=webhooks.Event.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("None ticked: every event."),
    )
    secret = forms.CharField(
        label=gettext_lazy("Secret"),
        required=False,
        min_length=16,
        max_length=Webhook._meta.get_field("secret").max_length,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )
    new_secret = forms.BooleanField(label=gettext_lazy("Make a new secret"), required=False)

    class Meta:
        model = Webhook
        fields = ["url", "description", "events", "team", "provider", "active"]
        help_texts = {
            "team": gettext_lazy("Only this team's tickets. Empty: every team."),
            "provider": gettext_lazy("This provider's hand-off: only cases handed to it (provider.case_opened)."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")
        self.fields["provider"].queryset = Provider.objects.order_by("name")
        adding = self.instance.pk is None
        self.fields["secret"].help_text = (
            _("At least 16 characters. Leave empty and one is made for you, shown once.")
            if adding
            else _("Type one to replace the secret, or tick “Make a new secret”. Empty: it stays as it is.")
        )
        if adding:
            del self.fields["new_secret"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if not webhooks.valid_url(url):
            raise forms.ValidationError(_("Only http and https addresses can be sent to."))
        return url

    def clean(self):
        data = super().clean()
        if data.get("team") and data.get("provider"):
            raise forms.ValidationError(_("Choose a team or a provider, not both."))
        return data

    def save_with_secret(self, *, by) -> tuple[Webhook, str]:
        """Save the webhook; returns it and the secret to show once ("" when the secret did not change)."""
        hook = self.save(commit=False)
        shown = ""
        typed = self.cleaned_data.get("secret", "")
        if typed:
            hook.secret = typed
        elif hook.pk is None or self.cleaned_data.get("new_secret"):
            hook.secret = shown = secrets.token_urlsafe(32)
        if hook.pk is None:
            hook.created_by, hook.created_at = by, timezone.now()
        hook.save()
        return hook, shown


def _listed():
    """The list screen's one query: every webhook with its team or provider and its delivery counts."""
    return (
        Webhook.objects.select_related("team", "provider")
        .annotate(
            waiting=Count("deliveries", filter=Q(deliveries__next_try_at__isnull=False, deliveries__attempts__gt=0)),
            given_up=Count("deliveries", filter=Q(deliveries__gave_up_at__isnull=False)),
        )
        .order_by("url", "pk")
    )


@role_required("manager")
@require_http_methods(["GET"])
def webhook_list(request):
    return render(request, "helpdesk/webhooks/list.html", {"hooks": _listed()})


@role_required("manager")
@require_http_methods(["GET", "POST"])
def webhook_add(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        hook, shown = form.save_with_secret(by=request.user)
        request.session[SECRET_SHOWN] = {"id": hook.pk, "secret": shown}
        messages.success(request, _("Webhook added."))
        return redirect("webhook", pk=hook.pk)
    status = 400 if form.errors else 200
    return render(request, "helpdesk/webhooks/form.html", {"form": form, "hook": None}, status=status)


@role_required("manager")
@require_http_methods(["GET", "POST"])
def webhook_detail(request, pk: int):
    """The webhook's settings (editable) and its latest deliveries."""
    hook = get_object_or_404(Webhook.objects.select_related("team", "provider"), pk=pk)
    form = WebhookForm(request.POST or None, instance=hook)
    if request.method == "POST" and form.is_valid():
        hook, shown = form.save_with_secret(by=request.user)
        if shown:
            request.session[SECRET_SHOWN] = {"id": hook.pk, "secret": shown}
        messages.success(request, _("Webhook saved."))
        return redirect("webhook", pk=hook.pk)
    held = request.session.pop(SECRET_SHOWN, None)
    secret = held["secret"] if held and held.get("id") == hook.pk else ""
    context = {"form": form, "hook": hook, "secret": secret, "deliveries": webhooks.recent(hook)}
    return render(request, "helpdesk/webhooks/form.html", context, status=400 if form.errors else 200)


@role_required("manager")
@require_http_methods(["GET", "POST"])
def webhook_delete(request, pk: int):
    hook = get_object_or_404(Webhook, pk=pk)
    if request.method == "POST":
        hook.delete()
        messages.success(request, _("Webhook deleted, with its deliveries."))
        return redirect("webhooks")
    return render(request, "helpdesk/webhooks/delete.html", {"hook": hook})


@role_required("manager")
@require_POST
def webhook_redeliver(request, pk: int, delivery: int):
    original = get_object_or_404(WebhookDelivery, pk=delivery, webhook_id=pk)
    webhooks.redeliver(original)
    messages.success(request, _("Sent again now, as a new delivery; it is tried for a day if the receiver fails."))
    return redirect("webhook", pk=pk)
