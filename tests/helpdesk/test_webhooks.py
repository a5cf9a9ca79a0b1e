"""Webhooks against a real HTTP receiver on a loopback port: signed, sent by the worker (never by the
request), tried again with the outbox's growing pause for a day, then given up; sent again by a manager."""

import hashlib
import hmac
import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from helpdesk import outbox, relations, services, webhooks
from helpdesk.models import Webhook, WebhookDelivery
from tests import factories

M = timedelta(minutes=1)


class Receiver:
    """A real HTTP server in a thread, recording every request. What a path answers: `answers[path]`, a
    list of statuses taken one per request (the last one stays), 200 by default; `/hang` never answers
    until the test ends. `bodies[path]` is the text it answers with."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: dict[str, list[int]] = {}
        self.bodies: dict[str, str] = {}
        self.release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                receiver.requests.append({"path": self.path, "headers": self.headers, "body": body})
                if self.path == "/hang":
                    receiver.release.wait(30)
                    return
                statuses = receiver.answers.get(self.path, [200])
                status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                answer = receiver.bodies.get(self.path, "ok").encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def to(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def ticket(people, policy):
    return factories.ticket(requester=people.requester, team=people.team, state="in_progress")


def expected_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Worked out here, apart from helpdesk/webhooks.py, as a receiver would."""
    return "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def test_each_delivery_is_signed_and_says_what_happened(people, policy, receiver, django_capture_on_commit_callbacks):
    hook = factories.WebhookFactory(url=receiver.url("/ok"), secret="s3cret-shared-with-the-receiver")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    created, started = receiver.to("/ok")
    headers = created["headers"]
    assert headers["Content-Type"] == "application/json"
    assert headers["X-PromiseDesk-Event"] == "ticket.created"
    assert headers["X-PromiseDesk-Signature"] == expected_signature(
        "s3cret-shared-with-the-receiver", headers["X-PromiseDesk-Timestamp"], created["body"]
    )
    assert abs(int(headers["X-PromiseDesk-Timestamp"]) - time.time()) < 60
    body = json.loads(created["body"])
    delivery = WebhookDelivery.objects.get(pk=int(headers["X-PromiseDesk-Delivery"]))
    assert delivery.webhook == hook and delivery.delivered_at is not None and delivery.last_status == 200
    assert body["event"] == "ticket.created" and body["id"] and body["occurred_at"]
    assert body["ticket"] == {
        "reference": ticket.reference,
        "title": "Laptop won't start",
        "state": "new",
        "priority": ticket.priority,
        "team": "Service Desk",
        "service": ticket.service.name,
        "requester": people.requester.get_full_name(),
        "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + f"/my/tickets/{ticket.reference}/",
    }
    assert body["data"] == {"kind": "incident", "channel": "portal"}
    started_body = json.loads(started["body"])
    assert started_body["event"] == "ticket.state_changed"
    assert started_body["data"] == {"from": "new", "to": "in_progress", "action": "start"}
    # A signature over other bytes does not verify: the receiver can tell a forged or altered body.
    forged = created["body"].replace(b"ticket.created", b"ticket.merged")
    assert headers["X-PromiseDesk-Signature"] != expected_signature(
        "s3cret-shared-with-the-receiver", headers["X-PromiseDesk-Timestamp"], forged
    )


def test_a_500_is_tried_again_after_a_growing_pause_then_delivered(
    ticket, people, receiver, django_capture_on_commit_callbacks
):
    factories.WebhookFactory(url=receiver.url("/flaky"), events=["message.added"])
    receiver.answers["/flaky"] = [500, 500, 200]
    receiver.bodies["/flaky"] = "x" * 5_000
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, by=people.analyst, body="We are on it.")
    delivery = WebhookDelivery.objects.get()
    assert (delivery.attempts, delivery.last_status, delivery.delivered_at) == (1, 500, None)
    assert len(delivery.last_response) == webhooks.RESPONSE_LIMIT  # the start of the answer, kept
    assert "500" in delivery.last_error
    assert delivery.next_try_at - delivery.last_tried_at == M

    assert webhooks.deliver_due(now=delivery.last_tried_at + M / 2) == 0  # not due yet: no hammering
    assert len(receiver.to("/flaky")) == 1
    assert webhooks.deliver_due(now=delivery.next_try_at) == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.next_try_at - delivery.last_tried_at == 2 * M  # the outbox's rule
    assert webhooks.deliver_due(now=delivery.next_try_at) == 1
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status, delivery.last_error) == (3, 200, "")
    assert delivery.delivered_at is not None and delivery.next_try_at is None
    bodies = [json.loads(r["body"]) for r in receiver.to("/flaky")]
    assert {b["id"] for b in bodies} == {delivery.payload["id"]}  # the same event each time
    assert bodies[0]["data"]["message"]["body"] == "We are on it."


def test_a_receiver_that_never_answers_does_not_hold_up_the_request(
    ticket, people, receiver, client_for, settings, django_capture_on_commit_callbacks
):
    """The request only writes the delivery and its task (the task queue in our database, as in
    production); the worker tries it later and gives up waiting after the timeout."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    factories.WebhookFactory(url=receiver.url("/hang"))
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(people.analyst).post(f"/my/tickets/{ticket.reference}/reply/", {"body": "Hello"})
    assert response.status_code == 302
    assert receiver.requests == []  # nothing was sent by the request
    delivery = WebhookDelivery.objects.get(event="message.added")
    assert delivery.attempts == 0 and delivery.next_try_at is not None
    task = DBTaskResult.objects.get(task_path="helpdesk.tasks.deliver_webhooks")
    assert task.args_kwargs["args"] == [[delivery.pk]]

    assert webhooks.deliver_due([delivery.pk], timeout=0.5) == 0  # what the task runs, with a short wait
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and delivery.last_status is None
    assert "timed out" in delivery.last_error.lower() or "timeout" in delivery.last_error.lower()
    assert delivery.next_try_at - delivery.last_tried_at == M  # tried again later
    assert len(receiver.to("/hang")) == 1


def test_a_delivery_is_tried_for_a_day_then_given_up_and_a_manager_sends_it_again(
    ticket, people, receiver, client_for, django_capture_on_commit_callbacks
):
    hook = factories.WebhookFactory(url=receiver.url("/down"), events=["ticket.priority_changed"])
    receiver.answers["/down"] = [503]
    start = timezone.now()
    with time_machine.travel(start, tick=False), django_capture_on_commit_callbacks(execute=True):
        services.change_priority(ticket, by=people.analyst, priority="P1")
    delivery = WebhookDelivery.objects.get()
    pauses = []
    while delivery.next_try_at is not None:
        pauses.append(delivery.next_try_at - delivery.last_tried_at)
        with time_machine.travel(delivery.next_try_at, tick=False):
            webhooks.deliver_due()
        delivery.refresh_from_db()
    assert pauses[:7] == [M, 2 * M, 4 * M, 8 * M, 16 * M, 32 * M, 60 * M]
    assert max(pauses) == 60 * M
    assert delivery.gave_up_at is not None and delivery.gave_up_at >= start + timedelta(hours=24)
    assert delivery.delivered_at is None and delivery.last_status == 503
    assert delivery.attempts == len(receiver.to("/down")) == len(pauses) + 1

    manager = client_for(people.manager)
    page = manager.get(f"/dashboard/webhooks/{hook.pk}/").content.decode()
    assert "ticket.priority_changed" in page and "503" in page and "Given up" in page
    assert manager.get("/dashboard/webhooks/").content.decode().count(hook.url) == 1

    receiver.answers["/down"] = [200]
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(f"/dashboard/webhooks/{hook.pk}/deliveries/{delivery.pk}/again/")
    assert response.status_code == 302
    again = WebhookDelivery.objects.exclude(pk=delivery.pk).get()
    assert again.delivered_at is not None and again.attempts == 1 and again.payload == delivery.payload
    last = receiver.to("/down")[-1]
    assert last["headers"]["X-PromiseDesk-Delivery"] == str(again.pk)
    assert json.loads(last["body"])["id"] == delivery.payload["id"]  # the same event, so receivers can tell


def test_internal_notes_are_never_told(ticket, people, receiver, django_capture_on_commit_callbacks):
    factories.WebhookFactory(url=receiver.url("/all"))
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(ticket, by=people.analyst, body="The requester is the CEO's nephew.", internal=True)
        services.reply(ticket, by=people.analyst, body="Could you restart it?")
    events = [json.loads(r["body"])["event"] for r in receiver.to("/all")]
    assert events == ["message.added"]
    assert all(b"nephew" not in r["body"] for r in receiver.requests)
    assert all("nephew" not in json.dumps(d.payload) for d in WebhookDelivery.objects.all())


def test_a_team_webhook_hears_only_its_team_and_the_event_filter_holds(
    people, policy, receiver, django_capture_on_commit_callbacks
):
    factories.WebhookFactory(url=receiver.url("/ours"), team=people.team)
    factories.WebhookFactory(url=receiver.url("/theirs"), team=people.other_team)
    factories.WebhookFactory(url=receiver.url("/moves"), events=["ticket.moved"])
    factories.WebhookFactory(url=receiver.url("/off"), active=False)
    with django_capture_on_commit_callbacks(execute=True):
        ticket = factories.ticket(requester=people.requester, team=people.team, state="assigned")
    ours = [json.loads(r["body"])["event"] for r in receiver.to("/ours")]
    assert ours == ["ticket.created", "ticket.state_changed", "ticket.assigned"]
    assert receiver.to("/theirs") == [] and receiver.to("/moves") == [] and receiver.to("/off") == []

    with django_capture_on_commit_callbacks(execute=True):
        services.move_team(ticket, by=people.analyst, team=people.other_team)
    [moved] = receiver.to("/moves")
    assert json.loads(moved["body"])["data"] == {"from": "Service Desk", "to": "Infrastructure"}
    assert [json.loads(r["body"])["event"] for r in receiver.to("/theirs")] == ["ticket.moved"]


def test_a_merge_is_told(people, policy, receiver, django_capture_on_commit_callbacks):
    duplicate = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    into = factories.ticket(requester=people.requester, team=people.team, state="in_progress")
    factories.WebhookFactory(url=receiver.url("/merges"), events=["ticket.merged"])
    with django_capture_on_commit_callbacks(execute=True):
        relations.merge(duplicate, into=into, by=people.analyst)
    [merged] = receiver.to("/merges")
    body = json.loads(merged["body"])
    assert body["ticket"]["reference"] == duplicate.reference and body["data"] == {"into": into.reference}


def test_deliveries_roll_back_with_the_change(ticket, people, receiver):
    factories.WebhookFactory(url=receiver.url("/all"))

    class Later(Exception):
        pass

    with pytest.raises(Later), transaction.atomic():
        services.reply(ticket, by=people.analyst, body="This will not stick")
        raise Later
    assert not WebhookDelivery.objects.exists()


def test_one_backoff_rule_for_mail_and_webhooks():
    assert webhooks.pause_after is outbox.pause_after


def test_only_http_and_https_addresses_are_sent_to(db, ticket, people):
    hook = factories.WebhookFactory(url="file:///etc/passwd")
    with transaction.atomic():
        [delivery] = webhooks.queue(webhooks.Event.TICKET_CREATED, ticket)
    assert webhooks.deliver(delivery) is False
    delivery.refresh_from_db()
    assert delivery.gave_up_at is not None and "http" in delivery.last_error
    assert hook.deliveries.count() == 1


# -- the managers' pages ------------------------------------------------------------------------------------


@pytest.fixture
def hook(db):
    return factories.WebhookFactory(url="https://chat.example.org/hooks/desk", description="Team chat")


@pytest.mark.parametrize("who", ["requester", "other_staff", "analyst", "other_analyst", "editor", "manager", None])
@pytest.mark.parametrize("page", ["", "add/", "{pk}/", "{pk}/delete/"])
def test_only_managers_manage_webhooks(people, client_for, hook, who, page):
    person = getattr(people, who) if who else None
    response = client_for(person).get("/dashboard/webhooks/" + page.format(pk=hook.pk))
    expected = {None: 302, "manager": 200}.get(who, 403)
    assert response.status_code == expected


@pytest.mark.parametrize("who", ["requester", "analyst", "editor", None])
def test_only_managers_send_again(people, client_for, hook, ticket, who):
    with transaction.atomic():
        [delivery] = webhooks.queue(webhooks.Event.TICKET_CREATED, ticket)
    before = WebhookDelivery.objects.count()
    person = getattr(people, who) if who else None
    response = client_for(person).post(f"/dashboard/webhooks/{hook.pk}/deliveries/{delivery.pk}/again/")
    assert response.status_code == (302 if who is None else 403)
    assert WebhookDelivery.objects.count() == before


def test_a_manager_adds_a_webhook_and_sees_its_secret_once(people, client_for):
    manager = client_for(people.manager)
    response = manager.post(
        "/dashboard/webhooks/add/",
        {"url": "https://hr.example.org/desk", "description": "HR", "events": ["ticket.created"], "active": "on"},
    )
    hook = Webhook.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/dashboard/webhooks/{hook.pk}/"
    assert len(hook.secret) >= 32 and hook.events == ["ticket.created"] and hook.created_by == people.manager
    first = manager.get(response["Location"]).content.decode()
    assert hook.secret in first and "not shown again" in first
    assert hook.secret not in manager.get(response["Location"]).content.decode()

    # Edit: a typed secret replaces it; deactivating keeps the webhook and stops its deliveries.
    response = manager.post(
        f"/dashboard/webhooks/{hook.pk}/",
        {"url": "https://hr.example.org/desk", "secret": "typed-by-the-manager-1234"},
    )
    hook.refresh_from_db()
    assert response.status_code == 302 and hook.secret == "typed-by-the-manager-1234" and not hook.active
    assert hook.events == []

    response = manager.post(f"/dashboard/webhooks/{hook.pk}/", {"url": hook.url, "new_secret": "on", "active": "on"})
    hook.refresh_from_db()
    assert hook.active and hook.secret != "typed-by-the-manager-1234"
    assert hook.secret in manager.get(response["Location"]).content.decode()

    assert manager.post(f"/dashboard/webhooks/{hook.pk}/delete/").status_code == 302
    assert not Webhook.objects.exists()


@pytest.mark.parametrize(
    "url", ["ftp://files.example.org/drop", "file:///etc/passwd", "javascript:alert(1)", "gopher://x.example.org"]
)
def test_addresses_other_than_http_are_refused(people, client_for, url):
    response = client_for(people.manager).post("/dashboard/webhooks/add/", {"url": url, "active": "on"})
    assert response.status_code == 400
    assert not Webhook.objects.exists()


def test_a_team_or_a_provider_not_both(people, client_for):
    provider = factories.ProviderFactory()
    response = client_for(people.manager).post(
        "/dashboard/webhooks/add/",
        {"url": "https://x.example.org/", "team": people.team.pk, "provider": provider.pk, "active": "on"},
    )
    assert response.status_code == 400 and "not both" in response.content.decode()


@pytest.mark.parametrize("count", [2, 12])
def test_the_list_runs_a_fixed_number_of_queries(people, client_for, django_assert_max_num_queries, count):
    for n in range(count):
        factories.WebhookFactory(url=f"https://x{n}.example.org/", team=people.team if n % 2 else None)
    manager = client_for(people.manager)
    manager.get("/dashboard/webhooks/")  # warm the session and the person's roles
    with django_assert_max_num_queries(6):
        assert manager.get("/dashboard/webhooks/").status_code == 200


def test_work_the_system_gives_out_is_told_as_an_assignment(people, policy):
    """Auto-assignment assigns without a person: receivers hear of it as of any assignment."""
    people.team.auto_assign = "round_robin"
    people.team.save()
    factories.WebhookFactory(events=["ticket.assigned"])
    ticket = factories.ticket(requester=people.requester, team=people.team)
    told = WebhookDelivery.objects.get(ticket=ticket, event="ticket.assigned")
    assert told.payload["ticket"]["reference"] == ticket.reference
    assert ticket.assignee_id == people.analyst.pk


def test_a_new_webhook_is_heard_at_once_though_the_active_ones_are_cached(people, policy):
    factories.ticket(requester=people.requester, team=people.team)  # caches "no webhooks"
    factories.WebhookFactory(events=["ticket.created"])
    ticket = factories.ticket(requester=people.requester, team=people.team)
    assert WebhookDelivery.objects.filter(ticket=ticket, event="ticket.created").count() == 1
