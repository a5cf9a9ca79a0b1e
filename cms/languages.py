"""Which of a page's versions a reader gets: theirs, else English (LANGUAGE_CODE), else any. One rule for the
catalogue's rows, a service's links and the pages that exist once per language (catalogue, IT Promise)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from django.conf import settings
from django.utils import translation


def reader_language() -> str:
    return (translation.get_language() or "").split("-")[0]


def for_reader_by(pages: Iterable[Any], key: Callable[[Any], Hashable]) -> dict[Hashable, Any]:
    """{key: the page for the reader} over pages whose `locale` is loaded (select_related)."""
    rank = {reader_language(): 0, settings.LANGUAGE_CODE: 1}
    best: dict[Hashable, tuple[int, Any]] = {}
    for page in pages:
        found = key(page)
        order = rank.get(page.locale.language_code, 2)
        if found not in best or order < best[found][0]:
            best[found] = (order, page)
    return {found: page for found, (_order, page) in best.items()}


def translated(page) -> bool:
    """Whether `page` (or None) is a translation in a language other than English: its title is then the
    thing's name in that language; an English page or a copy kept in step with it has the catalogue's own
    name. Its `locale` must be loaded."""
    return page is not None and not page.alias_of_id and page.locale.language_code != settings.LANGUAGE_CODE


def translate(page, locale, words: dict[str, str]) -> None:
    """Translate `page` into `locale` through wagtail-localize, as an editor does in its editor: each of the
    page's sentences given in `words` (English -> translation), the others left in English, then published.
    Its parents are copied into the locale when they are not there yet. For the demo and for tests; editors
    use the admin."""
    from wagtail.signal_handlers import disable_reference_index_auto_update
    from wagtail_localize.models import Translation
    from wagtail_localize.operations import translate_object

    # The copies made on the way are replaced when the translation is published (on commit, which indexes
    # what stays): indexing each copy as well would leave the task worker rows that no longer exist.
    with disable_reference_index_auto_update():
        translate_object(page, [locale])
        translation = Translation.objects.get(source__object_id=page.translation_key, target_locale=locale)
        po = translation.export_po()
        for entry in po:
            entry.msgstr = words.get(entry.msgid, "")
        translation.import_po(po)
        translation.save_target(publish=True)
