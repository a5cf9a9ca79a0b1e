"""Fails when any language the site offers is not whole: a string untranslated or fuzzy in its catalogue
(locale/<language>/LC_MESSAGES/django.po, and in each other folder of LOCALE_PATHS), or a compiled
catalogue (.mo) that is not the .po as it stands.

`make lint` runs it after `makemessages`, so a string marked in the code but not yet translated fails CI;
the test suite runs it too (tests/i18n/)."""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SHOWN = 5  # strings named per problem; the count says how many more


def _text(entry) -> tuple[str, tuple[str, ...]]:
    return entry.msgstr, tuple(text for _form, text in sorted((int(k), v) for k, v in entry.msgstr_plural.items()))


def catalogue_problems(language: str, folder: Path) -> list[str]:
    """What is wrong with one language's catalogue, in sentences; empty when it is whole."""
    po_path = folder / language / "LC_MESSAGES" / "django.po"
    mo_path = po_path.with_suffix(".mo")
    if not po_path.exists():
        return [f"{language}: there is no {po_path}; run `make messages` and translate it."]
    po = polib.pofile(str(po_path))
    problems = []
    live = [entry for entry in po if not entry.obsolete]
    for what, entries in (
        ("untranslated", [e for e in live if not e.translated() and "fuzzy" not in e.flags]),
        ("fuzzy (a guess nobody checked)", [e for e in live if "fuzzy" in e.flags]),
    ):
        if entries:
            named = "; ".join(repr(e.msgid[:60]) for e in entries[:SHOWN])
            problems.append(f"{language}: {len(entries)} {what} in {po_path}: {named}")
    if not mo_path.exists():
        return [*problems, f"{language}: {mo_path} is missing; run `make messages`."]
    compiled = {(e.msgctxt, e.msgid): _text(e) for e in polib.mofile(str(mo_path)) if e.msgid}
    written = {(e.msgctxt, e.msgid): _text(e) for e in live if e.translated() and "fuzzy" not in e.flags}
    stale = sorted(key[1][:60] for key in written.keys() | compiled.keys() if written.get(key) != compiled.get(key))
    if stale:
        problems.append(f"{language}: {mo_path} is not compiled from the .po as it stands ({stale[:SHOWN]}).")
    return problems


class Command(BaseCommand):
    help = "Fail when a language's catalogue has untranslated or fuzzy strings, or its .mo is out of date."

    def handle(self, *args, **options):
        problems = [
            problem
            for folder in map(Path, settings.LOCALE_PATHS)
            for language, _name in settings.LANGUAGES
            if language != settings.LANGUAGE_CODE
            for problem in catalogue_problems(language, folder)
        ]
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"Every catalogue is whole and compiled: {', '.join(c for c, _n in settings.LANGUAGES)}.")
