"""The catalogues are whole: every marked string translated (none fuzzy) in every language, and the compiled
.mo files are the .po files as they stand. `make lint` runs the same check after a fresh extraction."""

import re

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
    """A translation that drops %(name)s (a figure lost) or adds one (a page that fails) is named. A plural's
    forms name nothing the English does not, and its last form keeps every name ("one ticket" may not)."""
    field = re.compile(r"%\((\w+)\)[sdf]|\{(\w+)\}")
    wrong = []
    for folder in settings.LOCALE_PATHS:
        for entry in polib.pofile(str(folder / language / "LC_MESSAGES" / "django.po")):
            if not entry.msgid_plural:
                if set(field.findall(entry.msgstr)) != set(field.findall(entry.msgid)):
                    wrong.append(entry.msgid)
                continue
            named = set(field.findall(entry.msgid)) | set(field.findall(entry.msgid_plural))
            forms = [text for _form, text in sorted(entry.msgstr_plural.items())]
            if any(not set(field.findall(text)) <= named for text in forms) or not set(
                field.findall(entry.msgid_plural)
            ) <= set(field.findall(forms[-1])):
                wrong.append(entry.msgid)
    assert not wrong, wrong[:5]


def test_check_translations_fails_loudly_when_a_catalogue_is_missing(settings, tmp_path):
    settings.LOCALE_PATHS = [tmp_path]
    with pytest.raises(CommandError, match="there is no"):
        call_command("check_translations")
