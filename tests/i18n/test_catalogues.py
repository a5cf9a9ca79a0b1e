"""The catalogues are whole: every marked string translated (none fuzzy) in every language, and the compiled
.mo files are the .po files as they stand. `make lint` runs the same check after a fresh extraction."""

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from helpdesk.management.commands.check_translations import catalogue_problems

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def test_every_language_the_site_offers_is_whole_and_compiled():
    call_command("check_translations")


def test_an_untranslated_or_fuzzy_string_or_a_stale_mo_is_named(tmp_path):
    source = settings.LOCALE_PATHS[0] / "sv" / "LC_MESSAGES"
    folder = tmp_path / "sv" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = polib.pofile(str(source / "django.po"))
    po.save(str(folder / "django.po"))
    po.save_as_mofile(str(folder / "django.mo"))
    assert catalogue_problems("sv", tmp_path) == []
    po.append(polib.POEntry(msgid="A sentence nobody translated", msgstr=""))
    guessed = next(entry for entry in po if entry.translated())
    guessed.flags.append("fuzzy")
    po.save(str(folder / "django.po"))
    problems = "\n".join(catalogue_problems("sv", tmp_path))
    assert "1 untranslated" in problems and "A sentence nobody translated" in problems
    assert "1 fuzzy" in problems and guessed.msgid[:40] in problems
    assert "is not compiled from the .po" in problems  # the .mo still carries the fuzzy entry's text


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_their_placeholders(language):
    """A translation that drops %(name)s or adds one would fail (or lose a figure) when the page is drawn."""
    import re

    field = re.compile(r"%\((\w+)\)[sdf]|\{(\w+)\}")
    po = polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))
    wrong = []
    for entry in po:
        english = set(field.findall(entry.msgid_plural or entry.msgid))
        for text in [entry.msgstr] if not entry.msgid_plural else list(entry.msgstr_plural.values()):
            if text and not set(field.findall(text)) <= english | set(field.findall(entry.msgid)):
                wrong.append(entry.msgid)
    assert not wrong, wrong[:5]


def test_check_translations_fails_loudly_when_a_catalogue_is_missing(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="there is no"):
        call_command("check_translations")
