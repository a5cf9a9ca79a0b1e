"""A ticket's history written for people: one sentence per kind of event (and per transition), worded
for its reader, the team or the requester, and translated when shown. Stored keys are never printed
(Wagtail's log formatters are the model: the event keeps stable data, the words are made here)."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from helpdesk.models import EventKind, TicketEvent, state_words
from sla.models import Priority

Words = Callable[[dict, bool], str]


def _priority(value: str) -> str:
    try:
        return str(Priority(value).label)
    except ValueError:
        return _("another priority")


def _quoted(sentence: str, comment: str) -> str:
    return f"{sentence}: “{comment}”" if comment else sentence


# What a transition did, for the team and for the requester (the stored action is the transition's name).
ACTIONS: dict[str, tuple[str, str]] = {
    "start": (gettext_noop("Work started"), gettext_noop("Work started")),
    "wait_on_requester": (gettext_noop("Asked the requester a question"), gettext_noop("Asked you a question")),
    "requester_replied": (gettext_noop("The requester answered"), gettext_noop("You answered")),
    "wait_on_provider": (gettext_noop("Waiting on a supplier"), gettext_noop("Waiting on a supplier")),
    "provider_replied": (gettext_noop("The supplier answered"), gettext_noop("The supplier answered")),
    "resolve": (gettext_noop("Resolved"), gettext_noop("Resolved")),
    "reopen": (gettext_noop("Reopened"), gettext_noop("Reopened")),
    "confirm": (gettext_noop("The requester confirmed it is fixed"), gettext_noop("You confirmed it is fixed")),
    "close_unanswered": (
        gettext_noop("Closed: no answer after it was resolved"),
        gettext_noop("Closed: no answer after it was resolved"),
    ),
    "cancel": (gettext_noop("Cancelled"), gettext_noop("Cancelled")),
    "close_as_duplicate": (gettext_noop("Closed as a duplicate"), gettext_noop("Closed as a duplicate")),
    "approve": (
        gettext_noop("Approved: the team's work starts now"),
        gettext_noop("Approved: the team starts on it now"),
    ),
    "not_approved": (gettext_noop("Not approved"), gettext_noop("Not approved")),
}
HANDOFF_WORDS = {
    "mail": gettext_noop("Waiting on a supplier: case sent to %(provider)s by mail"),
    "webhook": gettext_noop("Waiting on a supplier: case sent to %(provider)s by webhook"),
}
# Their words are the event's own; a question is in the conversation.
QUOTED = {"resolve", "reopen", "cancel", "not_approved"}


def _state_changed(data: dict, team: bool) -> str:
    action = data.get("action", "")
    if action in ACTIONS:
        sentence = _(ACTIONS[action][0 if team else 1])
        if team and data.get("handoff") in HANDOFF_WORDS:  # helpdesk/handoff.py: who was told, and how
            return _(HANDOFF_WORDS[data["handoff"]]) % {"provider": data.get("provider", "")}
        return _quoted(sentence, data.get("comment", "")) if action in QUOTED else sentence
    # A move between teams, or an action this code no longer knows: the state it ended in.
    return _("Now: %(state)s") % {"state": state_words(data.get("to", ""), team=team)}


def _linked(data: dict, team: bool) -> str:
    if "problem" in data:  # helpdesk/problems.py
        return _("Linked to problem: %(title)s") % {"title": data.get("title", "")}
    if data.get("child"):
        return _("%(ref)s made part of this ticket") % {"ref": data.get("other", "")}
    return _("Linked with %(ref)s") % {"ref": data.get("other", "")}


def _unlinked(data: dict, team: bool) -> str:
    if "problem" in data:
        return _("No longer linked to problem: %(title)s") % {"title": data.get("title", "")}
    if data.get("child"):
        return _("%(ref)s is no longer part of this ticket") % {"ref": data.get("other", "")}
    if "child" in data:
        return _("No longer part of %(ref)s") % {"ref": data.get("other", "")}
    return _("No longer linked with %(ref)s") % {"ref": data.get("other", "")}


FORMATTERS: dict[str, Words] = {
    EventKind.CREATED: lambda data, team: _("Raised"),
    EventKind.ASSIGNED: lambda data, team: (
        _("Back with %(name)s: the person it was assigned to has left") % {"name": data.get("name", "")}
        if data.get("reason") == "left"  # helpdesk/directory/people.py hands a leaver's work back
        else _("Assigned to %(name)s") % {"name": data.get("name", "")}
    ),
    EventKind.STATE_CHANGED: _state_changed,
    EventKind.PRIORITY_CHANGED: lambda data, team: (
        _("Priority changed from %(from)s to %(to)s")
        % {"from": _priority(data.get("from", "")), "to": _priority(data.get("to", ""))}
    ),
    EventKind.MERGED: lambda data, team: (
        _("Joined with %(ref)s, which carries on from here") % {"ref": data.get("into", "")}
    ),
    EventKind.MERGED_IN: lambda data, team: (
        _("%(ref)s joined with this one; its messages are here now") % {"ref": data.get("duplicate", "")}
    ),
    EventKind.LINKED: _linked,
    EventKind.UNLINKED: _unlinked,
    EventKind.PARENT: lambda data, team: (
        _("Made part of %(ref)s: resolving that resolves this") % {"ref": data.get("parent", "")}
    ),
    EventKind.MAJOR: lambda data, team: _("Declared a major incident"),
    EventKind.WATCHER: lambda data, team: _("%(name)s copied in") % {"name": data.get("name", "")},
    EventKind.UNWATCHED: lambda data, team: _("%(name)s no longer copied in") % {"name": data.get("name", "")},
    EventKind.PROVIDER_REF: lambda data, team: (
        _("Supplier's reference noted: %(ref)s") % {"ref": data["reference"]}
        if data.get("reference")
        else _("Supplier's reference cleared")
    ),
    EventKind.MOVED: lambda data, team: (
        _("Moved from team %(from)s to team %(to)s") % {"from": data.get("from", ""), "to": data.get("to", "")}
    ),
    EventKind.APPROVAL_ASKED: lambda data, team: (
        _("Approval asked of %(names)s") % {"names": ", ".join(a.get("name", "") for a in data.get("approvers", []))}
        if not data.get("instead_of")
        else _("Approval asked of %(names)s instead of %(leaver)s, who left")
        % {"names": ", ".join(a.get("name", "") for a in data.get("approvers", [])), "leaver": data["instead_of"]}
    ),
    EventKind.APPROVED: lambda data, team: _decision(_("Approved by %(name)s"), data),
    EventKind.NOT_APPROVED: lambda data, team: _quoted(
        _decision(_("Not approved by %(name)s"), data), data.get("reason", "")
    ),
}


def _decision(sentence: str, data: dict) -> str:
    """Who decided: the approver, or someone standing in for them."""
    if data.get("on_behalf"):
        return _("%(decision)s (a stand-in decided)") % {"decision": sentence % {"name": data.get("approver", "")}}
    return sentence % {"name": data.get("approver", "")}


def describe(event: TicketEvent, *, team: bool) -> str:
    """One history line in words for its reader (`team`: an analyst of the ticket's team or a manager)."""
    words = FORMATTERS.get(event.kind)
    return words(event.data, team) if words else str(event.get_kind_display()).capitalize()
