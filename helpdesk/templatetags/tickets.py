"""Words for the ticket page: history stores stable keys, people read sentences written for them."""

from django import template

from helpdesk import history
from helpdesk.models import TicketEvent, state_words

register = template.Library()


@register.filter
def state_for(value: str, team: bool) -> str:
    """A stored state key in its reader's words ("Waiting on you" for the requester, "Waiting on the
    requester" for the team)."""
    return state_words(value, team=bool(team))


@register.filter
def history_line(event: TicketEvent, team: bool) -> str:
    """One history line written for its reader (helpdesk/history.py)."""
    return history.describe(event, team=bool(team))
