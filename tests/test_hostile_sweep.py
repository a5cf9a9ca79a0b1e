"""Hostile input gets a 4xx, never a 500: every URL pattern the resolver knows, its path parameters filled
with real objects and with hostile values, every field its forms and filters know sent hostile by GET and
by POST, as each role that can reach it. Zero 5xx, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.test import Client

from cms.filters import CatalogueFilter
from helpdesk.filters import DeskFilter
from helpdesk.forms import ActionForm, IncidentForm, ProfileForm, ReplyForm
from tests.crawling import body_of, build_world, client, not_ours, quoted, routes, status_text, swept

# name -> value; each goes into paths (quoted), query strings and forms. Invalid UTF-8 cannot be a str,
# so it travels as raw percent-escapes.
HOSTILE = {
    "nul": "\x00",
    "megabyte": "x" * 1_000_000,
    "superscript two": "²",
    "arabic three": "٣",
    "negative": "-1",
    "huge": "99999999999999999999",
    "bad date": "0000-13-45",
    "far date": "99999-01-01",
    "last date": "9999-12-31",
    "first date": "0001-01-01",
}
RAW = {"invalid utf-8": "%ff%fe"}
# Wagtail's and Django's admin are their code, not ours: fewer values, the ones that reach our models.
ADMIN_HOSTILE = {label: HOSTILE[label] for label in ("nul", "megabyte", "superscript two", "huge")}
PATH_ADMIN = {label: HOSTILE[label] for label in ("superscript two", "huge")}
OTHER_ROLES = {"superscript two", "huge", "bad date"}
# One field at a time: these for every field, the dates for date fields only.
ONE_FIELD = {"nul", "megabyte", "superscript two", "negative", "huge", "invalid utf-8"}
DATES = {"bad date", "far date", "last date", "first date"}

# The fields each page's forms and filters declare (names the page renders are added from its HTML).
FORMS = {
    "desk": [DeskFilter],
    "report": [IncidentForm],
    "profile": [ProfileForm],
    "ticket": [ReplyForm, ActionForm],
    "ticket-reply": [ReplyForm],
    "ticket-act": [ActionForm],
    "password_change": [PasswordChangeForm],
    "password_reset": [PasswordResetForm],
    "password_reset_confirm": [SetPasswordForm],
    "wagtail_serve": [CatalogueFilter],
}
EXTRA = ["q", "page", "sort", "next", "p", "ordering"]


def _field_names(form_class) -> list[str]:
    return list(getattr(form_class, "base_filters", None) or form_class.base_fields)


NEXT_MONTH = (date.today() + timedelta(days=30)).isoformat()  # a date needed by is never past


def _baseline(world, name: str | None) -> dict[str, str | list[str]]:
    """Plausible data for a page's form: a hostile value then replaces one field at a time."""
    people, mine = world.people, world.mine
    return {
        "ticket-reply": {"body": "Thanks, that helps.", "internal": ""},
        "ticket-act": {"action": "wait_on_requester", "text": "Which model is it?"},
        "ticket-work": {"op": "priority", "priority": "P2", "to": "analyst", "team": str(people.team.pk)},
        "desk-bulk": {"tickets": [str(mine.ticket.pk)], "op": "assign", "to": "analyst", "query": "state=open"},
        "desk-save-view": {"name": "Mine", "query": "state=open"},
        "report": {"title": "No Wi-Fi", "description": "Floor 3", "impact": "low", "urgency": "low"},
        "profile": {"time_zone": "Europe/Stockholm", "language": "", "phone": "+46 8 555 0100"},
        "ask": {"why_do_you_need_it": "My old one broke", "where_are_you": "Floor 3", "needed_by": NEXT_MONTH},
        "change-service": {"text": "Please cancel", "confirm": "1"},
        "login": {"username": "analyst", "password": "wrong"},
        "password_reset": {"email": "nobody@example.org"},
    }.get(name, {})


def _names_in(html: str) -> set[str]:
    return set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([\w\-.]+)"', html)) - {"csrfmiddlewaretoken"}


def _post_raw(who: Client, path: str, body: str):
    return who.generic("POST", path, body.encode("latin-1"), content_type="application/x-www-form-urlencoded")


@pytest.fixture
def world(people, settings, tmp_path):
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path), "base_url": None}}
    settings.STORAGES = {**settings.STORAGES, "private": private}
    return build_world(people)


def _order(item) -> tuple[bool, str]:
    route, path = item
    return ("delete" in path, path)  # deleting comes last, so the rest sees the objects


def test_no_hostile_input_gets_a_server_error(world, capsys):
    people = world.people
    roles = {"staff": client(people.requester), "analyst": client(people.analyst), "manager": client(people.manager)}
    for who in roles.values():
        who.raise_request_exception = False
    errors: list[str] = []
    known: dict[str, int] = {}
    count = 0
    started, cpu = time.perf_counter(), time.process_time()
    spent: dict[str, float] = {}

    def check(response, what: str) -> str:
        nonlocal count
        count += 1
        if response.status_code >= 500:
            reason = not_ours(response.request["PATH_INFO"], what)
            if reason:
                known[reason] = known.get(reason, 0) + 1
            else:
                errors.append(f"{status_text(response)} [{what}]")
        return body_of(response) if response.status_code == 200 else ""

    real = world.values(world.mine)
    real_for = {
        "change-service": {"reference": world.mine.request.reference},
        "ticket-answer-file": {"reference": world.mine.request.reference},
    }
    query_fields = set(DeskFilter.base_filters) | set(CatalogueFilter.base_filters)
    date_fields = {name for name, f in DeskFilter.base_filters.items() if "Date" in type(f).__name__}
    paths = [(route, route.fill({**real, **real_for.get(route.name, {})})) for route in swept(routes())]
    # The site's pages come from Wagtail's one catch-all pattern: each published page is a path of its own.
    serve = [(route, path) for route, path in paths if route.name == "wagtail_serve"]
    paths = [item for item in paths if item not in serve] + [(serve[0][0], page) for page in world.pages]

    for route, path in sorted(paths, key=_order):
        if route.name == "logout":
            continue  # it would sign the roles out; the crawl visits it
        began = time.perf_counter()
        # Admin screens are reached by managers alone: the others are sent to log in.
        reaching = roles if route.ours else {"manager": roles["manager"]}
        # 1. The page as each role finds it, and the fields it knows.
        names = set(EXTRA) | set(_baseline(world, route.name))
        for form_class in FORMS.get(route.name, []):
            names |= set(_field_names(form_class))
        reached = []
        for role, who in reaching.items():
            html = check(who.get(path), f"{role} real")
            if html:
                reached.append(role)
                names |= _names_in(html)
                date_fields.update(re.findall(r'<input[^>]*type="date"[^>]*name="([\w\-.]+)"', html))
        names = sorted(names)
        values = HOSTILE if route.ours else ADMIN_HOSTILE
        # 2. Every field hostile at once, by GET and POST, as every role that reaches the page (every value
        # as the first, the likeliest ones as the others).
        for index, role in enumerate(reached):
            who = reaching[role]
            for label, value in values.items():
                if label == "megabyte" or (index and label not in OTHER_ROLES):
                    continue  # one field at a time below: twenty of them would be refused for size
                check(who.get(path, dict.fromkeys(names, value)), f"{role} all fields {label}")
                check(who.post(path, dict.fromkeys(names, value)), f"{role} all fields {label}")
            query = "&".join(f"{name}={RAW['invalid utf-8']}" for name in names)
            check(who.get(f"{path}?{query}"), f"{role} all fields invalid utf-8")
            check(_post_raw(who, path, query), f"{role} all fields invalid utf-8")
        # 3. One field hostile, the others plausible, as one role that reaches the page (our pages): the
        # query's fields by GET, the forms' fields by POST.
        if route.ours and reached:
            who = roles[reached[-1] if route.name in ("desk", "dashboard") else reached[0]]
            baseline = _baseline(world, route.name)
            for name in names:
                if name in EXTRA and route.name not in ("desk", "wagtail_serve"):
                    continue  # a page that reads no query got these all at once above
                by_get = name in EXTRA or name in query_fields
                send = who.get if by_get else who.post
                for label, value in {**HOSTILE, **RAW}.items():
                    if label not in ((DATES | ONE_FIELD) if name in date_fields else ONE_FIELD):
                        continue
                    if label in RAW:
                        pairs = [(k, value if k == name else v) for k, v in _flat(baseline)]
                        query = "&".join(f"{k}={v}" for k, v in pairs + ([] if name in baseline else [(name, value)]))
                        sent = who.get(f"{path}?{query}") if by_get else _post_raw(who, path, query)
                    else:
                        sent = send(path, {**baseline, name: value})
                    check(sent, f"{name}={label}")
        # 4. Hostile path parameters, by GET and POST.
        for param in route.params:
            for label, value in {**(values if route.ours else PATH_ADMIN), **RAW}.items():
                hostile = route.fill({**real, param: quoted(value)})
                for role in reached[:1] or list(reaching)[:1]:
                    check(reaching[role].get(hostile), f"{role} {param}={label}")
                    check(reaching[role].post(hostile, _baseline(world, route.name)), f"{role} {param}={label}")
        spent[path] = time.perf_counter() - began

    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(f"\nhostile sweep: {len(paths)} paths, {count} requests, {seconds:.1f} s ({cpu:.1f} s CPU)")  # noqa: T201
        for path, took in sorted(spent.items(), key=lambda item: -item[1])[:12]:
            print(f"  {took:5.1f} s {path[:100]}")  # noqa: T201
        for reason, times in known.items():
            print(f"  not ours, {times} x: {reason}")  # noqa: T201
    assert not errors, f"{len(errors)} server errors:\n" + "\n".join(errors[:80])


def _flat(data: dict) -> list[tuple[str, str]]:
    return [(k, item) for k, v in data.items() for item in (v if isinstance(v, list) else [v])]
