"""How tickets relate to each other and to people beyond the requester: merge a duplicate, a major
incident with its children, related tickets, people copied in, the supplier's reference. Each write is
atomic, leaves a history line on every ticket it touches and marks them changed; mail goes out through
the outbox in the same transaction.

Resolving a parent resolves its children: that rule is part of resolving, in services.perform.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from helpdesk import notifications, status, webhooks
from helpdesk.models import EventKind, Message, Ticket, User, is_requester_side, is_team_analyst
from helpdesk.services import TRANSITION_FIELDS, Refused, lock

PROVIDER_REFERENCE_LIMIT = Ticket._meta.get_field("provider_reference").max_length


def _team_only(ticket: Ticket, by, what: str) -> None:
    if not is_team_analyst(ticket, by):
        raise Refused(_("Only the ticket's team can %(what)s.") % {"what": what})


def _open(ticket: Ticket) -> None:
    if not ticket.is_open:
        raise Refused(_("%(ref)s is finished, so that can't be done now.") % {"ref": ticket.reference}, status=409)


def find(reference: str, *, user) -> Ticket:
    """The ticket `user` may see by its reference (any case, spaces around ignored), or Refused (400)."""
    ticket = Ticket.objects.visible_to(user).filter(reference__iexact=reference.strip()).first()
    if ticket is None:
        raise Refused(_("There is no ticket %(ref)s that you can see.") % {"ref": reference.strip()}, status=400)
    return ticket


def merge(duplicate: Ticket, *, into: Ticket, by, at: datetime | None = None) -> Ticket:
    """Close `duplicate` as a duplicate of `into`, which carries on.

    Its conversation moves to `into` (files included, in time order among the rest), its requester and
    the people copied in on it are copied in on `into` (so they follow the work and can read it), and its
    requester is told by mail where to follow it. The duplicate keeps a pointer and a history line, and
    its clocks are withdrawn. Refused when either is finished, they are the same ticket, `into` is itself
    merged, or `by` is not on the duplicate's team and able to see `into`.
    """
    at = at or timezone.now()
    if duplicate.pk == into.pk:
        raise Refused(_("A ticket can't be merged into itself."), status=400)
    _team_only(duplicate, by, _("merge it"))
    if not Ticket.objects.visible_to(by).filter(pk=into.pk).exists():
        raise Refused(_("There is no ticket %(ref)s that you can see.") % {"ref": into.reference}, status=400)
    _open(duplicate)
    _open(into)
    if not can_proceed(duplicate.close_as_duplicate) or not has_transition_perm(duplicate.close_as_duplicate, by):
        raise Refused(_("You can't merge this ticket."))
    try:
        with transaction.atomic():
            # Both rows, in id order as every writer of two tickets takes them.
            for ticket in sorted((duplicate, into), key=lambda t: t.pk):
                lock(ticket)
            source = duplicate.state
            duplicate.close_as_duplicate(by=by, at=at, into=into)
            duplicate.save(update_fields=[*TRANSITION_FIELDS, "merged_into"])
            duplicate.refresh_sla()
            moved = Message.objects.filter(ticket=duplicate).update(ticket=into)
            people = {duplicate.requester_id, *duplicate.watchers.values_list("pk", flat=True)} - {into.requester_id}
            into.watchers.add(*people)
            duplicate.log(
                EventKind.STATE_CHANGED,
                by=by,
                at=at,
                **{"from": source, "to": duplicate.state, "action": "close_as_duplicate", "comment": ""},
            )
            duplicate.log(EventKind.MERGED, by=by, at=at, into=into.reference)
            into.log(EventKind.MERGED_IN, by=by, at=at, duplicate=duplicate.reference, messages=moved)
            Ticket.objects.filter(pk__in=[duplicate.pk, into.pk]).touch()
            notifications.ticket_merged(duplicate, into)
            webhooks.queue(webhooks.Event.TICKET_MERGED, duplicate, at=at, into=into.reference)
    except ConcurrentTransition:
        raise Refused(
            _("Someone else changed this ticket a moment ago. Reload it to see what changed."), status=409
        ) from None
    return into


def declare_major(ticket: Ticket, *, by, at: datetime | None = None) -> Ticket:
    """Mark an open ticket a major incident: the service status shows its service affected while it is
    open, and other tickets can be made part of it (`attach`)."""
    at = at or timezone.now()
    _team_only(ticket, by, _("declare a major incident"))
    _open(ticket)
    if ticket.parent_id:
        raise Refused(_("This ticket is part of another; declare that one instead."), status=400)
    with transaction.atomic():
        if not Ticket.objects.filter(pk=ticket.pk, major=False).update(major=True, updated_at=timezone.now()):
            return ticket
        ticket.major = True
        ticket.log(EventKind.MAJOR, by=by, at=at)
        status.forget_banner()  # the flag is set by update(), which sends no post_save
    return ticket


def attach(child: Ticket, *, parent: Ticket, by, at: datetime | None = None) -> Ticket:
    """Make `child` part of `parent` (a major incident, or any ticket that gathers others): resolving
    the parent resolves it. One level only: a parent is not itself part of another, and a ticket that
    has parts is not made part of another."""
    at = at or timezone.now()
    if child.pk == parent.pk:
        raise Refused(_("A ticket can't be part of itself."), status=400)
    _team_only(child, by, _("make it part of another"))
    if not Ticket.objects.visible_to(by).filter(pk=parent.pk).exists():
        raise Refused(_("There is no ticket %(ref)s that you can see.") % {"ref": parent.reference}, status=400)
    _open(child)
    _open(parent)
    if parent.parent_id:
        raise Refused(_("%(ref)s is itself part of another ticket.") % {"ref": parent.reference}, status=400)
    if child.children.exists():
        raise Refused(_("This ticket has parts of its own, so it can't be part of another."), status=400)
    with transaction.atomic():
        Ticket.objects.filter(pk=child.pk).update(parent=parent, updated_at=timezone.now())
        child.parent = parent
        child.log(EventKind.PARENT, by=by, at=at, parent=parent.reference)
        parent.log(EventKind.LINKED, by=by, at=at, other=child.reference, child=True)
        Ticket.objects.filter(pk=parent.pk).touch()
    return child


def detach(child: Ticket, *, by, at: datetime | None = None) -> Ticket:
    """Take `child` out of its parent: it is resolved on its own again."""
    at = at or timezone.now()
    _team_only(child, by, _("change what it is part of"))
    if child.parent_id is None:
        return child
    with transaction.atomic():
        parent = child.parent
        Ticket.objects.filter(pk=child.pk).update(parent=None, updated_at=timezone.now())
        child.parent = None
        child.log(EventKind.UNLINKED, by=by, at=at, other=parent.reference, child=False)
        parent.log(EventKind.UNLINKED, by=by, at=at, other=child.reference, child=True)
        Ticket.objects.filter(pk=parent.pk).touch()
    return child


def link(ticket: Ticket, other: Ticket, *, by, at: datetime | None = None) -> Ticket:
    """Note that two tickets are related (both ways); nothing else follows from it."""
    at = at or timezone.now()
    if ticket.pk == other.pk:
        raise Refused(_("A ticket can't be linked to itself."), status=400)
    _team_only(ticket, by, _("link it"))
    if not Ticket.objects.visible_to(by).filter(pk=other.pk).exists():
        raise Refused(_("There is no ticket %(ref)s that you can see.") % {"ref": other.reference}, status=400)
    with transaction.atomic():
        if ticket.related.filter(pk=other.pk).exists():
            return ticket
        ticket.related.add(other)
        ticket.log(EventKind.LINKED, by=by, at=at, other=other.reference)
        other.log(EventKind.LINKED, by=by, at=at, other=ticket.reference)
        Ticket.objects.filter(pk__in=[ticket.pk, other.pk]).touch()
    return ticket


def unlink(ticket: Ticket, other: Ticket, *, by, at: datetime | None = None) -> Ticket:
    at = at or timezone.now()
    _team_only(ticket, by, _("unlink it"))
    with transaction.atomic():
        if not ticket.related.filter(pk=other.pk).exists():
            return ticket
        ticket.related.remove(other)
        ticket.log(EventKind.UNLINKED, by=by, at=at, other=other.reference)
        other.log(EventKind.UNLINKED, by=by, at=at, other=ticket.reference)
        Ticket.objects.filter(pk__in=[ticket.pk, other.pk]).touch()
    return ticket


def watch(ticket: Ticket, person: User, *, by, at: datetime | None = None) -> Ticket:
    """Copy `person` in: they can read the ticket and its public conversation and are mailed its public
    replies. The team or the requester's side may copy people in."""
    at = at or timezone.now()
    if not is_requester_side(ticket, by):
        raise Refused(_("You can't copy people in on this ticket."))
    if not person.is_active:
        raise Refused(_("%(who)s can no longer log in, so can't be copied in.") % {"who": person}, status=400)
    if person.pk == ticket.requester_id:
        raise Refused(_("%(who)s asked for it, so hears of it already.") % {"who": person}, status=400)
    with transaction.atomic():
        if ticket.watchers.filter(pk=person.pk).exists():
            return ticket
        ticket.watchers.add(person)
        ticket.log(EventKind.WATCHER, by=by, at=at, person=person.pk, name=str(person))
        Ticket.objects.filter(pk=ticket.pk).touch()
    return ticket


def unwatch(ticket: Ticket, person: User, *, by, at: datetime | None = None) -> Ticket:
    """Stop copying `person` in: the team, the requester's side, or the person themselves."""
    at = at or timezone.now()
    if by.pk != person.pk and not is_requester_side(ticket, by):
        raise Refused(_("You can't change who is copied in on this ticket."))
    with transaction.atomic():
        if not ticket.watchers.filter(pk=person.pk).exists():
            return ticket
        ticket.watchers.remove(person)
        ticket.log(EventKind.UNWATCHED, by=by, at=at, person=person.pk, name=str(person))
        Ticket.objects.filter(pk=ticket.pk).touch()
    return ticket


def set_provider_reference(ticket: Ticket, reference: str, *, by, at: datetime | None = None) -> Ticket:
    """Note the supplier's own number for the case (empty to clear it)."""
    at = at or timezone.now()
    _team_only(ticket, by, _("note the supplier's reference"))
    reference = reference.strip()
    if len(reference) > PROVIDER_REFERENCE_LIMIT:
        raise Refused(
            _("A supplier's reference is at most %(n)d characters.") % {"n": PROVIDER_REFERENCE_LIMIT}, status=400
        )
    with transaction.atomic():
        if reference == Ticket.objects.filter(pk=ticket.pk).values_list("provider_reference", flat=True).get():
            return ticket
        Ticket.objects.filter(pk=ticket.pk).update(provider_reference=reference, updated_at=timezone.now())
        ticket.provider_reference = reference
        ticket.log(EventKind.PROVIDER_REF, by=by, at=at, reference=reference)
    return ticket
