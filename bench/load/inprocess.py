"""One process, no HTTP: the CPU one catalogue POST costs the web side, and where it goes.

    python -m bench.load.inprocess PLAN [POSTS] [--profile]

Runs against a database seeded as `make load` seeds it (DATABASE_URL; `make load` leaves LOAD_DB_URL
seeded), with a PLAN written by `python -m bench.load.seed PLAN USERS`. Sends POSTS (300) of the plan's
filled-in forms through Django's test client with production settings (CSRF checked, HTTPS as behind the
proxy), after a warm-up of 30, and prints the CPU per POST (median and mean of process time). With
`--profile` it also prints a pyinstrument profile of the measured POSTs.
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import django


def main(plan_path: str, posts: int, profile: bool) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.test import Client

    plan = json.loads(Path(plan_path).read_text())
    asks = []
    for person in plan["people"]:
        cookie = SimpleCookie(person["cookie"])
        client = Client(enforce_csrf_checks=True, HTTP_X_FORWARDED_PROTO="https", HTTP_ORIGIN="https://127.0.0.1")
        client.cookies = cookie
        asks.extend((client, ask) for ask in person["asks"][:4])
    cycle = itertools.cycle(asks)

    def post() -> None:
        client, ask = next(cycle)
        response = client.post(
            ask["path"], ask["body"], content_type="application/x-www-form-urlencoded", HTTP_HOST="127.0.0.1"
        )
        if response.status_code != 302 or not response["Location"].startswith("/my/tickets/"):
            raise SystemExit(f"{ask['path']} answered {response.status_code} {response.get('Location', '')}")

    for _ in range(30):
        post()
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    spent = []
    for _ in range(posts):
        started = time.process_time()
        post()
        spent.append(time.process_time() - started)
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    print(
        f"{posts} POSTs in one process: CPU per POST median {1000 * statistics.median(spent):.1f} ms,"
        f" mean {1000 * statistics.fmean(spent):.1f} ms"
    )
    return 0


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if not a.startswith("--")]
    sys.exit(main(arguments[0], int(arguments[1]) if len(arguments) > 1 else 300, "--profile" in sys.argv))
