"""Problems and the improvement register: lists and small forms for analysts and managers, and the
suggestion form anyone logged in may use. Thin: the rules are in helpdesk/problems.py and
helpdesk/improvements.py; a refusal comes back on the page with a 4xx, keeping what was typed."""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from helpdesk import improvements, problems, relations
from helpdesk.access import role_required
from helpdesk.models import FollowUp, Improvement, Problem, Team, Ticket, User
from helpdesk.roles import MANAGERS
from helpdesk.services import Refused
from helpdesk.views.tickets import _ticket_page as ticket_page

LIST_LIMIT = 200  # rows on a page; the register should stay far smaller


class WordsForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=improvements.TITLE_LIMIT)
    description = forms.CharField(
        label=gettext_lazy("What and why"),
        required=False,
        max_length=improvements.TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _workers():
    """People who may own an improvement: analysts and managers."""
    return User.objects.filter(Q(teams__isnull=False) | Q(groups__name=MANAGERS), is_active=True).distinct()


class ImprovementForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Improvement.Status.choices)
    owner = forms.ModelChoiceField(label=gettext_lazy("Owner"), queryset=User.objects.none(), required=False)
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=Team.objects.order_by("name"), required=False)
    due_on = forms.DateField(
        label=gettext_lazy("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _workers().order_by("username")


class ImprovementFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"), choices=Improvement.Status.choices, empty_label=gettext_lazy("Any status")
    )
    source = django_filters.ChoiceFilter(
        label=gettext_lazy("Came from"), choices=Improvement.Source.choices, empty_label=gettext_lazy("Anywhere")
    )
    owner = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Owner"),
        queryset=lambda request: _workers().order_by("username"),
        empty_label=gettext_lazy("Anyone"),
    )

    class Meta:
        model = Improvement
        fields = ["status", "source", "owner"]


# -- the improvement register --------------------------------------------------------------------------------


@role_required("analyst", "manager")
def improvement_list(request):
    found = ImprovementFilter(request.GET, queryset=improvements.listing(), request=request)
    rows = list(found.qs[:LIST_LIMIT]) if found.is_valid() else []
    return render(
        request,
        "helpdesk/improvements/list.html",
        {"filter": found, "rows": rows, "limit": LIST_LIMIT},
        status=200 if found.is_valid() else 400,
    )


@role_required("analyst", "manager")
def improvement_detail(request, pk: int):
    improvement = get_object_or_404(improvements.listing(), pk=pk)
    form = ImprovementForm(
        initial={
            "status": improvement.status,
            "owner": improvement.owner_id,
            "team": improvement.team_id,
            "due_on": improvement.due_on,
        }
    )
    error, status = "", 200
    if request.method == "POST":
        try:
            if request.POST.get("op") == "ticket":
                ticket = relations.find(request.POST.get("reference", "")[:40], user=request.user)
                improvements.add_ticket(improvement, ticket, by=request.user)
                messages.success(request, _("%(ref)s is tied to it.") % {"ref": ticket.reference})
                return redirect("improvement", pk=pk)
            form = ImprovementForm(request.POST)
            if form.is_valid():
                data = form.cleaned_data
                improvements.update(
                    improvement,
                    by=request.user,
                    status=data["status"],
                    owner=data["owner"],
                    due_on=data["due_on"],
                    team=data["team"],
                )
                messages.success(request, _("Saved."))
                return redirect("improvement", pk=pk)
            status = 400
        except Refused as refused:
            error, status = refused.message, refused.status
    context = {
        "improvement": improvement,
        "form": form,
        "tickets": improvement.tickets.all().visible_to(request.user).order_by("pk"),
        "error": error,
    }
    return render(request, "helpdesk/improvements/detail.html", context, status=status)


@login_required
def improvement_suggest(request):
    """Anyone logged in suggests an improvement; it joins the register as proposed."""
    form = WordsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        improvements.suggest(by=request.user, **form.cleaned_data)
        messages.success(request, _("Thank you: your suggestion is in the improvement register."))
        return redirect("improvement-suggest")
    status = 400 if form.is_bound else 200
    return render(request, "helpdesk/improvements/suggest.html", {"form": form}, status=status)


@login_required
@require_POST
def improvement_from_follow_up(request, pk: int):
    follow_up = get_object_or_404(FollowUp.objects.select_related("team", "satisfaction__ticket"), pk=pk)
    form = WordsForm(request.POST)
    try:
        if not form.is_valid():
            raise Refused(_("Please give the improvement a title."), status=400)
        made = improvements.from_follow_up(follow_up, by=request.user, **form.cleaned_data)
    except Refused as refused:
        if refused.status == 403:
            raise PermissionDenied from None
        messages.error(request, refused.message)
        return redirect("follow-ups")
    messages.success(request, _("Improvement registered: %(title)s.") % {"title": made.title})
    return redirect("improvement", pk=made.pk)


# -- problems ------------------------------------------------------------------------------------------------


class ProblemForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=problems.TITLE_LIMIT)


@role_required("analyst", "manager")
def problem_list(request):
    form = ProblemForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            made = problems.open_problem(title=form.cleaned_data["title"], by=request.user)
        except Refused as refused:
            error = refused.message
        else:
            messages.success(request, _("Problem opened."))
            return redirect("problem", pk=made.pk)
    wanted = request.GET.get("status", "")
    rows = problems.listing()
    if wanted in Problem.Status.values:
        rows = rows.filter(status=wanted)
    context = {
        "rows": list(rows[:LIST_LIMIT]),
        "form": form,
        "error": error,
        "statuses": Problem.Status.choices,
        "wanted": wanted,
    }
    return render(request, "helpdesk/problems/list.html", context, status=400 if form.is_bound else 200)


@role_required("analyst", "manager")
def problem_detail(request, pk: int, *, error: str = "", status: int = 200, typed=None):
    problem = get_object_or_404(problems.listing(), pk=pk)
    incidents = (
        Ticket.objects.visible_to(request.user)
        .filter(problem=problem)
        .select_related("requester", "team")
        .order_by("pk")
    )
    context = {
        "problem": problem,
        "incidents": list(incidents),
        "hidden": problem.incident_count - len(incidents),
        "typed": typed or {},
        "error": error,
        "improvements": list(problem.improvements.all()),
    }
    return render(request, "helpdesk/problems/detail.html", context, status=status)


@role_required("analyst", "manager")
@require_POST
def problem_act(request, pk: int):
    """Mark the cause known, resolve, link or unlink an incident, or register an improvement from it."""
    problem = get_object_or_404(Problem, pk=pk)
    op = request.POST.get("op", "")
    post = request.POST
    try:
        if op == "known_error":
            problems.mark_known_error(
                problem, by=request.user, cause=post.get("cause", ""), workaround=post.get("workaround", "")
            )
            messages.success(request, _("The cause is known: its incidents show the workaround to their teams."))
        elif op == "resolve":
            done = problems.resolve(problem, by=request.user, resolution=post.get("resolution", ""))
            said = _("Problem resolved; %(n)s open incidents resolved with it, their requesters told.") % {
                "n": len(done.resolved)
            }
            if done.left:
                said += " " + _("Left open for their teams: %(refs)s.") % {"refs": ", ".join(done.left)}
            messages.success(request, said)
        elif op in ("link", "unlink"):
            incident = relations.find(post.get("reference", "")[:40], user=request.user)
            if op == "link":
                problems.link(incident, problem, by=request.user)
            elif incident.problem_id == problem.pk:
                problems.unlink(incident, by=request.user)
            messages.success(request, _("Done."))
        elif op == "improvement":
            form = WordsForm(post)
            if not form.is_valid():
                raise Refused(_("Please give the improvement a title."), status=400)
            made = improvements.from_problem(problem, by=request.user, **form.cleaned_data)
            messages.success(request, _("Improvement registered: %(title)s.") % {"title": made.title})
        else:
            raise Refused(_("That is not something you can do to a problem."), status=400)
    except Refused as refused:
        return problem_detail(request, pk, error=refused.message, status=refused.status, typed=post)
    return redirect("problem", pk=pk)


@login_required
@require_POST
def ticket_problem(request, reference: str):
    """From an incident's page: open a problem from it, link it to an open problem, or unlink it."""
    ticket = get_object_or_404(Ticket.objects.visible_to(request.user), reference=reference)
    op = request.POST.get("op", "")
    try:
        if op == "open":
            made = problems.open_problem(
                title=request.POST.get("title", "") or ticket.title, by=request.user, incident=ticket
            )
            messages.success(request, _("Problem opened from %(ref)s.") % {"ref": ticket.reference})
            return redirect("problem", pk=made.pk)
        if op == "link":
            problem = Problem.objects.filter(pk=_number(request.POST.get("problem", ""))).first()
            if problem is None:
                raise Refused(_("There is no such problem."), status=400)
            problems.link(ticket, problem, by=request.user)
        elif op == "unlink":
            problems.unlink(ticket, by=request.user)
        else:
            raise Refused(_("That is not something you can do to a ticket."), status=400)
    except Refused as refused:
        ticket = get_object_or_404(Ticket.objects.visible_to(request.user).for_portal(), pk=ticket.pk)
        return ticket_page(request, ticket, status=refused.status, error=refused.message)
    messages.success(request, _("Done."))
    return redirect("ticket", reference=ticket.reference)


def _number(typed: str) -> int | None:
    """A problem's number as typed: `12`, `PRB-12` or `prb 12`; None for anything else."""
    digits = typed.strip().upper().removeprefix("PRB").strip(" -")
    return int(digits) if digits.isdigit() and len(digits) < 10 else None
