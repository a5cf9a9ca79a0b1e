"""The languages the site offers, each named in its own words ("Svenska", "Deutsch"), so a reader who
cannot read the page's present language still finds theirs: one list for the switcher and the profile."""

from __future__ import annotations

from babel import Locale as BabelLocale
from babel import UnknownLocaleError
from django.conf import settings
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
