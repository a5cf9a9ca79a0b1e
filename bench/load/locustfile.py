"""Signed-in people posting catalogue request forms, each again as soon as the last one is answered.

A closed loop, as the issue measured it: LOAD_USERS clients, no think time. Each POST is one request
for something from the catalogue (a filled-in form the person is entitled to, from the plan that
seed.py wrote); the answer must be the redirect to the new ticket. The redirect is not followed: what
is measured is raising tickets. The references from the redirects are written to LOAD_REFERENCES at the
end, so run.py can match every one with a ticket in the database.

Run by run.py (`make load`); it needs LOAD_PLAN and LOAD_REFERENCES.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, events, task

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
PEOPLE = itertools.cycle(PLAN["people"])
REFERENCES: list[str] = []


class Requester(FastHttpUser):
    # No think time: a new request as soon as the last is answered.

    def on_start(self) -> None:
        person = next(PEOPLE)
        self.asks = itertools.cycle(person["asks"])
        origin = self.host.replace("http://", "https://", 1)
        self.headers = {
            "Cookie": person["cookie"],
            "Content-Type": "application/x-www-form-urlencoded",
            # As behind the TLS proxy production runs behind (BEHIND_PROXY=1): the site sees HTTPS, and
            # CSRF checks the origin as it would for a browser.
            "X-Forwarded-Proto": "https",
            "Origin": origin,
        }

    @task
    def ask(self) -> None:
        ask = next(self.asks)
        with self.client.post(
            ask["path"],
            data=ask["body"],
            headers=self.headers,
            allow_redirects=False,
            catch_response=True,
            name="POST /ask/<request type>/",
        ) as response:
            location = response.headers.get("Location") or ""
            if response.status_code == 302 and location.startswith("/my/tickets/"):
                REFERENCES.append(location.rstrip("/").rsplit("/", 1)[-1])
                response.success()
            else:
                response.failure(f"answered {response.status_code} {location}".strip())
        # The session and CSRF cookies are sent by hand; nothing the answers set (a message) is kept.
        self.client.cookiejar.clear()


@events.test_stop.add_listener
def _write_references(**_kwargs) -> None:
    Path(os.environ["LOAD_REFERENCES"]).write_text("\n".join(REFERENCES))
