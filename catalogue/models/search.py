"""Words the catalogue search also looks for: editors' synonyms ("wifi" also means "wi-fi", "wireless")."""

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

WORD_LIMIT = 60
MEANS_LIMIT = 500
# A word as search reads it: letters and digits, with inner hyphens or apostrophes ("wi-fi", "o'clock").
WORD = re.compile(r"\w+(?:['’-]\w+)*")


def words_in(text: str) -> list[str]:
    """The words of a text, lower-cased, in order, each once."""
    return list(dict.fromkeys(match.group().lower() for match in WORD.finditer(text)))


class SearchSynonym(models.Model):
    """A word people search for and the words the catalogue uses for it. One way: searching `word` also
    finds services named with `means`; add the reverse row when the other direction is wanted too."""

    word = models.CharField(
        _("when someone searches for"),
        max_length=WORD_LIMIT,
        unique=True,
        help_text=_("One word, e.g. wifi. Capitals do not matter."),
    )
    means = models.TextField(
        _("also look for"),
        max_length=MEANS_LIMIT,
        help_text=_("The words our services use for it, separated by commas, e.g. wi-fi, wireless."),
    )

    panels = [FieldPanel("word"), FieldPanel("means")]

    class Meta:
        ordering = ["word"]
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")

    def __str__(self) -> str:
        return f"{self.word} → {self.means}"

    def clean(self) -> None:
        words = words_in(self.word)
        if len(words) != 1:
            raise ValidationError({"word": _("Give one word (letters and digits, a hyphen inside is fine).")})
        self.word = words[0]
        also = [w for w in words_in(self.means) if w != self.word]
        if not also:
            raise ValidationError({"means": _("Give at least one other word to look for.")})
        self.means = ", ".join(also)

    @property
    def also(self) -> list[str]:
        return [w for w in words_in(self.means) if w != self.word]
