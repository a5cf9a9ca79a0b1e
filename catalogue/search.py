"""Catalogue search words: what someone typed, widened by the editors' synonyms, in one place."""

from __future__ import annotations

from catalogue.models import SearchSynonym
from catalogue.models.search import words_in

# A search of more words than this is cut short: nobody types more into a catalogue box.
MAX_WORDS = 12


def expanded(text: str) -> list[str]:
    """The words of `text` (lower-cased, each once, at most MAX_WORDS), each followed by the words its
    synonym says it also means (one query; none when nothing was typed)."""
    words = words_in(text)[:MAX_WORDS]
    if not words:
        return []
    synonyms = {s.word: s.also for s in SearchSynonym.objects.filter(word__in=words)}
    result: list[str] = []
    for word in words:
        result.extend([word, *synonyms.get(word, [])])
    return list(dict.fromkeys(result))
