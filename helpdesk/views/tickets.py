"""The staff portal: raise, follow, reply, confirm, reopen, cancel. Thin views over selectors and services."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogue.models import RequestKind
from helpdesk import satisfaction, selectors, services
from helpdesk.forms import ActionForm, ChangeServiceForm, ReplyForm, id_from
from helpdesk.models import Attachment, Team, Ticket, is_team_analyst
from helpdesk.services import NEEDS_TEXT, Refused
from helpdesk.visibility import reach
from sla.models import Priority
from sla.timeline import REQUESTER, TEAM, explain

# Buttons people see, in this order, with the words on them.
ACTION_LABELS = {
    "start": _("Start work"),
    "wait_on_requester": _("Ask the requester"),
    "requester_replied": _("Requester answered"),
    "wait_on_provider": _("Wait on the supplier"),
    "provider_replied": _("Supplier answered"),
    "resolve": _("Resolve"),
    "confirm": _("Yes, it's fixed"),
    "reopen": _("No, reopen it"),
    "cancel": _("Cancel this ticket"),
}
# The words on the box of each transition that takes text (services.NEEDS_TEXT): each has its own box,
# because where the text goes, and so who reads it, differs from one to the next (helpdesk.visibility).
TEXT_LABELS = {
    "wait_on_requester": gettext_lazy("Your question for the requester"),
    "resolve": gettext_lazy("What was done (the resolution)"),
    "reopen": gettext_lazy("What is still wrong?"),
    "cancel": gettext_lazy("Why cancel it?"),
}


def _visible(request, reference: str) -> Ticket:
    return get_object_or_404(Ticket.objects.visible_to(request.user).for_portal(), reference=reference)


def _actions(ticket: Ticket, user) -> list[tuple[str, str]]:
    """The transitions this person may take now, straight from the state machine."""
    available = {t.name for t in ticket.get_available_user_state_transitions(user)}
    return [(name, label) for name, label in ACTION_LABELS.items() if name in available]


@dataclass
class Step:
    """A transition offered on the ticket page: a button, with its own box when it takes text."""

    name: str
    label: str
    text_label: str = ""  # empty: the button alone
    seen: str = ""  # who reads the text, told to the team (helpdesk.visibility)
    text: str = ""  # what was typed, when the page comes back after a refusal
    open: bool = False


def _steps(ticket: Ticket, user, *, analyst: bool, action_form: ActionForm) -> list[Step]:
    posted = action_form.data.get("action") if action_form.is_bound else None
    steps = []
    for name, label in _actions(ticket, user):
        if name not in NEEDS_TEXT:
            steps.append(Step(name, label))
            continue
        again = name == posted
        steps.append(
            Step(
                name,
                label,
                text_label=TEXT_LABELS[name],
                seen=reach(name).label if analyst else "",
                text=action_form.data.get("text", "") if again else "",
                open=again,
            )
        )
    return steps


def _reply_forms(posted: ReplyForm | None, *, analyst: bool) -> tuple[ReplyForm, ReplyForm | None]:
    """The reply box and, for the team, a separate internal-note box, each saying who reads it. A form
    that came back with errors returns to the box it was typed in."""
    as_note = analyst and posted is not None and bool(posted["internal"].value())
    reply = posted if posted is not None and not as_note else ReplyForm()
    if not analyst:
        return reply, None
    note = posted if as_note else ReplyForm()
    note.auto_id = "note_%s"
    # On the bound fields: a form that has been validated already holds them, words included.
    reply["body"].help_text = reach("reply").label
    note["body"].label = _("Your note for the team")
    note["body"].help_text = reach("note").label
    return reply, note


def _ticket_page(request, ticket: Ticket, *, reply_form=None, action_form=None, status=200, error=""):
    analyst = is_team_analyst(ticket, request.user)
    action_form = action_form or ActionForm()
    reply_form, note_form = _reply_forms(reply_form, analyst=analyst)
    # Each clock told to its reader: the team's version in full, the requester's without internal detail.
    promise = explain(ticket, timezone.now(), audience=TEAM if analyst else REQUESTER)
    context = {
        "ticket": ticket,
        "timeline": selectors.ticket_timeline(ticket, show_internal=analyst),
        "clocks": promise.running,
        "promise": promise,
        "analyst": analyst,
        # History and state in the words of their reader (Ticket.reads_as_team).
        "for_team": analyst or ticket.reads_as_team(request.user),
        "steps": _steps(ticket, request.user, analyst=analyst, action_form=action_form),
        "reply_form": reply_form,
        "note_form": note_form,
        # Who sees the team's own changes (the same words as the boxes': helpdesk.visibility).
        "seen": {what: reach(what).label for what in ("priority", "assign", "move")} if analyst else {},
        "error": error,
        "answers": ticket.submission.answers if ticket.submission_id else {},
        "members": ticket.team.members.order_by("username") if analyst else [],
        "all_teams": Team.objects.order_by("name") if analyst else [],
        "priorities": Priority.choices,
        # The satisfaction question for the requester, the answer for the team (None for others).
        "satisfaction": satisfaction.panel(ticket, request.user),
    }
    return render(request, "helpdesk/ticket.html", context, status=status)


@login_required
def ticket_detail(request, reference: str):
    return _ticket_page(request, _visible(request, reference))


@login_required
@require_POST
def ticket_reply(request, reference: str):
    ticket = _visible(request, reference)
    form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form, status=400)
    try:
        services.reply(
            ticket,
            by=request.user,
            body=form.cleaned_data["body"],
            internal=form.cleaned_data["internal"],
            files=form.cleaned_data["files"],
        )
    except Refused as refused:
        return _ticket_page(request, ticket, reply_form=form, status=refused.status, error=refused.message)
    messages.success(request, _("Your reply is added."))
    return redirect("ticket", reference=ticket.reference)


@login_required
@require_POST
def ticket_act(request, reference: str):
    ticket = _visible(request, reference)
    form = ActionForm(request.POST)
    if not form.is_valid():
        return _ticket_page(request, ticket, action_form=form, status=400)
    action = form.cleaned_data["action"]
    try:
        if action not in services.POSTABLE:
            raise Refused(_("That is not something you can do to a ticket."), status=400)
        services.perform(ticket, action, by=request.user, text=form.cleaned_data["text"])
    except Refused as refused:
        ticket = _visible(request, reference)  # show it as it is now
        return _ticket_page(request, ticket, action_form=form, status=refused.status, error=refused.message)
    messages.success(request, _("Done: %(what)s.") % {"what": ACTION_LABELS.get(action, action)})
    return redirect("ticket", reference=ticket.reference)


@login_required
@require_POST
def ticket_work(request, reference: str):
    """Take, assign, re-prioritise or move a ticket: the team's own actions on the ticket page."""
    ticket = _visible(request, reference)
    op = request.POST.get("op", "")
    try:
        if op == "take":
            services.take(ticket, by=request.user)
        elif op == "assign":
            to = ticket.team.members.filter(username=request.POST.get("to", "")).first()
            if to is None:
                raise Refused(_("Choose someone in %(team)s.") % {"team": ticket.team}, status=400)
            services.assign(ticket, by=request.user, to=to)
        elif op == "priority":
            services.change_priority(ticket, by=request.user, priority=request.POST.get("priority", ""))
        elif op == "move":
            team_id = request.POST.get("team", "")
            team = Team.objects.filter(pk=id_from(team_id)).first() if id_from(team_id) else None
            if team is None:
                raise Refused(_("Choose a team."), status=400)
            services.move_team(ticket, by=request.user, team=team)
        else:
            raise Refused(_("That is not something you can do to a ticket."), status=400)
    except Refused as refused:
        ticket = _visible(request, reference)
        return _ticket_page(request, ticket, status=refused.status, error=refused.message)
    messages.success(request, _("Done."))
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
        return redirect("desk")  # moved out of this analyst's queues
    return redirect("ticket", reference=ticket.reference)


@login_required
def answer_file(request, reference: str, key: str):
    """A file given in the request form, served like attachments: only to people who may see the ticket."""
    ticket = _visible(request, reference)
    answer = (ticket.submission.answers if ticket.submission_id else {}).get(key) or {}
    path = (answer.get("value") or {}).get("path") if answer.get("type") == "file" else None
    if not path:
        raise Http404
    storage = storages["private"]
    if not storage.exists(path):
        raise Http404
    return FileResponse(storage.open(path, "rb"), as_attachment=True, filename=answer["value"]["name"])


@login_required
def attachment(request, reference: str, pk: int):
    """Files are served only to people who may see the ticket (and internal ones only to the team)."""
    ticket = _visible(request, reference)
    item = get_object_or_404(Attachment.objects.select_related("message"), pk=pk, message__ticket=ticket)
    if item.message.internal and not is_team_analyst(ticket, request.user):
        raise Http404
    return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.name)


@login_required
def change_service(request, reference: str, what: str):
    """Change or cancel something you have: its consequences first, then a confirmed request."""
    if what not in ("change", "cancel"):
        raise Http404
    had = get_object_or_404(selectors.ongoing_services(request.user), reference=reference)
    context = {"had": had, "service": had.service, "what": what}
    if request.method != "POST":
        return render(request, "helpdesk/change_service.html", context)
    form = ChangeServiceForm(request.POST)
    if not form.is_valid():  # the page shows what was typed again
        context["error"] = next(iter(form.errors.values()))[0]
        return render(request, "helpdesk/change_service.html", context, status=400)
    verb = _("Change") if what == "change" else _("Cancel")
    ticket = services.raise_ticket(
        kind=RequestKind.REQUEST,
        title=f"{verb}: {had.service.name}",
        description=form.cleaned_data["text"],
        requester=request.user,
        raised_by=request.user,
        service=had.service,
        impact="low",
        urgency="low",
    )
    messages.success(request, _("We have your request. Your reference is %(ref)s.") % {"ref": ticket.reference})
    return redirect("ticket", reference=ticket.reference)
