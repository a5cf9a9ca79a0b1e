"""Demo data for `make run`: idempotent, so running it again changes nothing that is already right.

Later features add their own steps to STEPS.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from helpdesk.models import CostCentre, Division, Grade, Location, Team, User
from helpdesk.roles import EDITORS, MANAGERS, ensure_role_groups

DEMO_PASSWORD = "demo"  # noqa: S105 - printed on purpose; the command refuses to run without DEBUG

GRADES = [(1, "Associate"), (2, "Officer"), (3, "Senior officer"), (4, "Manager"), (5, "Director"), (6, "Executive")]
DIVISIONS = [("finance", "Finance"), ("operations", "Operations"), ("research", "Research"), ("sales", "Sales")]
COST_CENTRES = [
    ("CC-1100", "Finance central", "finance"),
    ("CC-2100", "Operations Europe", "operations"),
    ("CC-2200", "Operations Americas", "operations"),
    ("CC-3100", "Research labs", "research"),
    ("CC-4100", "Sales Europe", "sales"),
    ("CC-4200", "Sales Americas", "sales"),
]
LOCATIONS = [
    ("Stockholm", "Europe/Stockholm"),
    ("London", "Europe/London"),
    ("New York", "America/New_York"),
    ("Chicago", "America/Chicago"),
]
TEAMS = [
    (
        "service-desk",
        "Service Desk",
        "First line: takes every call and request, fixes what it can, routes the rest.",
        "servicedesk@example.org",
    ),
    ("infrastructure", "Infrastructure", "Networks, servers, storage and identity.", "infra@example.org"),
    (
        "workplace",
        "Workplace Technology",
        "Laptops, phones, printers and the software on them.",
        "workplace@example.org",
    ),
]
PEOPLE = [
    # username, first, last, grade level, division, cost centre, location, groups, teams
    ("staff", "Sam", "Staff", 2, "sales", "CC-4100", "London", [], []),
    ("analyst", "Alex", "Analyst", 3, "operations", "CC-2100", "Stockholm", [], ["service-desk"]),
    ("manager", "Morgan", "Manager", 4, "operations", "CC-2200", "New York", [MANAGERS], []),
    ("editor", "Eddie", "Editor", 3, "operations", "CC-2100", "Chicago", [EDITORS], []),
]


class Command(BaseCommand):
    help = "Load demo data (development only). Safe to run again: it updates rather than duplicates."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo only runs with DEBUG=1: it creates accounts with the password 'demo'.")
        for label, step in self.steps():
            with transaction.atomic():
                count = step()
            self.stdout.write(f"  {label:<28} {count:>4}")
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in as one of these, password 'demo':"))
        for username, *_rest in PEOPLE:
            self.stdout.write(f"  {username}")

    def steps(self) -> list[tuple[str, Callable[[], int]]]:
        return [
            ("role groups", self.seed_roles),
            ("grades", self.seed_grades),
            ("divisions", self.seed_divisions),
            ("cost centres", self.seed_cost_centres),
            ("locations", self.seed_locations),
            ("teams", self.seed_teams),
            ("demo people", self.seed_people),
        ]

    def seed_roles(self) -> int:
        ensure_role_groups()
        return Group.objects.filter(name__in=[MANAGERS, EDITORS]).count()

    def seed_grades(self) -> int:
        for level, name in GRADES:
            Grade.objects.update_or_create(level=level, defaults={"name": name})
        return len(GRADES)

    def seed_divisions(self) -> int:
        for code, name in DIVISIONS:
            Division.objects.update_or_create(code=code, defaults={"name": name})
        return len(DIVISIONS)

    def seed_cost_centres(self) -> int:
        divisions = {d.code: d for d in Division.objects.all()}
        for code, name, division in COST_CENTRES:
            CostCentre.objects.update_or_create(code=code, defaults={"name": name, "division": divisions[division]})
        return len(COST_CENTRES)

    def seed_locations(self) -> int:
        for name, zone in LOCATIONS:
            Location.objects.update_or_create(name=name, defaults={"time_zone": zone})
        return len(LOCATIONS)

    def seed_teams(self) -> int:
        for slug, name, remit, email in TEAMS:
            Team.objects.update_or_create(slug=slug, defaults={"name": name, "remit": remit, "email": email})
        return len(TEAMS)

    def seed_people(self) -> int:
        grades = {g.level: g for g in Grade.objects.all()}
        divisions = {d.code: d for d in Division.objects.all()}
        cost_centres = {c.code: c for c in CostCentre.objects.all()}
        locations = {loc.name: loc for loc in Location.objects.all()}
        teams = {t.slug: t for t in Team.objects.all()}
        groups = {g.name: g for g in Group.objects.all()}
        for username, first, last, grade, division, cost_centre, location, group_names, team_slugs in PEOPLE:
            person, created = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "grade": grades[grade],
                    "division": divisions[division],
                    "cost_centre": cost_centres[cost_centre],
                    "location": locations[location],
                    "time_zone": locations[location].time_zone,
                },
            )
            if created or not person.check_password(DEMO_PASSWORD):
                person.set_password(DEMO_PASSWORD)
                person.save(update_fields=["password"])
            person.groups.set([groups[name] for name in group_names])
            person.teams.set([teams[slug] for slug in team_slugs])
        return len(PEOPLE)
