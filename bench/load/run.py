"""`make load`: ticket creation at speed, end to end on this machine, and whether anything was lost.

1. (Re)creates the load run's own PostgreSQL database (LOAD_DB_URL, pd_load by default), migrates it,
   seeds the demo catalogue and LOAD_USERS signed-in people (bench/load/seed.py).
2. Starts gunicorn on 127.0.0.1:LOAD_PORT with production settings (DEBUG off, a throw-away key, HTTPS
   as seen behind a proxy), LOAD_WORKERS sync workers.
3. Runs locust headless (one process, FastHttpUser): LOAD_USERS clients posting catalogue request forms
   with no think time (bench/load/locustfile.py), LOAD_WARMUP seconds (5) to warm the workers' caches
   and connections, then LOAD_SECONDS (30) measured.
4. Then LOAD_CEILING_SECONDS (10) of the same clients asking `/healthz` (bench/load/ceiling.py): what
   the simplest request costs on this machine, printed beside the tickets' figures.
5. Stops gunicorn and prints requests/s, p50/p95/p99, errors, the CPU spent per ticket by the web
   workers and by PostgreSQL, and matches every redirect to a ticket in the database.

Exits 1 when a request failed or a redirect has no ticket (nothing may be lost); the speed figures are
printed against their targets, never asserted (the machine's speed drifts).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
TARGET_RATE, TARGET_P99_MS = 300, 250
TICKS = os.sysconf("SC_CLK_TCK")


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def _int(name: str, default: int) -> int:
    value = _env(name, str(default))
    if not value.isascii() or not value.isdigit() or int(value) <= 0:
        sys.exit(f"{name} must be a positive whole number; got {value!r}.")
    return int(value)


def recreate_database(url: str) -> None:
    parts = urlparse(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in ("postgres", "postgresql") or not name.replace("_", "").isalnum():
        sys.exit(f"LOAD_DB_URL must be a PostgreSQL URL with a plain database name; got {url!r}.")
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict, *args: str, **extra: str) -> None:
    # Every command line here is our own interpreter with fixed arguments (S603).
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env={**env, **extra}, check=True)  # noqa: S603


def cpu_seconds(pids) -> float:
    """User plus system CPU of these processes so far (those that have gone count nothing)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def gunicorn_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [master, *map(int, children)]


def wait_until_up(port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    request = urllib.request.Request(f"http://127.0.0.1:{port}/healthz", headers={"X-Forwarded-Proto": "https"})
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310 - loopback, our own server
                return
        except urllib.error.HTTPError:
            return  # it answers (503 while no task worker runs is fine here)
        except OSError:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer on 127.0.0.1:{port} within {seconds:.0f} s.")


def main() -> int:
    db_url = _env("LOAD_DB_URL", "postgres://postgres@127.0.0.1:5432/pd_load")
    seconds, users, port = _int("LOAD_SECONDS", 30), _int("LOAD_USERS", 30), _int("LOAD_PORT", 8612)
    workers, threads, warmup = _int("LOAD_WORKERS", 4), _int("LOAD_THREADS", 1), _int("LOAD_WARMUP", 5)
    ceiling_seconds = _int("LOAD_CEILING_SECONDS", 10)
    work = Path(tempfile.mkdtemp(prefix="promisedesk-load-"))
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),  # thrown away with the run
        "ALLOWED_HOSTS": "127.0.0.1",
        "BEHIND_PROXY": "1",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "STATIC_ROOT": str(work / "static"),
        "PRIVATE_ROOT": str(work / "private"),
        "MEDIA_ROOT": str(work / "media"),
        "PYTHONPATH": str(ROOT),
    }
    print(f"Load run: {users} clients for {seconds} s, gunicorn {workers} workers x {threads} threads, {db_url}")
    recreate_database(db_url)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "seed_demo", DEBUG="1")  # the demo catalogue; the command runs only with DEBUG on
    manage(env, "collectstatic", "--noinput", "-v0")
    plan = work / "plan.json"
    subprocess.run([PY, "-m", "bench.load.seed", str(plan), str(users)], cwd=ROOT, env=env, check=True)  # noqa: S603

    with psycopg.connect(db_url, autocommit=True) as db:
        tickets_before = db.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]
        worker_class = ["--worker-class", "gthread", "--threads", str(threads)] if threads > 1 else []
        server = subprocess.Popen(  # noqa: S603
            [PY, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
            + worker_class
            + ["--error-logfile", str(work / "gunicorn.log"), "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        try:
            wait_until_up(port)

            def run_locust(seconds: int, name: str, file: str = "locustfile.py"):
                command = [PY, "-m", "locust", "-f", str(ROOT / "bench" / "load" / file), "--headless"]
                command += ["-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--stop-timeout", "10"]
                command += ["--host", f"http://127.0.0.1:{port}", "--csv", str(work / name)]
                command += ["--json-file", str(work / name), "--only-summary", "--loglevel", "WARNING"]
                references = {"LOAD_PLAN": str(plan), "LOAD_REFERENCES": str(work / f"{name}.references")}
                locust = subprocess.Popen(command, cwd=ROOT, env={**env, **references})  # noqa: S603
                _, status, usage = os.wait4(locust.pid, 0)
                return status, usage

            # A running server has its workers' caches warm and its database connections open.
            run_locust(warmup, "warmup")
            backends = [
                pid
                for (pid,) in db.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ]
            web_before, db_before = cpu_seconds(gunicorn_pids(server.pid)), cpu_seconds(backends)
            started = time.monotonic()
            status, usage = run_locust(seconds, "locust")
            elapsed = time.monotonic() - started
            web_cpu = cpu_seconds(gunicorn_pids(server.pid)) - web_before
            db_cpu = cpu_seconds(backends) - db_before  # the web workers' connections (kept open)
            # The ceiling: the same server and clients, the simplest request there is.
            ceiling_web, ceiling_db = cpu_seconds(gunicorn_pids(server.pid)), cpu_seconds(backends)
            _, ceiling_usage = run_locust(ceiling_seconds, "ceiling", "ceiling.py")
            ceiling_web = cpu_seconds(gunicorn_pids(server.pid)) - ceiling_web
            ceiling_db = cpu_seconds(backends) - ceiling_db
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        created = {
            ref
            for (ref,) in db.execute("SELECT reference FROM helpdesk_ticket ORDER BY id OFFSET %s", [tickets_before])
        }

    stats = _aggregated(work / "locust.json")
    redirected = [
        ref
        for name in ("warmup", "locust")
        if (work / f"{name}.references").exists()
        for ref in (work / f"{name}.references").read_text().split()
    ]
    missing = sorted(set(redirected) - created)
    unanswered = len(created - set(redirected))
    tickets = max(stats["count"] - stats["failures"], 1)  # raised in the measured run (after the warm-up)
    locust_cpu = usage.ru_utime + usage.ru_stime
    rate_ok = "met" if stats["rps"] >= TARGET_RATE else "NOT met"
    p99_ok = "met" if stats["p99"] < TARGET_P99_MS else "NOT met"
    print()
    print(f"requests         {stats['count']} in {elapsed:.1f} s: {stats['rps']:.0f} req/s")
    print(
        f"latency          p50 {stats['p50']} ms, p95 {stats['p95']} ms, p99 {stats['p99']} ms, max {stats['max']} ms"
    )
    print(f"errors           {stats['failures']}")
    print(f"redirects (302)  {len(redirected)}, tickets created {len(created)} (the {warmup} s warm-up's too)")
    print(f"                 redirects with no ticket {len(missing)}, tickets with no redirect {unanswered}")
    print(
        f"CPU per ticket   web {1000 * web_cpu / tickets:.1f} ms, PostgreSQL {1000 * db_cpu / tickets:.1f} ms,"
        f" locust {1000 * locust_cpu / tickets:.1f} ms"
    )
    print(f"targets          >= {TARGET_RATE} req/s: {rate_ok}; p99 < {TARGET_P99_MS} ms: {p99_ok}")
    ceiling = _aggregated(work / "ceiling.json")
    probes = max(ceiling["count"], 1)
    ceiling_locust = ceiling_usage.ru_utime + ceiling_usage.ru_stime
    print(
        f"ceiling          GET /healthz on the same server ({ceiling_seconds} s): {ceiling['rps']:.0f} req/s,"
        f" p99 {ceiling['p99']} ms, {ceiling['failures']} errors; CPU per request web"
        f" {1000 * ceiling_web / probes:.1f} ms, PostgreSQL {1000 * ceiling_db / probes:.1f} ms,"
        f" locust {1000 * ceiling_locust / probes:.1f} ms"
    )
    if stats["failures"]:
        print(f"failures:\n{(work / 'locust_failures.csv').read_text()}")
    log = (work / "gunicorn.log").read_text().strip() if (work / "gunicorn.log").exists() else ""
    if log:
        print(f"gunicorn said:\n{log[-3000:]}")
    shutil.rmtree(work, ignore_errors=True)
    lost = stats["failures"] or missing or not redirected or os.waitstatus_to_exitcode(status) not in (0, 1)
    return 1 if lost else 0


def _aggregated(path: Path) -> dict:
    """Count, failures, rate and percentiles over every request locust made (its final JSON stats:
    response times in locust's buckets, to 2 significant figures above 100 ms)."""
    entries = json.loads(path.read_text())
    times: dict[int, int] = {}
    for entry in entries:
        for ms, n in entry["response_times"].items():
            times[round(float(ms))] = times.get(round(float(ms)), 0) + n
    count = sum(entry["num_requests"] for entry in entries)
    first = min((entry["start_time"] for entry in entries), default=0.0)
    last = max((entry["last_request_timestamp"] or first for entry in entries), default=first)

    def percentile(p: float) -> int:
        seen = 0
        for ms in sorted(times):
            seen += times[ms]
            if seen >= p * count:
                return ms
        return 0

    return {
        "count": count,
        "failures": sum(entry["num_failures"] for entry in entries),
        "rps": count / (last - first) if last > first else 0.0,
        "p50": percentile(0.50),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "max": max(times, default=0),
    }


if __name__ == "__main__":
    sys.exit(main())
