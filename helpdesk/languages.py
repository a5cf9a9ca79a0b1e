"""The languages the site speaks, and writing for one reader in theirs.

`offered`: each language named in its own words ("Svenska", "Deutsch"), so a reader who cannot read the
page's present language still finds theirs (the switcher and the profile).

`writing_for`: mail, PDFs, anything a task makes, written in its reader's language and time zone. One rule
for every mail: the language chosen in the profile, else the one their browser last read the site in,
else the site's (LANGUAGE_CODE); the zone chosen in the profile, else UTC. A reader we know only by
address, such as a team's shared mailbox or a supplier, gets the site's language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import get_language, get_language_info, to_locale


def offered() -> dict[str, str]:
    """{code: the language's name in itself}, in settings.LANGUAGES' order."""
    names = {}
    for code, _english in settings.LANGUAGES:
        name = get_language_info(code)["name_local"]
        names[code] = name[:1].upper() + name[1:]
    return names


def name_in_text(code: str) -> str:
    """The language `code` as the reader's language names it in running text: "engelska" in Swedish,
    "Englisch" in German, "anglais" in French (CLDR's names, through Babel; Django's are capitalised)."""
    reader = to_locale(get_language() or settings.LANGUAGE_CODE)
    try:
        return BabelLocale.parse(reader).languages.get(code.split("-")[0], code)
    except (ValueError, UnknownLocaleError):
        return code


def language_of(person) -> str:
    """The language chosen in the profile, else the one their browser reads the site in, else the site's."""
    return getattr(person, "language", "") or getattr(person, "browser_language", "") or settings.LANGUAGE_CODE


@contextmanager
def writing_for(person) -> Iterator[None]:
    """Inside, gettext, |date and formats speak to `person` (a User, or None for an unnamed reader)."""
    zone = (getattr(person, "time_zone", "") or "") or "UTC"
    with timezone.override(zone), translation.override(language_of(person)):
        yield
