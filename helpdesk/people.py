"""Asking for someone else: who may raise tickets and ask from the catalogue on whose behalf.

`may_ask_for` is the rule (raise_ticket enforces it; the forms and the person picker read it);
`askable_by` is the same rule as a queryset, for the picker's search.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

# The person picker lists at most this many people per search.
PICKER_LIMIT = 10
# Shorter searches list nobody: one letter matches half the organisation.
PICKER_MIN_LENGTH = 2


def asks_for_anyone(asker) -> bool:
    """Analysts and managers may ask for anyone: they take calls and walk-ins for the whole organisation."""
    roles = asker.roles
    return roles.analyst or roles.manager


def may_ask_for(asker, person) -> bool:
    """Whether `asker` may raise a ticket or ask from the catalogue for `person`: everyone for themselves,
    analysts and managers for anyone, a line manager for the people who report to them. No query."""
    if not asker.is_authenticated:
        return False
    if asker.pk == person.pk:
        return True
    return asks_for_anyone(asker) or person.line_manager_id == asker.pk


def askable_by(asker) -> QuerySet:
    """The active people other than `asker` whom `may_ask_for` admits for `asker`, as a queryset."""
    people = get_user_model().objects.filter(is_active=True).exclude(pk=asker.pk)
    if asks_for_anyone(asker):
        return people
    return people.filter(line_manager=asker.pk)


def asks_for_others(asker) -> bool:
    """Whether `asker` may ask for anyone but themselves (so their forms offer "For whom?"): analysts and
    managers without a query, anyone else when someone active reports to them (one query)."""
    if not asker.is_authenticated:
        return False
    return asks_for_anyone(asker) or askable_by(asker).exists()


def search_askable(asker, words: str) -> list:
    """Up to PICKER_LIMIT people `asker` may ask for whose name, username or email starts with each
    typed word, by name, with their division and location (one query). Too short a search: nobody."""
    words = " ".join(words.split())[:100]
    if len(words) < PICKER_MIN_LENGTH:
        return []
    people = askable_by(asker)
    for word in words.split()[:4]:
        people = people.filter(
            Q(first_name__istartswith=word)
            | Q(last_name__istartswith=word)
            | Q(username__istartswith=word)
            | Q(email__istartswith=word)
        )
    return list(
        people.select_related("division", "location").order_by("first_name", "last_name", "username")[:PICKER_LIMIT]
    )
