"""Every URL pattern x every role: filled with other people's and other teams' objects, requested by GET and
by POST, nothing answers 5xx and no marker of a ticket, note, file, form answer or saved view reaches a
person who may not see it. Markers a role may see must turn up, or the crawl reached nothing."""

from __future__ import annotations

import time

import pytest

from helpdesk.models import Ticket
from tests.crawling import body_of, build_world, client, not_ours, routes, status_text, swept

# Plausible posts, as a person would send them from each page (acting, replying, working, in bulk).
POSTS = {
    "ticket-reply": {"body": "Any news?", "internal": "on"},
    "ticket-act": {"action": "resolve", "text": "Done."},
    "ticket-work": {"op": "take"},
    "desk-bulk": {"op": "assign", "to": "analyst"},
    "desk-save-view": {"name": "Open", "query": "state=open"},
    "report": {"title": "Printer jams", "description": "Floor 2", "impact": "low", "urgency": "low"},
    "change-service": {"text": "Stop it please", "confirm": "1"},
    "profile": {"time_zone": "Europe/Stockholm", "language": "", "phone": ""},
    "ask": {"why_do_you_need_it": "My old one broke"},
}


@pytest.fixture
def world(people, settings, tmp_path):
    private = {**settings.STORAGES["private"], "OPTIONS": {"location": str(tmp_path), "base_url": None}}
    settings.STORAGES = {**settings.STORAGES, "private": private}
    return build_world(people)


def _may_see(world, role: str, person, kind: str, side) -> bool:
    """The rule, written out plainly from the objects as they are now (a post may have moved a ticket):
    managers see everything; a ticket, its public replies and files and its request form's answers go to
    its requester and its team; internal notes to its team; a saved view to its owner."""
    if kind == "public":
        return True
    if person is None:
        return False
    if kind == "view":  # its owner, also when telling them it was removed (a view never changes owner)
        return side.saved_view.owner_id == person.pk
    if person.roles.manager:
        return True
    ticket = Ticket.objects.get(pk=(side.request if kind == "request" else side.ticket).pk)
    team = ticket.team.members.filter(pk=person.pk).exists()
    if kind == "note":
        return team
    return team or person.pk in (ticket.requester_id, ticket.raised_by_id)


def test_every_pattern_as_every_role_shows_only_what_the_role_may_see(world, capsys):
    people = world.people
    roles = {
        "anonymous": None,
        "requester": people.requester,
        "other staff": people.other_staff,
        "analyst": people.analyst,
        "other analyst": people.other_analyst,
        "manager": people.manager,
        "editor": people.editor,
    }
    clients = {role: client(person) for role, person in roles.items()}
    for who in clients.values():
        who.raise_request_exception = False
    sides = [world.mine, world.theirs]
    markers = {marker: (kind, side) for side in sides for marker, kind in side.markers.items()}
    markers[world.public_marker] = ("public", None)
    errors, leaks, seen = [], [], {role: set() for role in roles}
    count, started, cpu = 0, time.perf_counter(), time.process_time()

    # Each pattern filled with each side's objects: the ticket and its public file, its internal file,
    # and its catalogue request (answer file, change of service).
    fills = []
    for side in sides:
        base = world.values(side)
        fills += [
            base,
            {**base, "pk": str(side.internal_file)},
            {**base, "reference": side.request.reference, "what": "cancel"},
        ]
    paths: list[tuple[str | None, str]] = []
    for route in swept(routes()):
        if route.name == "wagtail_serve":
            paths += [(route.name, page) for page in world.pages]
            continue
        # Admin screens with the first side's objects: they show reference data, not tickets.
        for path in dict.fromkeys(route.fill(values) for values in (fills if route.ours else fills[:1])):
            paths.append((route.name, path))
    # Deleting, unpublishing and signing out last: the rest should find the objects (and the public page
    # live), and the roles signed in. Which admin routes are sampled shifts as routes are added.
    paths.sort(key=lambda item: (item[0] == "logout", "/delete/" in item[1] or "/unpublish/" in item[1]))

    for name, path in paths:
        for role, who in clients.items():
            data = dict(POSTS.get(name, {}))
            if name == "desk-bulk":
                data["tickets"] = [str(side.ticket.pk) for side in sides]
            for response in (who.get(path), who.post(path, data)):
                count += 1
                if response.status_code >= 500 and not not_ours(path, "crawl"):
                    errors.append(f"{role}: {status_text(response)}")
                body = body_of(response)
                for marker, (kind, side) in markers.items():
                    if marker in body:
                        if _may_see(world, role, roles[role], kind, side):
                            seen[role].add(kind)
                        else:
                            leaks.append(f"{role} saw {marker} ({kind}) at {status_text(response)}")

    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    with capsys.disabled():
        print(f"\ncrawl: {len(paths)} paths x {len(roles)} roles, {count} requests, {seconds:.1f} s ({cpu:.1f} s CPU)")  # noqa: T201
    assert not errors, "\n".join(errors[:50])
    assert not leaks, "\n".join(leaks[:50])
    # The crawl reached each role's own things, so it would have noticed someone else's.
    assert {"ticket", "request"} <= seen["requester"] and {"ticket", "request"} <= seen["other staff"]
    assert {"ticket", "note", "request", "view"} <= seen["analyst"]
    assert {"ticket", "note", "view"} <= seen["other analyst"]  # both requests went to the analyst's team
    assert {"ticket", "note", "request"} <= seen["manager"]
    assert "public" in seen["anonymous"] and "public" in seen["editor"]
