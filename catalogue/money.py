"""Money as the reader's language writes it: one function for every page, mail and PDF.

The site has one currency (settings.CURRENCY, an ISO 4217 code); the language only decides how the amount
is written: "€1,234.50" in English, "1 234,50 €" in Swedish and French, "1.234,50 €" in German and Spanish.
Babel carries the CLDR data for that, which Django's number formats lack (they know no currency)."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils.translation import get_language, to_locale
from django.utils.translation import gettext as _


def written(amount: Decimal | None, *, free_word: bool = True) -> str:
    """The amount in the site's currency for the active language; "" for None and, unless
    `free_word` is False, the word for free for nothing (a price of 0)."""
    if amount is None:
        return ""
    if amount == 0 and free_word:
        return _("Free")
    return format_currency(amount, settings.CURRENCY, locale=to_locale(get_language() or settings.LANGUAGE_CODE))
