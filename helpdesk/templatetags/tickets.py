"""Words for the ticket page: history stores stable keys, people read labels."""

from django import template
from django.utils.translation import gettext

from helpdesk.models import State

register = template.Library()


@register.filter
def state_label(value: str) -> str:
    """The label of a stored state key ("waiting_requester" -> "Waiting on you"); a key that is no
    longer a state (renamed since it was stored) reads as a plain word, never as the key."""
    try:
        return str(State(value).label)
    except ValueError:
        return gettext("another state")
