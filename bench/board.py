"""The monthly board report at a million tickets: gathering its figures and making it (page and PDF).

The tickets, facts and daily roll-ups are the reports bench's (bench/reports.py: seeded, then rebuilt).
What the board reads and reports do not, this adds once in SQL: a priced catalogue request behind one
request ticket in four (one-off prices, and a monthly subscription on a third of them, some with a
discount), each charged to its requester's cost centre. The month measured is the last full month.

`BENCH_KEEP=1` uses (and keeps) the reports bench's kept database, `pd_bench_reports_kept`, so a run
after `make bench ONLY=reports BENCH_KEEP=1` seeds nothing but the requests.
"""

import os
import statistics
import time

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from bench.database import bench_database
from bench.desk import PLAIN_STATIC
from bench.reports import ZONE

TARGET = 60  # seconds, at 1,000,000 tickets
RUNS = 5


def bench_board() -> None:
    production = override_settings(
        ALLOWED_HOSTS=["testserver"],
        DEBUG=False,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": PLAIN_STATIC}},
        REPORTING_TIME_ZONE=ZONE,
    )
    count = int(os.environ.get("BENCH_TICKETS", "1000000"))
    keep = None
    if os.environ.get("BENCH_KEEP") == "1":
        keep = "pd_bench_reports_kept" if count == 1_000_000 else f"pd_bench_reports_kept_{count}"
    with bench_database(keep_as=keep), production:
        _run(count)


def _seed_requests() -> int:
    """Priced requests behind a quarter of the request tickets; returns how many."""
    from catalogue.models import RequestType, Service, Submission
    from helpdesk.models import Ticket, User

    types = []
    for i, service in enumerate(Service.objects.order_by("pk")):
        types.append(
            RequestType(
                service=service,
                name=f"Order {i}",
                slug=f"bench-order-{i}",
                one_off_price=100 + 25 * (i % 8),
                monthly_price=(10 + i % 5) if i % 3 == 0 else 0,
                form_review_date=timezone.localdate(),
            )
        )
    RequestType.objects.bulk_create(types)
    submission, ticket, request_type = (
        Submission._meta.db_table,
        Ticket._meta.db_table,
        RequestType._meta.db_table,
    )
    user = User._meta.db_table
    with connection.cursor() as cursor:
        # One submission per chosen ticket, keyed back to it by the ticket's id in `answers`.
        cursor.execute(
            f"""INSERT INTO {submission} (request_type_id, requester_id, raised_by_id, answers, cost_centre_id,
                    one_off_price, monthly_price, discount, created_at)
                SELECT rt.id, t.requester_id, t.requester_id, jsonb_build_object('ticket', t.id), u.cost_centre_id,
                    CASE WHEN t.id % 5 = 0 THEN rt.one_off_price * 0.8 ELSE rt.one_off_price END,
                    CASE WHEN t.id % 5 = 0 THEN rt.monthly_price * 0.8 ELSE rt.monthly_price END,
                    CASE WHEN t.id % 5 = 0 THEN 'Research 20 %%' ELSE '' END,
                    t.created_at
                FROM {ticket} t
                JOIN {request_type} rt ON rt.service_id = t.service_id
                JOIN {user} u ON u.id = t.requester_id
                WHERE t.kind = 'request' AND t.id % 4 = 0 AND u.cost_centre_id IS NOT NULL""",  # noqa: S608 (table names from the models)
        )
        made = cursor.rowcount
        cursor.execute(
            f"""UPDATE {ticket} t SET submission_id = s.id FROM {submission} s
                WHERE (s.answers->>'ticket')::bigint = t.id""",  # noqa: S608
        )
        cursor.execute(f"ANALYZE {submission}")
        cursor.execute(f"ANALYZE {ticket}")
    return made


def _run(count: int) -> None:
    from catalogue.models import Submission
    from helpdesk.board import figures, make
    from helpdesk.models import Division, ReportState, Ticket
    from helpdesk.reports import facts
    from helpdesk.reports.periods import last_full_month, today

    if connection.vendor != "postgresql":
        print("board: needs PostgreSQL (DATABASE_URL), as the reports bench does; skipped")
        return
    from bench.desk import _seed as seed_desk
    from bench.reports import _rebuild, _seed_reports

    began = time.perf_counter()
    if not Ticket.objects.exists():
        seed_desk(count)
    if not Division.objects.exists():
        _seed_reports()
    if not ReportState.objects.filter(key="facts", time_zone=ZONE).exclude(changes_seen_until=None).exists():
        _rebuild()
    requests = Submission.objects.count() or _seed_requests()
    facts.refresh()
    seeded = time.perf_counter() - began
    total = Ticket.objects.count()
    period = last_full_month(timezone.now())
    print(
        f"board report ({total:,} tickets on {connection.vendor}; {requests:,} priced requests;"
        f" seeding and roll-ups {seeded:.0f} s; month {period.key}, counted in {ZONE})"
    )

    def timed(call) -> tuple[float, float, int]:
        runs = []
        for _ in range(RUNS):
            with CaptureQueriesContext(connection) as captured:
                began = time.perf_counter()
                call()
                runs.append(time.perf_counter() - began)
        return statistics.median(runs), max(runs), len(captured.captured_queries)

    day = today(timezone.now())
    median, slowest, queries = timed(lambda: figures.gather(period, today=day))
    print(f"  gather the figures                 median {median:6.2f} s  slowest {slowest:6.2f} s  ({queries} queries)")
    kept = figures.gather(period, today=day)
    median, slowest, _q = timed(lambda: make.render_html(kept))
    print(f"  the page (HTML)                    median {median:6.2f} s  slowest {slowest:6.2f} s")
    with CaptureQueriesContext(connection) as captured:
        began = time.perf_counter()
        report = make.generate(period, reason="bench" if make.latest(period.first) else "")
        took = time.perf_counter() - began
    print(
        f"  make it: figures, page, PDF, kept  {took:6.2f} s  ({len(captured.captured_queries)} queries;"
        f" target <= {TARGET} s: {TARGET / took:.1f}x under; PDF {report.pdf.size / 1024:.0f} KiB)"
    )
    charged = report.figures["totals"]["charged"]
    print(f"    raised {report.figures['totals']['raised']:,}, charged {charged} {settings.CURRENCY}")
