"""Writing for one reader outside their request (mail, PDFs, anything a task makes): in their language
and their time zone. One rule for every mail: the language chosen in the profile, else the one their
browser last read the site in, else the site's (LANGUAGE_CODE); the zone chosen in the profile, else UTC.
A reader we know only by address, such as a team's shared mailbox or a supplier, gets the site's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.utils import timezone, translation


def language_of(person) -> str:
    """The language chosen in the profile, else the one their browser reads the site in, else the site's."""
    return getattr(person, "language", "") or getattr(person, "browser_language", "") or settings.LANGUAGE_CODE


@contextmanager
def writing_for(person) -> Iterator[None]:
    """Inside, gettext, |date and formats speak to `person` (a User, or None for an unnamed reader)."""
    zone = (getattr(person, "time_zone", "") or "") or "UTC"
    with timezone.override(zone), translation.override(language_of(person)):
        yield
