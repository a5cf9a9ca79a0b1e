"""People for the load run, signed in, and what each may ask for: `python -m bench.load.seed PLAN USERS`.

Runs against the load run's own database after `seed_demo` (the demo catalogue: services, request
types with forms, entitlement rules, prices, discounts and policies). Writes a JSON plan for the
locustfile: per person a session cookie and the request forms they are entitled to, already filled in.

Sessions are made here directly, as a login would make them: logging thirty people in through the
login page would only measure password hashing (and is not what this run is about).
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from urllib.parse import urlencode

import django


def main(plan_path: str, users: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.models import Group
    from django.utils import timezone
    from django.utils.crypto import get_random_string
    from django.utils.module_loading import import_string

    from catalogue.forms import RequestForm
    from catalogue.models import FieldType, Service
    from catalogue.selectors import OfferBook, request_types_for
    from helpdesk.models import CostCentre, Grade, Location, User

    grades = list(Grade.objects.order_by("level"))
    cost_centres = list(CostCentre.objects.order_by("code"))
    locations = list(Location.objects.order_by("name"))
    designers = Group.objects.filter(name="Designers").first()
    if not (grades and cost_centres and locations):
        print("The load database has no demo people data: run seed_demo first.", file=sys.stderr)
        return 1

    people = []
    for n in range(users):
        # Across grades, divisions, places and groups, so entitlement, discounts and premium tiers vary.
        cost_centre, location = cost_centres[n % len(cost_centres)], locations[n % len(locations)]
        person, _ = User.objects.update_or_create(
            username=f"load-{n:03d}",
            defaults={
                "first_name": "Load",
                "last_name": f"Person {n}",
                "email": f"load-{n:03d}@example.org",
                "grade": grades[n % len(grades)],
                "cost_centre": cost_centre,
                "division": cost_centre.division,
                "location": location,
                "time_zone": location.time_zone,
            },
        )
        person.set_unusable_password()
        person.save()
        if designers is not None and n % 4 == 0:
            person.groups.add(designers)
        people.append(person)

    request_types = list(request_types_for(Service.objects.offered()).prefetch_related("fields"))
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    today = timezone.localdate()
    plan = {"people": []}
    for person in people:
        session = store()
        session[SESSION_KEY] = str(person.pk)
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = person.get_session_auth_hash()
        session.create()
        book = OfferBook(person)
        asks = []
        for request_type in request_types:
            definitions = list(request_type.fields.all())
            if not book.offer(request_type).entitled or any(
                d.required and d.field_type == FieldType.FILE for d in definitions
            ):
                continue
            answers = {d.key: _answer(d, today, FieldType) for d in definitions if d.field_type != FieldType.FILE}
            form = RequestForm(definitions, answers)
            if not form.is_valid():
                print(f"Skipping {request_type.slug}: {form.errors.as_text()}", file=sys.stderr)
                continue
            asks.append({"path": f"/ask/{request_type.slug}/", "answers": answers})
        if not asks:
            continue
        csrf = get_random_string(32)  # the unmasked secret: the cookie and the form field both carry it
        plan["people"].append(
            {
                "username": person.username,
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}",
                "asks": [
                    {"path": a["path"], "body": urlencode({**a["answers"], "csrfmiddlewaretoken": csrf}, doseq=True)}
                    for a in asks
                ],
            }
        )
    with open(plan_path, "w") as out:
        json.dump(plan, out)
    forms = sum(len(p["asks"]) for p in plan["people"])
    kinds = len({a["path"] for p in plan["people"] for a in p["asks"]})
    print(f"Seeded {len(plan['people'])} signed-in people; {forms} forms over {kinds} request types.")
    return 0


def _answer(definition, today, FieldType):  # the enum, passed in: it is importable only after django.setup()
    kind = definition.field_type
    if kind == FieldType.CHOICE:
        return definition.choice_list[0]
    if kind == FieldType.MULTIPLE_CHOICE:
        return definition.choice_list[:2]
    if kind == FieldType.DATE:
        return (today + timedelta(days=14)).isoformat()
    if kind == FieldType.NUMBER:
        return str(max(definition.min_value or 1, 1))
    if kind == FieldType.YES_NO:
        return "no"
    if kind == FieldType.PERSON:
        return "load-000"
    return "Needed for the load run: a sentence like the ones people type."


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
