"""Saved desk views: named filters an analyst comes back to, their own and those shared with their teams.

Plain rules; the desk's views find the view (404 for one you cannot see, 403 for one you see but do not
own) and turn a Refused into a 4xx that keeps what was typed.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from helpdesk.models import SavedView, Team, User
from helpdesk.services import Refused

NAME_LIMIT = SavedView._meta.get_field("name").max_length


def visible_to(user: User) -> QuerySet[SavedView]:
    """A person's own views and those shared with a team they are in, by name, with owner and team
    read in the same query."""
    shown = Q(owner=user)
    if user.team_ids:
        shown |= Q(team_id__in=user.team_ids)
    return SavedView.objects.filter(shown).select_related("owner", "team").order_by("name", "pk")


def clean_name(name: str) -> str:
    """The name as it will be kept (spaces around it trimmed); Refused (400) when empty or too long."""
    name = name.strip()
    if not name:
        raise Refused(_("Give the view a name."), status=400)
    if len(name) > NAME_LIMIT:
        raise Refused(
            _("A view's name can be at most %(limit)d characters (this one has %(length)d).")
            % {"limit": NAME_LIMIT, "length": len(name)},
            status=400,
        )
    return name


def rename(view: SavedView, *, by: User, name: str) -> SavedView:
    """Give `view` a new name. Only its owner may (Refused 403); the name must be new among the owner's
    views, whatever its case (Refused 409, naming the view that has it)."""
    if view.owner_id != by.pk:
        raise Refused(_("Only the person who saved a view can rename it."))
    name = clean_name(name)
    taken = SavedView.objects.filter(owner_id=view.owner_id, name__iexact=name).exclude(pk=view.pk).first()
    if taken is not None:
        raise Refused(_("You already have a view called “%(name)s”. Choose another name.") % {"name": taken.name}, 409)
    view.name = name
    try:
        with transaction.atomic():
            view.save(update_fields=["name"])
    except IntegrityError:  # the same name saved a moment ago, in another tab
        raise Refused(
            _("You already have a view called “%(name)s”. Choose another name.") % {"name": name}, 409
        ) from None
    return view


def share(view: SavedView, *, by: User, team: Team | None) -> SavedView:
    """Share `view` with one of its owner's teams, or stop sharing it (`team` None). Only the owner may
    (Refused 403), and only with a team they are in (Refused 400)."""
    if view.owner_id != by.pk:
        raise Refused(_("Only the person who saved a view can share it."))
    if team is not None and team.pk not in by.team_ids:
        raise Refused(_("You can share a view only with a team you are in."), status=400)
    view.team = team
    view.save(update_fields=["team"])
    return view
