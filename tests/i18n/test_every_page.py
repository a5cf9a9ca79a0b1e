"""Every page, as each role, in each language the site offers: no English sentence outside names and data.

The world is the crawl's (tests/crawling.py): every URL pattern of ours and our own admin screens, filled
with real objects. Each person reads in the language under test (their profile); each HTML page's visible
text (text, and the attributes people read: labels, titles, placeholders, button values) is taken apart:
- the data removed: every text the database holds (titles, names, answers, page content, ...);
- what is left must not hold an English sentence: two or more English function words ("the", "your", ...),
  or a short label made only of common English interface words ("Save", "Cancel");
- nor any English sentence of our catalogue whose translation differs, nor a piece that is exactly one of
  our English labels (a string marked but translated too early, at import time, shows as its original).
Words in another language on purpose (the language switcher names each language in its own words) carry a
`lang` attribute and are skipped.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.html import strip_tags

from tests.crawling import OUR_ADMIN, body_of, build_world, client, routes

LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# English words that are not words of the other languages: two in one piece of text make it English.
FUNCTION_WORDS = set(
    "the and you your yours with this that these those have has are was were will would should could not "
    "from when which who whom what where there been can our ours it's its is of to by be we they their them "
    "if yet any more only than into about after before each other please here how why isn't don't can't "
    "won't doesn't it".split()
)
# Short labels made only of these read as English too (a button "Save", a heading "Details").
INTERFACE_WORDS = set(
    "save cancel submit search send delete edit back next previous close sign login logout yes filter apply "
    "clear show hide add remove update change download upload view details settings priority ticket tickets "
    "request requests service services report reports history reply assign resolve reopen approve decline "
    "none today yesterday tomorrow minutes hours days weeks months open closed new waiting resolved cancelled "
    "everyone everything nobody".split()
)
# ... unless the language writes it the same way.
SAME_IN = {
    "sv": {"in", "filter", "status", "team", "service", "all"},
    "de": {
        "was",
        "will",
        "in",
        "an",
        "filter",
        "details",
        "ticket",
        "tickets",
        "team",
        "service",
        "services",
        "status",
    },
    "fr": {"ticket", "tickets", "service", "services", "details"},
    "es": {"ticket", "tickets"},
}
ATTRIBUTES = {"title", "alt", "aria-label", "placeholder", "aria-description"}
SKIPPED_TAGS = {"script", "style", "code", "pre", "template", "svg"}
# Not ours to translate: Swagger UI's page for the API (drf-spectacular-sidecar) is English by design.
NOT_OURS = re.compile(r"^/api/docs/")


class VisibleText(HTMLParser):
    """The text a reader sees or hears, piece by piece, leaving out what is marked as another language."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self, language: str):
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)
        self.pieces: list[str] = []

    @property
    def skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        other_language = "lang" in attrs and tag != "html" and (attrs["lang"] or "")[:2] != self.language
        skipped = tag in SKIPPED_TAGS or other_language or "hidden" in attrs
        if not (self.skipping or skipped):
            self.pieces += [value for name, value in attrs.items() if name in ATTRIBUTES and value]
            if tag == "input" and attrs.get("type") in {"submit", "button"} and attrs.get("value"):
                self.pieces.append(attrs["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.pieces.append(" ".join(data.split()))


def data_texts() -> list[str]:
    """Every text value the database holds in our apps and the page tree, longest first."""
    found: set[str] = set()
    for model in apps.get_models():
        if model._meta.app_label not in {"helpdesk", "catalogue", "sla", "cms", "wagtailcore", "auth"}:
            continue
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, models.CharField | models.TextField)]
        for row in model.objects.values_list(*fields) if fields else []:
            for value in row:
                if isinstance(value, str) and len(value.strip()) >= 2:
                    found.add(value)
                    text = " ".join(strip_tags(value).split())
                    found.add(text)
                    found.update(part.strip() for part in re.split(r"[\n\r]+", strip_tags(value)) if part.strip())
    return sorted(found, key=len, reverse=True)


def english_labels(language: str) -> set[str]:
    """Our English strings, whole, that the language translates differently: a label shown exactly as its
    English original ("Start work") was translated too early or not at all."""
    po = polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))
    return {
        entry.msgid
        for entry in po
        if not entry.msgid_plural
        and entry.msgstr.strip().lower() != entry.msgid.strip().lower()
        and re.search(r"[A-Za-z]{3}", entry.msgid)
        and not re.search(r"%\(|%[sd]|\{|<", entry.msgid)
    }


def english_sentences(language: str) -> list[str]:
    """Pieces of our English sentences (between placeholders) that the language translates differently."""
    po = polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))
    pieces = set()
    for entry in po:
        if entry.msgid_plural or entry.msgstr == entry.msgid:
            continue
        for piece in re.split(r"%\(\w+\)[sdf]|%[sd]|\{\w*\}|<[^>]+>", entry.msgid):
            piece = " ".join(piece.split())
            if len(piece) >= 24 and piece.count(" ") >= 3:
                pieces.add(piece)
    return sorted(pieces)


def english_in(text: str, language: str) -> bool:
    words = [w for w in re.findall(r"[a-z']+", text.lower()) if len(w) > 1]
    same = SAME_IN.get(language, set())
    english = {w for w in words if w in FUNCTION_WORDS - same}
    if len(english) >= 2:
        return True
    return bool(words) and len(words) <= 3 and all(w in INTERFACE_WORDS - same for w in words)


@pytest.fixture
def world(people, settings, tmp_path):
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path), "base_url": None}}
    settings.STORAGES = {**settings.STORAGES, "private": private}
    return build_world(people)


def paths(world) -> list[str]:
    found = []
    for route in routes():
        if route.name == "wagtail_serve":
            found += world.pages
        elif (route.ours or OUR_ADMIN.match(route.template)) and not NOT_OURS.match("/" + route.template):
            found.append(route.fill(world.values(world.mine)))
    return list(dict.fromkeys(found))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_readers_language(world, language):
    people = world.people
    readers = {"requester": people.requester, "analyst": people.analyst, "manager": people.manager}
    for person in readers.values():
        person.language = language
        person.save(update_fields=["language"])
    clients = {role: client(person) for role, person in readers.items()}
    clients["anonymous"] = client(None)
    clients["anonymous"].cookies[settings.LANGUAGE_COOKIE_NAME] = language
    for who in clients.values():
        who.raise_request_exception = False
    data = data_texts()
    sentences = english_sentences(language)
    labels = english_labels(language)
    known = set(data)
    found: dict[str, set[str]] = {}
    pages_read = 0
    for path in paths(world):
        for role, who in clients.items():
            response = who.get(path)
            if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
                continue
            pages_read += 1
            html = body_of(response)
            parser = VisibleText(language)
            parser.feed(html)
            for piece in parser.pieces:
                left = piece
                for value in data:
                    if len(value) <= len(left) and value in left:
                        left = left.replace(value, " ")
                label = piece.strip(" :·.").strip()
                if (
                    english_in(left, language)
                    or any(sentence in left for sentence in sentences)
                    or (label in labels and label not in known)
                ):
                    found.setdefault(piece[:160], set()).add(f"{role} {path}")
    assert pages_read > 100, pages_read  # the walk reached the site, so it would have found English
    report = [f"{text!r} on {', '.join(sorted(where)[:3])}" for text, where in sorted(found.items())]
    assert not report, f"{len(report)} English pieces in {language}:\n" + "\n".join(report[:200])
