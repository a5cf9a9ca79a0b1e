"""Reports at a million tickets: rebuilding the facts and daily roll-ups, refreshing them, reading them.

The tickets are the desk bench's (bench/desk.py: BENCH_TICKETS over the last year, a tenth open). What
reports read and the desk does not, this adds once in SQL: requesters spread over divisions, grades,
places and cost centres; 60 analysts doing the work; channels, kinds and two service levels; a first
response and a resolution clock judged (met or missed, with business time used) on every ticket that got
that far; a ticket's history (raised, assigned, started, waiting, moved, reopened, resolved, closed: about
five events a ticket, as a live desk keeps); and a satisfaction answer for about 30 % of resolved tickets.

`BENCH_ANYWHERE=0` skips the refresh of tickets from across the year (minutes).
`BENCH_KEEP=1` keeps the seeded database (pd_bench_reports_kept) for the next run; `BENCH_REBUILD=0`
then skips the rebuild and the year-wide refresh (minutes each) when the facts are already built, to
measure the reads alone.
"""

import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import Resolver404, resolve
from django.utils import timezone

from bench.database import bench_database
from bench.desk import PLAIN_STATIC
from bench.desk import _seed as seed_desk
from bench.desk import _time as time_page

REBUILD_TARGET = 300  # seconds, at 1,000,000 tickets
READ_TARGET = 200  # ms p95, a quarter's report broken down by service
RUNS = 30
ZONE = "Europe/Stockholm"  # the reporting zone: local days, with summer time, as production has


def bench_reports() -> None:
    # Production settings as the desk bench has them, with reports counted in a real local zone.
    production = override_settings(
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        SECURE_SSL_REDIRECT=False,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}},
        REPORTING_TIME_ZONE=ZONE,
    )
    count = int(os.environ.get("BENCH_TICKETS", "1000000"))
    keep = None
    if os.environ.get("BENCH_KEEP") == "1":  # one kept database per size, so a small trial never passes for 1M
        keep = "pd_bench_reports_kept" if count == 1_000_000 else f"pd_bench_reports_kept_{count}"
    with bench_database(keep_as=keep), production:
        _run(count)


# -- seeding ----------------------------------------------------------------------------------------------


def _seed_reports() -> None:
    """What reports count that the desk bench leaves out, added in SQL over its tickets."""
    from django.contrib.contenttypes.models import ContentType

    from helpdesk.models import (
        CostCentre,
        Division,
        Grade,
        Location,
        Satisfaction,
        Team,
        Ticket,
        TicketEvent,
        User,
    )
    from sla.models import Calendar, Clock, Policy

    rng = random.Random(14)
    divisions = Division.objects.bulk_create(Division(name=f"Division {i}", code=f"division-{i}") for i in range(12))
    grades = Grade.objects.bulk_create(Grade(name=f"Grade {i}", level=i + 1) for i in range(6))
    places = Location.objects.bulk_create(Location(name=f"Office {i}", time_zone=ZONE) for i in range(8))
    centres = CostCentre.objects.bulk_create(
        CostCentre(code=f"CC{i:03d}", name=f"Centre {i}", division=divisions[i % 12]) for i in range(36)
    )
    centres_of = defaultdict(list)
    for centre in centres:
        centres_of[centre.division_id].append(centre)
    # Requesters: uneven divisions (a few large ones), a few people with nothing recorded.
    people = list(User.objects.filter(username__startswith="person"))
    weights = [12, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    for person in people:
        if rng.random() < 0.03:
            continue
        division = rng.choices(divisions, weights)[0]
        person.division = division
        person.cost_centre = rng.choice(centres_of[division.pk])
        person.grade = rng.choices(grades, [30, 25, 20, 12, 8, 5])[0]
        person.location = rng.choices(places, [30, 20, 15, 10, 10, 5, 5, 5])[0]
    User.objects.bulk_update(people, ["division", "cost_centre", "grade", "location"], batch_size=500)
    # Sixty analysts, twenty to a team, who pick up the work of their team.
    assignees: dict[int, list[int]] = {}
    for team in Team.objects.order_by("pk"):
        made = User.objects.bulk_create(User(username=f"{team.slug}-analyst{i}") for i in range(20))
        team.members.add(*made)
        assignees[team.pk] = [user.pk for user in made]
    calendar = Calendar.objects.get(name="Office")
    standard = Policy.objects.get(is_default=True)
    premium = Policy.objects.create(name="Premium", calendar=calendar)
    ticket = Ticket._meta.db_table
    ticket_type = ContentType.objects.get_for_model(Ticket).pk
    with connection.cursor() as cursor:
        # Who did the work (all but new tickets), how it came in, what it was, which service level; one
        # UPDATE, as each rewrites every row and its dozen indexes.
        teams = sorted(assignees)
        cursor.execute(
            f"""UPDATE {ticket} SET
                assignee_id = CASE WHEN state <> 'new' THEN (%s::bigint[])[
                    1 + (array_position(%s::bigint[], team_id) - 1) * 20 + (id * 7 + id / 5) %% 20] END,
                channel = CASE WHEN (id * 37) %% 100 < 55 THEN 'portal' WHEN (id * 37) %% 100 < 80 THEN 'email'
                               WHEN (id * 37) %% 100 < 95 THEN 'phone' ELSE 'walk_in' END,
                kind = CASE WHEN (id * 53) %% 100 < 60 THEN 'incident' ELSE 'request' END,
                policy_id = CASE WHEN service_id %% 5 = 0 THEN %s ELSE %s END,
                -- The desk gives cancelled work a resolved_at: it was cancelled (closed) then, not resolved.
                closed_at = CASE WHEN state = 'cancelled' THEN resolved_at
                                 WHEN state = 'closed' THEN resolved_at + interval '3 days' END,
                resolved_at = CASE WHEN state = 'cancelled' THEN NULL ELSE resolved_at END,
                -- Last changed when last worked on, not when the bench wrote it (an hour ago at the latest,
                -- so the first refresh after a rebuild does not take the seeding for changes).
                updated_at = GREATEST(created_at, LEAST(COALESCE(CASE WHEN state = 'closed'
                        THEN resolved_at + interval '3 days' ELSE resolved_at END, created_at),
                    now() - interval '1 hour'))""",  # noqa: S608 (table names from the models, nothing typed)
            [[pk for team in teams for pk in assignees[team]], teams, premium.pk, standard.pk],
        )
        # Our two targets, judged on every ticket that got that far: used = target x r, about 12 % missed.
        clock = Clock._meta.db_table
        cursor.execute(f"DELETE FROM {clock} WHERE stopped_at IS NOT NULL")  # noqa: S608
        target = {
            "response": "CASE t.priority WHEN 'P1' THEN 900 WHEN 'P2' THEN 3600 WHEN 'P3' THEN 14400 ELSE 28800 END",
            "resolution": "CASE t.priority WHEN 'P1' THEN 14400 WHEN 'P2' THEN 28800 WHEN 'P3' THEN 86400"
            " ELSE 144000 END",
        }
        for salt, (kind, which, stopped, withdrawn) in enumerate(
            [
                ("response", "t.state <> 'new'", "LEAST(t.created_at + {used}, now())", "false"),
                (
                    "resolution",
                    "t.state IN ('resolved', 'closed', 'cancelled')",
                    "COALESCE(t.resolved_at, t.closed_at)",
                    "t.state = 'cancelled'",
                ),
            ]
        ):
            # r: a fraction from the ticket's id (random() here is evaluated once per priority by the planner).
            r = f"((hashint8(t.id * 2 + {salt}) & 2147483647) / 2147483647.0)"
            seconds = target[kind]
            used = f"make_interval(secs => ({seconds}) * power({r}, 1.3) * 1.18)"
            due = f"t.created_at + make_interval(secs => {seconds})"
            cursor.execute(
                f"""INSERT INTO {clock} (subject_type_id, subject_id, kind, label, policy_id, priority, calendar_id,
                        target, pausable, started_at, due_at, paused_for, pause_reason, stopped_at, used, withdrawn,
                        breached_at, notify_email, escalate_email)
                    SELECT %s, t.id, %s, '', t.policy_id, t.priority, %s, make_interval(secs => {seconds}), true,
                        t.created_at, {due}, interval '0', '', {stopped.format(used=used)}, {used}, {withdrawn},
                        CASE WHEN NOT {withdrawn} AND power({r}, 1.3) * 1.18 > 1 THEN {due} END, '', ''
                    FROM {ticket} t
                    WHERE {which}
                    ON CONFLICT DO NOTHING""",  # noqa: S608
                [ticket_type, kind, calendar.pk],
            )
        # History: about five events a ticket, as the services write them.
        event = TicketEvent._meta.db_table
        for kind, data, when, which in (
            ("created", "{}", "t.created_at", "true"),
            ("assigned", "{}", "t.created_at + interval '5 minutes'", "t.state <> 'new'"),
            ("state_changed", '{"action": "start"}', "t.created_at + interval '10 minutes'", "t.state <> 'new'"),
            ("reply", "{}", "t.created_at + interval '30 minutes'", "(t.id * 13) % 10 < 7"),
            (
                "state_changed",
                '{"action": "wait_on_requester"}',
                "t.created_at + interval '1 hour'",
                "t.state <> 'new' AND (t.id * 17) % 100 < 12",
            ),
            ("moved", "{}", "t.created_at + interval '20 minutes'", "(t.id * 19) % 100 < 5"),
            ("state_changed", '{"action": "resolve"}', "t.resolved_at", "t.resolved_at IS NOT NULL"),
            (
                "state_changed",
                '{"action": "reopen"}',
                "t.resolved_at + interval '1 hour'",
                "t.resolved_at IS NOT NULL AND (t.id * 23) % 100 < 4",
            ),
            ("state_changed", '{"action": "close"}', "t.closed_at", "t.state IN ('closed', 'cancelled')"),
        ):
            cursor.execute(
                f"INSERT INTO {event} (ticket_id, kind, data, created_at) SELECT t.id, %s, %s::jsonb, {when}"  # noqa: S608
                f" FROM {ticket} t WHERE {which.replace('%', '%%')}",
                [kind, data],
            )
        # Satisfaction: asked of about 45 % of resolved tickets, answered by two in three of those (30 %).
        cursor.execute(
            f"""INSERT INTO {Satisfaction._meta.db_table} (ticket_id, asked_at, score, comment, answered_at, links_used)
                SELECT t.id, t.resolved_at, s.score, '', CASE WHEN s.score IS NOT NULL
                       THEN t.resolved_at + interval '1 day' END, '[]'::jsonb
                FROM {ticket} t CROSS JOIN LATERAL (
                    SELECT CASE WHEN r < 0.0225 THEN 1 WHEN r < 0.06 THEN 2 WHEN r < 0.114 THEN 3
                                WHEN r < 0.2 THEN 4 WHEN r < 0.3 THEN 5 END AS score
                    FROM (SELECT (t.id * 7907 %% 1000) / 1000.0 AS r) AS x
                ) s
                WHERE t.resolved_at IS NOT NULL AND (t.id * 7907 %% 1000) < 450""",  # noqa: S608
            [],
        )
    if connection.vendor == "postgresql":  # as after the desk's load: statistics, visibility map, a checkpoint
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
            try:
                cursor.execute("CHECKPOINT")
            except DatabaseError:
                pass


# -- measuring --------------------------------------------------------------------------------------------


@contextmanager
def _timed(module, name: str, into: list[float]):
    """Time each call of `module.name` (wall seconds into `into`) while inside; the function is unchanged."""
    original = getattr(module, name)

    def timed(*args, **kwargs):
        began = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            into.append(time.perf_counter() - began)

    setattr(module, name, timed)
    try:
        yield
    finally:
        setattr(module, name, original)


def _vacuum(*models) -> None:
    """What autovacuum does within a minute of a rebuild or a refresh that rewrote many rows: without fresh
    statistics the planner took a slice's rows for one and read every breakdown's rows for the days, and
    the rows a refresh left dead were read too (a report took about 1.6x longer)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {', '.join(model._meta.db_table for model in models)}")


def _time_call(call: Callable[[], object], runs: int) -> tuple[float, float, int]:
    call()  # warm: imports, the first planning of each query
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    with CaptureQueriesContext(connection) as captured:
        call()
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], len(captured.captured_queries)


def _rebuild() -> None:
    from helpdesk.models import DailyFigure
    from helpdesk.reports import facts, rollup

    reading: list[float] = []
    writing: list[float] = []
    adding: list[float] = []
    rolling: list[float] = []
    began = time.perf_counter()
    with (
        _timed(facts, "facts_for", reading),
        _timed(facts, "_insert", writing),
        _timed(rollup, "add_up", adding),
        _timed(rollup, "rebuild_all", rolling),
    ):
        done = facts.rebuild()
    total = time.perf_counter() - began
    figures = DailyFigure.objects.count()
    read, written, added, rolled = sum(reading), sum(writing), sum(adding), sum(rolling)
    print(
        f"  rebuild, {done['tickets']:,} tickets          {total:7.1f} s"
        f"  (target <= {REBUILD_TARGET} s: {REBUILD_TARGET / total:.1f}x)"
    )
    print(f"    facts read and worked out (facts_for, {len(reading)} rounds)  {read:7.1f} s")
    how = "COPY" if connection.vendor == "postgresql" else "bulk_create"
    print(f"    facts written ({how})                      {written:7.1f} s")
    print(f"    daily figures (rollup.rebuild_all)             {rolled:7.1f} s: {figures:,} rows")
    print(f"      adding up every slice (rollup.add_up)        {added:7.1f} s")
    print(f"      deleting and writing rows                    {rolled - added:7.1f} s")
    print(f"    the rest (deleting old facts, statistics)      {total - read - written - rolled:7.1f} s")
    rows = DailyFigure.objects.values("segment", "by").annotate(n=Count("pk")).order_by("-n")[:3]
    print("      most rows: " + ", ".join(f"{r['segment'] or 'everyone'} by {r['by']} {r['n']:,}" for r in rows))


def _refresh(label: str, ids: list[int]) -> None:
    from helpdesk.models import Ticket
    from helpdesk.reports import facts

    before = dict(Ticket.objects.filter(pk__in=ids).values_list("pk", "updated_at"))
    Ticket.objects.filter(pk__in=ids).update(updated_at=timezone.now())
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        done = facts.refresh()
        took = time.perf_counter() - began
    # Put their last change back, so the next refresh (which looks ten minutes back) does not see them again.
    for pk, updated_at in before.items():
        Ticket.objects.filter(pk=pk).update(updated_at=updated_at)
    print(
        f"  refresh, {label:<36} {took * 1000:9.0f} ms  ({done['days']} days added up again,"
        f" {len(captured.captured_queries)} queries)"
    )


def _run(count: int) -> None:
    from helpdesk.models import DailyFigure, Division, ReportState, Ticket, TicketFact, User
    from helpdesk.reports import facts, read
    from helpdesk.reports.periods import quarter, today

    began = time.perf_counter()
    kept = Ticket.objects.count()  # a kept database (BENCH_KEEP=1) is measured again as it is
    if not kept:
        seed_desk(count)
    seeded = time.perf_counter() - began
    if not Division.objects.exists():
        seed_reports_began = time.perf_counter()
        _seed_reports()
        seeded_reports = time.perf_counter() - seed_reports_began
    else:
        seeded_reports = None
    if kept:
        newest = Ticket.objects.aggregate(newest=Max("created_at"))["newest"]
        how = f"kept from a run on {newest:%Y-%m-%d %H:%M} UTC (BENCH_KEEP=1)"
    else:
        how = f"the desk's tickets seeded in {seeded:.0f} s"
    if seeded_reports is not None:
        how += f", what reports read added in {seeded_reports:.0f} s"
    total = kept or count
    print(f"reports ({total:,} tickets on {connection.vendor}; {how}; reporting zone {ZONE})")

    # (1) Rebuild from scratch: every fact and every daily figure.
    state = ReportState.objects.filter(key="facts", time_zone=ZONE).exclude(changes_seen_until=None).first()
    quick = bool(state) and os.environ.get("BENCH_REBUILD") == "0"
    if quick:
        print(f"  rebuild skipped (BENCH_REBUILD=0): facts last refreshed {state.refreshed_at:%Y-%m-%d %H:%M} UTC")
    else:
        _rebuild()
        _vacuum(TicketFact, DailyFigure)
    print(f"    {TicketFact.objects.count():,} facts, {DailyFigure.objects.count():,} daily figures")

    # (2) Refresh: nothing changed; 1,000 tickets of the last days changed; 1,000 anywhere in the year.
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        done = facts.refresh()
        took = time.perf_counter() - began
    print(
        f"  refresh, nothing changed                 {took * 1000:9.0f} ms  ({done['days']} days,"
        f" {len(captured.captured_queries)} queries)"
    )
    touched = min(1000, total)
    recent = list(Ticket.objects.order_by("-created_at").values_list("pk", flat=True)[:touched])
    _refresh(f"{touched:,} newest tickets changed", recent)
    rng = random.Random(7)
    if not quick and os.environ.get("BENCH_ANYWHERE") != "0":  # minutes: every day is added up again
        anywhere = rng.sample(list(Ticket.objects.values_list("pk", flat=True)), touched)
        _refresh(f"{touched:,} tickets of the year changed", anywhere)
    _vacuum(TicketFact, DailyFigure)

    # (3) Reading: the last full quarter, by service, for everyone and for the largest division.
    period = quarter(quarter(today(timezone.now())).first - timedelta(days=1))
    division = (
        TicketFact.objects.exclude(division_id=None)
        .values("division_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()["division_id"]
    )
    slices = [
        (f"{period.key}, by service", read.Slice(by="service"), True),
        (f"{period.key}, one division, by service", read.Slice("division", str(division), "service"), True),
        (f"{period.key}, by analyst", read.Slice(by="analyst"), False),
    ]
    print(f"  report(), {RUNS} runs each:")
    for label, chosen, targeted in slices:
        median, p95, queries = _time_call(lambda chosen=chosen: read.report(period, chosen), RUNS)
        against = f"target p95 <= {READ_TARGET} ms: {READ_TARGET / p95:.1f}x" if targeted else "no target"
        print(f"    {label:<38} median {median:7.1f} ms  p95 {p95:7.1f} ms  ({queries} queries; {against})")

    # (4) The page, through Django's test client as a manager (`who` is the form's name for "for").
    try:
        resolve("/reports/")
    except Resolver404:
        print("  /reports/ page: no URL /reports/ in this tree, skipped")
        return
    boss = Client()
    boss.force_login(User.objects.get(username="boss"))
    name = Division.objects.get(pk=division).name
    pages = [
        (f"{period.key}, by service", f"/reports/?period={period.key}&by=service", "Service 1"),
        (
            f"{period.key}, one division, by service",
            f"/reports/?period={period.key}&by=service&who=division:{division}",
            name,
        ),
    ]
    print(f"  /reports/ page as a manager, {RUNS} runs each:")
    for label, url, expected in pages:
        page = boss.get(url)
        if page.status_code != 200 or expected not in page.content.decode():
            raise RuntimeError(f"{url} answered {page.status_code} without {expected!r}: not the report meant")
        median, p95, queries = time_page(boss, url, RUNS)
        print(
            f"    {label:<38} median {median:7.1f} ms  p95 {p95:7.1f} ms"
            f"  ({queries} queries; target p95 <= {READ_TARGET} ms: {READ_TARGET / p95:.1f}x)"
        )
