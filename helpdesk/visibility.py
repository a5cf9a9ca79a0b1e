"""Who reads what is typed or chosen on a ticket, said once.

The ticket page labels every box an analyst fills with the sentence of its reach; tests hold each
sentence to what helpdesk.services and helpdesk.notifications really do with the text:

- a reply, and the question asked with `wait_on_requester`, become public messages: the requester sees
  them on the ticket and gets them by email (notifications.message_added);
- an internal note is a message only the team's timeline shows, and nobody is mailed;
- a resolution is shown on the ticket and is the body of the "resolved" mail (notifications.ticket_moved);
- the reason given to cancel or reopen is kept in the history the requester reads; no mail carries it
  (the "cancelled" mail says only that it is cancelled);
- a new priority, assignee or team shows on the requester's page; nobody is mailed.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Reach(models.TextChoices):
    """How far a piece of text goes; the label is the sentence shown beside the box."""

    TEAM = "team", _("Only your team sees this. The requester does not.")
    PAGE = "page", _("The requester will see this on their ticket page, but not by email.")
    MAIL = "mail", _("The requester will see this and get it by email.")


# Keyed by what is done with the box: a transition that takes text (services.NEEDS_TEXT), a message
# ("reply", "note") or one of the team's own changes ("priority", "assign", "move").
REACH = {
    "reply": Reach.MAIL,
    "note": Reach.TEAM,
    "wait_on_requester": Reach.MAIL,
    "resolve": Reach.MAIL,
    "reopen": Reach.PAGE,
    "cancel": Reach.PAGE,
    "priority": Reach.PAGE,
    "assign": Reach.PAGE,
    "move": Reach.PAGE,
}


def reach(what: str) -> Reach:
    """The reach of the text given for `what`; KeyError for something that takes no text, so a new
    box cannot appear on the page without someone deciding who reads it."""
    return REACH[what]
