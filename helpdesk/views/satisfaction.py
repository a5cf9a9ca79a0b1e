"""Satisfaction pages: the one-click answer from the resolution mail (no login), the answer on the ticket
page, and the follow-ups of poor answers for team leads and managers. Thin: the rules are in
helpdesk/satisfaction.py."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from helpdesk import satisfaction as rules
from helpdesk.models import FollowUp, Ticket
from helpdesk.models.satisfaction import SCORES
from helpdesk.models.tickets import COMMENT_LIMIT
from helpdesk.satisfaction import Declined

OPEN_LIMIT = 100  # open follow-ups listed, oldest first; there should never be this many
CLOSED_LIMIT = 50  # recently closed ones listed under them


def _score_choices() -> list[tuple[int, str]]:
    return [(score, rules.score_label(score)) for score in SCORES]


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Anything you would like to add? (optional)"),
        required=False,
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AnswerForm(CommentForm):
    score = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with how we handled this?"),
        choices=_score_choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": rules.PICK_A_SCORE, "invalid_choice": rules.PICK_A_SCORE},
    )


class CloseForm(forms.Form):
    action = forms.CharField(
        label=gettext_lazy("What was done"),
        max_length=COMMENT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": rules.SAY_WHAT_WAS_DONE},
    )
    tell_requester = forms.BooleanField(
        label=gettext_lazy("Tell the requester what was done (they get it by mail)"), required=False
    )


# -- the one-click link -------------------------------------------------------------------------------------


def _link_page(
    request,
    *,
    satisfaction=None,
    heading: str,
    message: str = "",
    form=None,
    answer_form: AnswerForm | None = None,
    send_on_load: bool = False,
    status: int = 200,
):
    """The page a mailed link opens, dated in the requester's own time zone (no one need be logged in).
    With `answer_form`, the question to send; `send_on_load` lets static/js/satisfaction.js send it once."""
    ticket = satisfaction.ticket if satisfaction else None
    context = {
        "heading": heading,
        "message": message,
        "ticket": ticket,
        "satisfaction": satisfaction,
        "answer": rules.score_label(satisfaction.score) if satisfaction else "",
        "change_until": rules.change_until(satisfaction) if satisfaction else None,
        "comment_form": form,
        "link_form": answer_form,
        "send_on_load": send_on_load,
        "choices": _score_choices(),
        "action": request.path,
    }
    zone = (ticket.requester.time_zone if ticket else "") or "UTC"
    with timezone.override(zone):
        return render(request, "helpdesk/satisfaction.html", context, status=status)


def _comment_form(satisfaction, *, data=None) -> CommentForm | None:
    """The comment box, while the answer may still be changed."""
    if satisfaction.score is None or not rules.may_change(satisfaction, timezone.now()):
        return None
    return CommentForm(data, initial={"comment": satisfaction.comment})


@never_cache
@require_http_methods(["GET", "POST"])
def satisfaction_link(request, token: str):
    """GET shows the link's answer in a form and records nothing (mail scanners open every link); the
    form's POST (it carries a score) records it; a POST of the comment box alone adds a comment."""
    if request.method == "POST":
        if "score" in request.POST:
            return _link_answer(request, token)
        return _link_comment(request, token)
    try:
        opened = rules.open_link(token)
    except Declined as declined:
        return _declined(request, declined)
    satisfaction = opened.satisfaction
    if opened.used:
        return _link_page(
            request,
            satisfaction=satisfaction,
            heading=_("Your answer is already recorded"),
            message=_("This link was used already, so nothing changed."),
            form=_comment_form(satisfaction),
        )
    form = AnswerForm(initial={"score": opened.link_score, "comment": satisfaction.comment})
    return _link_page(
        request,
        satisfaction=satisfaction,
        heading=_("Send your answer"),
        message=_("You chose %(answer)s. Change it or add a comment if you like, then press Send.")
        % {"answer": rules.score_label(opened.link_score)},
        answer_form=form,
        send_on_load=True,
    )


def _not_yet(request, token: str, *, heading: str, **forms):
    """The link's page again with what was typed and why it was not taken (400)."""
    try:
        satisfaction = rules.satisfaction_for_link(token)
    except Declined as declined:
        return _declined(request, declined)
    return _link_page(request, satisfaction=satisfaction, heading=heading, status=400, **forms)


def _link_answer(request, token: str):
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _not_yet(request, token, heading=_("Your answer is not sent yet"), answer_form=form)
    try:
        outcome = rules.record_from_link(token, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"])
    except Declined as declined:
        return _declined(request, declined)
    satisfaction = outcome.satisfaction
    if outcome.recorded:
        heading = _("Thank you for your answer")
        message = ""
    else:
        heading = _("Your answer is already recorded")
        message = _("This link was used already, so nothing changed.")
    return _link_page(
        request, satisfaction=satisfaction, heading=heading, message=message, form=_comment_form(satisfaction)
    )


def _link_comment(request, token: str):
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _not_yet(request, token, heading=_("Your comment is not saved yet"), form=form)
    try:
        satisfaction = rules.comment_from_link(token, comment=form.cleaned_data["comment"])
    except Declined as declined:
        return _declined(request, declined)
    return _link_page(
        request,
        satisfaction=satisfaction,
        heading=_("Thank you"),
        message=_("Your comment is saved."),
        form=_comment_form(satisfaction),
    )


def _declined(request, declined: Declined):
    return _link_page(
        request,
        satisfaction=declined.satisfaction,
        heading=_("We could not record that") if declined.status != 404 else _("We don't recognise this link"),
        message=declined.message,
        status=declined.status,
    )


# -- the ticket page ------------------------------------------------------------------------------------------


@login_required
@require_POST
def ticket_satisfaction(request, reference: str):
    """The requester answers, or changes their answer, on the ticket page."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user).select_related("requester"), reference=reference)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return _answer_page(request, ticket, form, status=400)
    try:
        rules.record_from_page(
            ticket, by=request.user, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )
    except Declined as declined:
        return _answer_page(request, ticket, form, status=declined.status, error=declined.message)
    messages.success(request, _("Thank you. Your answer is recorded."))
    return redirect("ticket", reference=ticket.reference)


def _answer_page(request, ticket: Ticket, form: AnswerForm, *, status: int, error: str = ""):
    """The question again, on a page of its own, with what the person typed and what was wrong."""
    context = {
        "heading": _("How satisfied are you?"),
        "message": error,
        "ticket": ticket,
        "answer_form": form,
        "choices": _score_choices(),
        "action": request.path,
    }
    return render(request, "helpdesk/satisfaction.html", context, status=status)


# -- follow-ups ----------------------------------------------------------------------------------------------


@login_required
def follow_ups(request):
    if not rules.leads_a_team(request.user):
        raise PermissionDenied
    return _follow_ups_page(request)


@login_required
@require_POST
def follow_up_close(request, pk: int):
    follow_up = get_object_or_404(FollowUp.objects.select_related("team", "satisfaction__ticket"), pk=pk)
    if not rules.may_close(follow_up, request.user):
        raise PermissionDenied
    form = CloseForm(request.POST, auto_id=f"close-{pk}-%s")
    if not form.is_valid():
        return _follow_ups_page(request, bound=form, bound_pk=pk, status=400)
    try:
        closed = rules.close_follow_up(
            follow_up,
            by=request.user,
            action=form.cleaned_data["action"],
            tell_requester=form.cleaned_data["tell_requester"],
        )
    except Declined as declined:
        return _follow_ups_page(request, bound=form, bound_pk=pk, status=declined.status, error=declined.message)
    reference = follow_up.satisfaction.ticket.reference
    if closed.requester_told:
        done = _("The follow-up of %(ref)s is closed, and the requester will get what was done by mail.")
    else:
        done = _("The follow-up of %(ref)s is closed.")
    messages.success(request, done % {"ref": reference})
    return redirect("follow-ups")


def _follow_ups_page(request, *, bound: CloseForm | None = None, bound_pk: int | None = None, status=200, error=""):
    rows = rules.follow_ups_for(request.user)
    still_open = list(rows.filter(closed_at__isnull=True)[:OPEN_LIMIT])
    open_count = len(still_open) if len(still_open) < OPEN_LIMIT else rows.filter(closed_at__isnull=True).count()
    closed = list(rows.filter(closed_at__isnull=False)[:CLOSED_LIMIT])
    context = {
        "open_rows": [
            {
                "follow_up": follow_up,
                "answer": rules.score_label(follow_up.satisfaction.score),
                "form": bound if follow_up.pk == bound_pk else CloseForm(auto_id=f"close-{follow_up.pk}-%s"),
            }
            for follow_up in still_open
        ],
        "open_count": open_count,
        "closed_rows": [
            {"follow_up": follow_up, "answer": rules.score_label(follow_up.satisfaction.score)} for follow_up in closed
        ],
        "error": error,
        "manager": request.user.roles.manager,
    }
    return render(request, "helpdesk/follow_ups.html", context, status=status)
