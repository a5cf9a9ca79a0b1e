"""The staff portal: raise, follow, reply, confirm, reopen, cancel. Thin views over selectors and services."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from catalogue.forms import PersonField
from catalogue.models import RequestKind
from helpdesk import composer, relations, satisfaction, selectors, services
from helpdesk.forms import ActionForm, ChangeServiceForm, ComposeForm, ReplyForm, id_from
from helpdesk.models import Attachment, CannedReply, Team, Ticket, User, is_requester_side, is_team_analyst
from helpdesk.services import NEEDS_TEXT, Refused
from helpdesk.visibility import Reach, reach
from sla.models import Priority
from sla.timeline import REQUESTER, TEAM, explain

# Buttons people see, in this order, with the words on them.
ACTION_LABELS = {
    "start": gettext_lazy("Start work"),
    "wait_on_requester": gettext_lazy("Ask the requester"),
    "requester_replied": gettext_lazy("Requester answered"),
    "wait_on_provider": gettext_lazy("Wait on the supplier"),
    "provider_replied": gettext_lazy("Supplier answered"),
    "resolve": gettext_lazy("Resolve"),
    "confirm": gettext_lazy("Yes, it's fixed"),
    "reopen": gettext_lazy("No, reopen it"),
    "cancel": gettext_lazy("Cancel this ticket"),
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
    """The step buttons and boxes; for the team, the steps the composer takes are left to it."""
    posted = action_form.data.get("action") if action_form.is_bound else None
    in_composer = set(composer.STEPS) if analyst else set()
    steps = []
    for name, label in _actions(ticket, user):
        if name in in_composer:
            continue
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


def _composer(ticket: Ticket, user, posted, canned: CannedReply | None) -> ComposeForm:
    """The team's composer: as posted when it came back (with its messages), else empty or filled from
    a canned reply."""
    if posted is not None:
        return posted
    initial = {}
    if canned is not None:
        initial = {"body": canned.body, "then": canned.action, "priority": canned.priority}
    return ComposeForm(initial=initial, steps=composer.steps_for(ticket, user), priorities=Priority.choices)


def _canned(ticket: Ticket, request) -> CannedReply | None:
    pk = id_from(request.GET.get("canned"))
    return ticket.team.canned_replies.filter(pk=pk).first() if pk else None


def _ticket_page(request, ticket: Ticket, *, reply_form=None, action_form=None, status=200, error=""):
    analyst = is_team_analyst(ticket, request.user)
    action_form = action_form or ActionForm()
    # Each clock told to its reader: the team's version in full, the requester's without internal detail.
    promise = explain(ticket, timezone.now(), audience=TEAM if analyst else REQUESTER)
    if analyst:
        if reply_form is not None and not isinstance(reply_form, ComposeForm):
            reply_form = None
        compose = _composer(ticket, request.user, reply_form, _canned(ticket, request))
        internal = bool(compose["internal"].value())
        compose["body"].label = _("Your words")
        # Whom the words reach, as the choice stands (static/js/ticket.js changes it with the choice).
        compose["body"].help_text = reach("note" if internal else "reply").label
    else:
        compose = reply_form if reply_form is not None else ReplyForm()
        internal = False
    context = {
        "ticket": ticket,
        "timeline": selectors.ticket_timeline(ticket, show_internal=analyst),
        "clocks": promise.running,
        "promise": promise,
        "analyst": analyst,
        "requester_side": is_requester_side(ticket, request.user),
        # History and state in the words of their reader (Ticket.reads_as_team).
        "for_team": analyst or ticket.reads_as_team(request.user),
        "steps": _steps(ticket, request.user, analyst=analyst, action_form=action_form),
        "reply_form": compose,
        "internal": internal,
        # Who reads what the team does here (the same sentences everywhere: helpdesk.visibility).
        "seen": {what: reach(what).label for what in ("priority", "assign", "move", "reply", "note", "resolve")}
        if analyst
        else {},
        "team_only": Reach.TEAM.label,
        "error": error,
        "answers": ticket.submission.answers if ticket.submission_id else {},
        "members": ticket.team.members.order_by("username") if analyst else [],
        "all_teams": Team.objects.order_by("name") if analyst else [],
        "priorities": Priority.choices,
        "canned_replies": list(ticket.team.canned_replies.all()) if analyst else [],
        "card": selectors.requester_card(ticket, request.user) if analyst else None,
        "relations": selectors.relations(ticket, request.user),
        # The satisfaction question for the requester, the answer for the team (None for others).
        "satisfaction": satisfaction.panel(ticket, request.user),
        # Who signed it off (or is asked to): the requester and the team read the same steps.
        "approvals": list(ticket.approvals.select_related("approver", "decided_by")),
    }
    return render(request, "helpdesk/ticket.html", context, status=status)


@login_required
def ticket_detail(request, reference: str):
    return _ticket_page(request, _visible(request, reference))


@login_required
@require_POST
def ticket_reply(request, reference: str):
    """The requester's reply, or the team's composer (a reply or a note, maybe with a step and a priority)."""
    ticket = _visible(request, reference)
    if is_team_analyst(ticket, request.user):
        form = ComposeForm(
            request.POST, request.FILES, steps=composer.steps_for(ticket, request.user), priorities=Priority.choices
        )
    else:
        form = ReplyForm(request.POST, request.FILES)
    if not form.is_valid():
        return _ticket_page(request, ticket, reply_form=form, status=400)
    data = form.cleaned_data
    try:
        if isinstance(form, ComposeForm):
            composer.send(
                ticket,
                by=request.user,
                body=data["body"],
                internal=data["internal"],
                then=data["then"],
                priority=data["priority"] if data["priority"] != ticket.priority else "",
                files=data["files"],
            )
        else:
            services.reply(ticket, by=request.user, body=data["body"], internal=data["internal"], files=data["files"])
    except Refused as refused:
        ticket = _visible(request, reference)  # as it is now; what was typed stays in the box
        return _ticket_page(request, ticket, reply_form=form, status=refused.status, error=refused.message)
    messages.success(request, _("Your note is added.") if data["internal"] else _("Your reply is sent."))
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


@login_required
@require_POST
def ticket_relate(request, reference: str):
    """Tie the ticket to others and to people: link, merge, make part of, declare a major incident, copy
    people in, note the supplier's reference. Each refusal comes back on the page with a 4xx."""
    ticket = _visible(request, reference)
    op = request.POST.get("op", "")
    try:
        if op in ("link", "unlink", "merge", "attach"):
            other = relations.find(request.POST.get("other", "")[:40], user=request.user)
            if op == "merge":
                relations.merge(ticket, into=other, by=request.user)
                messages.success(request, _("Joined with %(ref)s.") % {"ref": other.reference})
                return redirect("ticket", reference=other.reference)
            if op == "attach":
                relations.attach(ticket, parent=other, by=request.user)
            elif op == "link":
                relations.link(ticket, other, by=request.user)
            else:
                relations.unlink(ticket, other, by=request.user)
        elif op == "detach":
            relations.detach(ticket, by=request.user)
        elif op == "major":
            relations.declare_major(ticket, by=request.user)
        elif op in ("watch", "unwatch"):
            person = _person(request.POST.get("person", ""))
            (relations.watch if op == "watch" else relations.unwatch)(ticket, person, by=request.user)
        elif op == "provider_reference":
            relations.set_provider_reference(ticket, request.POST.get("provider_reference", ""), by=request.user)
        else:
            raise Refused(_("That is not something you can do to a ticket."), status=400)
    except Refused as refused:
        ticket = _visible(request, reference)
        return _ticket_page(request, ticket, status=refused.status, error=refused.message)
    messages.success(request, _("Done."))
    if not Ticket.objects.visible_to(request.user).filter(pk=ticket.pk).exists():
        return redirect("my")  # no longer copied in, so no longer theirs to see
    return redirect("ticket", reference=ticket.reference)


def _person(typed: str) -> User:
    """An active person by username or email address (the one lookup: catalogue.forms.PersonField), or
    Refused (400) with its words."""
    try:
        found = PersonField(required=False).clean(typed)
    except ValidationError as error:
        raise Refused(error.messages[0], status=400) from None
    if found is None:
        raise Refused(PersonField.default_error_messages["invalid_choice"], status=400)
    return found
