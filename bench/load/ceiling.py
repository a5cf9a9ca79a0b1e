"""The machine's ceiling for the same server: LOAD_USERS clients asking `/healthz` (one query, no session,
no template) with no think time. Run by run.py after the measured run, so each `make load` prints what
the simplest request costs beside what raising a ticket costs."""

from __future__ import annotations

from locust import FastHttpUser, task


class Prober(FastHttpUser):
    @task
    def probe(self) -> None:
        # As behind the TLS proxy (BEHIND_PROXY=1), so no redirect to HTTPS is counted.
        with self.client.get(
            "/healthz", headers={"X-Forwarded-Proto": "https"}, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 200:
                response.success()
            else:
                response.failure(f"answered {response.status_code}")
