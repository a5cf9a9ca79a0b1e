"""The desk list and the managers' board at a million tickets: server time through Django's test client.

BENCH_TICKETS (default 1,000,000) tickets are bulk-inserted into a throw-away database (PostgreSQL
when DATABASE_URL points at it, as `make bench` does), a tenth of them open with running clocks: ten
times the backlog a desk of that size usually carries, so the open-work figures are a hard case.
"""

import os
import random
import statistics
import time
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.db.models import Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.database import bench_database

BATCH = 20_000
PLAIN_STATIC = "django.contrib.staticfiles.storage.StaticFilesStorage"


def bench_desk() -> None:
    # Production settings (DEBUG off: no query log, templates not in debug mode), except static files
    # without the hashed manifest, which only exists after collectstatic, and no HTTPS redirect.
    production = override_settings(
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        SECURE_SSL_REDIRECT=False,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}},
    )
    keep = "bench_desk_kept" if os.environ.get("BENCH_KEEP") == "1" else None
    with bench_database(keep_as=keep), production:
        _run(int(os.environ.get("BENCH_TICKETS", "1000000")))


def _seed(count: int):
    from django.contrib.auth.models import Group
    from django.contrib.contenttypes.models import ContentType

    from catalogue.models import Category, Service
    from helpdesk.models import Team, Ticket, User
    from helpdesk.roles import MANAGERS, ensure_role_groups
    from sla.models import Calendar, Clock, OpeningHours, Policy

    ensure_role_groups()
    rng = random.Random(1)
    now = timezone.now()
    calendar = Calendar.objects.create(name="Office", time_zone="Europe/Stockholm")
    OpeningHours.objects.bulk_create(
        OpeningHours(calendar=calendar, weekday=d, opens="08:00", closes="17:00") for d in range(5)
    )
    Policy.objects.create(name="Standard", calendar=calendar, is_default=True)
    category = Category.objects.create(part="core", name="Devices", slug="devices")
    analysts = [User.objects.create_user(f"analyst{i}") for i in range(3)]
    teams = []
    for i, analyst in enumerate(analysts):
        team = Team.objects.create(name=f"Team {i}", slug=f"team-{i}")
        team.members.add(analyst)
        teams.append(team)
    User.objects.create_user("boss").groups.add(Group.objects.get(name=MANAGERS))
    requesters = User.objects.bulk_create(User(username=f"person{i}") for i in range(500))
    services = [
        Service.objects.create(
            name=f"Service {i}",
            slug=f"service-{i}",
            category=category,
            summary="x",
            owner_team=teams[i % 3],
            calendar=calendar,
            review_date=now.date(),
        )
        for i in range(20)
    ]
    ticket_type = ContentType.objects.get_for_model(Ticket)
    hours = calendar.working_hours()
    closed_states = ["closed"] * 8 + ["resolved", "cancelled"]
    open_states = ["new", "assigned", "in_progress", "waiting_requester"]
    made = 0
    while made < count:
        tickets, clocks = [], []
        for i in range(made, min(made + BATCH, count)):
            service = services[i % 20]
            created = now - timedelta(minutes=rng.randrange(60 * 24 * 365))
            is_open = rng.random() < 0.1
            due = hours.add(created, timedelta(hours=rng.choice([4, 8, 24, 40]))) if is_open else None
            tickets.append(
                Ticket(
                    kind="incident",
                    reference=f"INC-{i + 1:07d}",
                    title=f"Problem {i}",
                    requester=requesters[i % 500],
                    raised_by=requesters[i % 500],
                    service=service,
                    team=service.owner_team,
                    priority=f"P{1 + i % 4}",
                    state=rng.choice(open_states) if is_open else rng.choice(closed_states),
                    created_at=created,
                    due_at=due,
                    warn_at=due - timedelta(hours=1) if due else None,
                    due_calendar=calendar if due else None,
                    resolved_at=None if is_open else created + timedelta(hours=rng.randrange(1, 80)),
                )
            )
        Ticket.objects.bulk_create(tickets, batch_size=5_000)
        for ticket in tickets:
            if ticket.due_at is not None:
                clocks.append(
                    Clock(
                        subject_type=ticket_type,
                        subject_id=ticket.pk,
                        kind="resolution",
                        calendar=calendar,
                        target=timedelta(hours=8),
                        started_at=ticket.created_at,
                        due_at=ticket.due_at,
                        warn_at=ticket.warn_at,
                    )
                )
            elif ticket.resolved_at and ticket.resolved_at > now - timedelta(days=31):
                clocks.append(
                    Clock(
                        subject_type=ticket_type,
                        subject_id=ticket.pk,
                        kind="resolution",
                        calendar=calendar,
                        target=timedelta(hours=8),
                        started_at=ticket.created_at,
                        due_at=ticket.created_at + timedelta(hours=24),
                        stopped_at=ticket.resolved_at,
                        withdrawn=ticket.state == "cancelled",
                        breached_at=ticket.created_at + timedelta(hours=24)
                        if ticket.resolved_at > ticket.created_at + timedelta(hours=24)
                        else None,
                    )
                )
        Clock.objects.bulk_create(clocks, batch_size=5_000)
        made += len(tickets)
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database after a bulk load: statistics for the planner and
        # the visibility map that lets counts read indexes alone. Then a checkpoint, so the measuring
        # does not share the two cores with the gigabyte of pages the load left to write out.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:  # needs a superuser or pg_checkpoint: without it, measure anyway
                pass


def _time(client: Client, url: str, runs: int, *, cold: bool = False) -> tuple[float, float, int]:
    client.get(url)  # warm caches (compiled calendars, templates)
    samples, queries = [], 0
    for _ in range(runs):
        if cold:
            cache.clear()
        began = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - began) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    if cold:
        cache.clear()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = len(captured.captured_queries)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries


def _run(count: int) -> None:
    from helpdesk.models import Ticket

    began = time.perf_counter()
    kept = Ticket.objects.count()  # a kept database (BENCH_KEEP=1) is measured again as it is
    if not kept:
        _seed(count)
    seeded = time.perf_counter() - began
    analyst, boss = Client(), Client()
    from helpdesk.models import User

    analyst.force_login(User.objects.get(username="analyst0"))
    boss.force_login(User.objects.get(username="boss"))
    if kept:  # its figures drift with its age: "now" moves on, the seeded deadlines do not
        newest = Ticket.objects.aggregate(newest=Max("created_at"))["newest"]
        how = f"kept from a run on {newest:%Y-%m-%d %H:%M} UTC (BENCH_KEEP=1); drop bench_desk_kept to seed anew"
    else:
        how = f"seeded in {seeded:.0f} s"
    print(f"desk and board ({kept or count:,} tickets on {connection.vendor}; {how})")
    for label, client, url, runs, target, cold in [
        ("desk list, default view (50 rows)", analyst, "/desk/", 60, 30, False),
        ("desk list, breached P1s", analyst, "/desk/?sla=breached&priority=P1", 40, 30, False),
        ("desk list, page 5", analyst, "/desk/?page=5", 40, 30, False),
        ("desk list, all teams (manager)", boss, "/desk/", 40, 30, False),
        # The portal list of someone who has asked for nothing yet: no target in the issue, held to the desk's.
        ("my requests, none yet (staff portal)", analyst, "/my/", 40, 30, False),
        # Views off the indexed default sort, which the issue sets no target for: a word found in every
        # title (the worst case for a search) and every closed ticket of all teams.
        ("desk, a word in every title", analyst, "/desk/?q=problem", 20, None, False),
        ("desk, closed tickets (manager)", boss, "/desk/?state=closed", 20, None, False),
        ("manager board", boss, "/dashboard/", 40, 150, False),
        ("manager board, first view in an hour", boss, "/dashboard/", 10, 150, True),
    ]:
        median, p95, queries = _time(client, url, runs, cold=cold)
        against = f"target p95 <= {target} ms: {target / p95:.1f}x" if target else "no target"
        print(f"  {label:<38} median {median:7.1f} ms  p95 {p95:7.1f} ms  ({queries} queries; {against})")
