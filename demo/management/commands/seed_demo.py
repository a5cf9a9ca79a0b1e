"""Demo data for `make run`: idempotent, so running it again changes nothing that is already right.

The people, calendars and policies are seeded here; each other part is a module with its STEPS, imported
below (the demo app may import every app; no product app imports it).
"""

from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import catalogue, pages, surveys, tickets, workspace
from helpdesk.models import CostCentre, Division, Grade, Location, Team, User
from helpdesk.roles import EDITORS, MANAGERS, ensure_role_groups
from sla.models import Calendar, Closure, OpeningHours, Policy, Priority, Target, TargetKind

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
    ("analyst", "Alex", "Analyst", 3, "operations", "CC-2100", "Stockholm", [], ["service-desk", "workplace"]),
    ("analyst2", "Ines", "Infra", 3, "operations", "CC-2200", "New York", [], ["infrastructure"]),
    ("manager", "Morgan", "Manager", 4, "operations", "CC-2200", "New York", [MANAGERS], []),
    ("editor", "Eddie", "Editor", 3, "operations", "CC-2100", "Chicago", [EDITORS], []),
    # More people who ask for things, across divisions, grades and places.
    ("robin", "Robin", "Research", 2, "research", "CC-3100", "Stockholm", [], []),
    ("fatima", "Fatima", "Finance", 5, "finance", "CC-1100", "London", [], []),
    ("diego", "Diego", "Designer", 3, "sales", "CC-4200", "Chicago", ["Designers"], []),
    ("olu", "Olu", "Operations", 1, "operations", "CC-2200", "New York", [], []),
]

WEEKDAYS = range(5)
CALENDARS = [
    # name, zone, holidays (country, subdivision), weekly hours, description
    (
        "Europe office hours",
        "Europe/Stockholm",
        ("SE", ""),
        {d: [("08:00", "17:00")] for d in WEEKDAYS},
        "Stockholm and London desks, Monday to Friday, Swedish public holidays.",
    ),
    (
        "US office hours",
        "America/New_York",
        ("US", "NY"),
        {d: [("08:00", "18:00")] for d in WEEKDAYS},
        "New York and Chicago desks, Monday to Friday, US and New York holidays.",
    ),
    (
        "24/7",
        "UTC",
        ("", ""),
        {d: [("00:00", "24:00")] for d in range(7)},
        "Round the clock, every day: on-call for critical incidents.",
    ),
]
CLOSURES = [("Europe office hours", "Year-end shutdown", date(2026, 12, 28), date(2026, 12, 30))]
H = timedelta(hours=1)
M = timedelta(minutes=1)
# policy -> priority -> (response, resolution); P1 is counted round the clock.
TARGETS = {
    "Standard": {"P1": (30 * M, 4 * H), "P2": (1 * H, 8 * H), "P3": (4 * H, 24 * H), "P4": (8 * H, 40 * H)},
    "Premium": {"P1": (15 * M, 2 * H), "P2": (30 * M, 4 * H), "P3": (2 * H, 16 * H), "P4": (4 * H, 24 * H)},
    "Americas": {"P1": (30 * M, 4 * H), "P2": (1 * H, 8 * H), "P3": (4 * H, 30 * H), "P4": (8 * H, 50 * H)},
}
POLICIES = [
    # name, calendar, default, description
    ("Premium", "Europe office hours", False, "Faster targets for directors and executives."),
    ("Standard", "Europe office hours", True, "Our promise to everyone, counted in European office hours."),
    ("Americas", "US office hours", False, "Our promise to the US offices, counted in US office hours."),
]
PREMIUM_FROM_LEVEL = 5
# In order: pages need the catalogue; tickets need both; the workspace's come after the steady stream;
# reports are worked out from every ticket; surveys come last (their colleagues raise no tickets).
DEMO_STEPS = [
    *catalogue.STEPS,
    *pages.STEPS,
    *tickets.STEPS,
    *workspace.STEPS,
    ("reports", tickets.seed_reports),
    *surveys.STEPS,
    ("approvals", tickets.seed_approvals),
    ("board report", tickets.seed_board_report),
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
            ("business calendars", self.seed_calendars),
            ("service-level policies", self.seed_policies),
            *DEMO_STEPS,
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
        groups["Designers"], _ = Group.objects.get_or_create(name="Designers")
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
        # Line managers, for approvals: Morgan manages Sam and Diego (who sign off their performance laptops).
        User.objects.filter(username__in=["staff", "diego"]).update(line_manager=User.objects.get(username="manager"))
        # Sam holds the sales cost centre: /my/ links Sam to its chargeback statements.
        CostCentre.objects.filter(code="CC-4100", holder=None).update(holder=User.objects.get(username="staff"))
        return len(PEOPLE)

    def seed_calendars(self) -> int:
        for name, zone, (country, subdivision), week, description in CALENDARS:
            calendar, _ = Calendar.objects.update_or_create(
                name=name,
                defaults={
                    "time_zone": zone,
                    "holiday_country": country,
                    "holiday_subdivision": subdivision,
                    "description": description,
                },
            )
            calendar.opening_hours.all().delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(calendar=calendar, weekday=day, opens=opens, closes=closes, sort_order=i)
                for i, (day, intervals) in enumerate(week.items())
                for opens, closes in intervals
            )
            calendar.touch()  # rows written in bulk skip save(): compiled copies must still be rebuilt
        for calendar_name, reason, first, last in CLOSURES:
            Closure.objects.update_or_create(
                calendar=Calendar.objects.get(name=calendar_name),
                name=reason,
                defaults={"start_date": first, "end_date": last},
            )
        return len(CALENDARS)

    def seed_policies(self) -> int:
        calendars = {c.name: c for c in Calendar.objects.all()}
        round_the_clock = calendars["24/7"]
        for name, calendar, is_default, description in POLICIES:
            policy, _ = Policy.objects.update_or_create(
                name=name,
                defaults={"calendar": calendars[calendar], "is_default": is_default, "description": description},
            )
            for priority, (response, resolution) in TARGETS[name].items():
                for kind, duration in ((TargetKind.RESPONSE, response), (TargetKind.RESOLUTION, resolution)):
                    Target.objects.update_or_create(
                        policy=policy,
                        priority=priority,
                        kind=kind,
                        defaults={
                            "duration": duration,
                            "calendar": round_the_clock if priority == Priority.P1 else None,
                        },
                    )
        premium = Policy.objects.get(name="Premium")
        Policy.objects.exclude(pk=premium.pk).update(
            premium_policy=premium, premium_from_grade_level=PREMIUM_FROM_LEVEL
        )
        return len(POLICIES)
