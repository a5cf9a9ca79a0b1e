"""Cursor pagination for the ticket list, over the desk's own sorts (helpdesk.filters.SORTS).

DRF's CursorPagination keys on one field and cannot order NULLs last, as the desk's "soonest due" sort
does; this cursor holds the last row's values of every sort column (a keyset), so each page is a range
read from the same indexes as the desk, however deep."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

# Per sort: (column, descending, may be NULL (NULLs last)), the same order as helpdesk.filters.SORTS.
KEYS: dict[str, tuple[tuple[str, bool, bool], ...]] = {
    "due": (("due_at", False, True), ("id", False, False)),
    "-created": (("created_at", True, False), ("id", True, False)),
    "created": (("created_at", False, False), ("id", False, False)),
    "priority": (("priority", False, False), ("due_at", False, True), ("id", False, False)),
    "-updated": (("updated_at", True, False), ("id", True, False)),
}
DATES = {"due_at", "created_at", "updated_at"}


def encode(sort: str, row: dict) -> str:
    values = [row[column].isoformat() if column in DATES and row[column] else row[column] for column, *_ in KEYS[sort]]
    text = json.dumps({"s": sort, "v": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str, sort: str) -> list:
    """The position a cursor holds, for `sort`; a 400 naming `cursor` for anything not made by `encode`
    for the same sort."""
    bad = ValidationError({"cursor": [_("This cursor is not one this list gave, or was for another sort.")]})
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        data = json.loads(text)
        values = data["v"]
        if data["s"] != sort or len(values) != len(KEYS[sort]):
            raise bad
        position = []
        for (column, _desc, nullable), value in zip(KEYS[sort], values, strict=True):
            if value is None and not nullable:
                raise bad
            if value is not None and column in DATES:
                value = datetime.fromisoformat(value)
                if value.tzinfo is None:
                    raise bad
            elif value is not None and column == "id" and (type(value) is not int or not 0 < value < 2**63):
                raise bad
            elif value is not None and column == "priority" and not isinstance(value, str):
                raise bad
            position.append(value)
        return position
    except (ValueError, TypeError, KeyError, AttributeError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise bad from None


def after(sort: str, position: list) -> Q:
    """The rows that come after `position` in `sort`'s order: for each column, equal on those before it
    and strictly after on it."""
    condition = Q(pk__in=[])
    equal = Q()
    for (column, descending, nullable), value in zip(KEYS[sort], position, strict=True):
        if value is None:  # NULLs last: nothing comes after a NULL but other NULLs
            beyond = Q(pk__in=[])
            same = Q(**{f"{column}__isnull": True})
        else:
            beyond = Q(**{f"{column}__{'lt' if descending else 'gt'}": value})
            if nullable:
                beyond |= Q(**{f"{column}__isnull": True})
            same = Q(**{column: value})
        condition |= equal & beyond
        equal &= same
    return condition
