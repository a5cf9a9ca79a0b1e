"""The languages the site offers, each named in its own words ("Svenska", "Deutsch"), so a reader who
cannot read the page's present language still finds theirs: one list for the switcher and the profile."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language_info


def offered() -> dict[str, str]:
    """{code: the language's name in itself}, in settings.LANGUAGES' order."""
    names = {}
    for code, _english in settings.LANGUAGES:
        name = get_language_info(code)["name_local"]
        names[code] = name[:1].upper() + name[1:]
    return names
