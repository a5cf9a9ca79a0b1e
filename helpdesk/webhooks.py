"""Webhooks: other systems told of ticket events, each delivery signed, sent by the worker, never by a request.

`queue` writes one WebhookDelivery per matching active webhook in the caller's transaction (so the
event and the change commit or roll back together) and asks the worker to send them once committed.
`deliver_due` claims due deliveries (two workers never send one twice) and POSTs each outside any
transaction with a short timeout; a 2xx answer is delivered, anything else is tried again after the
outbox's own growing pause (`outbox.pause_after`: one rule for mail and webhooks) for 24 hours, then
given up. Every try keeps the receiver's status and the start of its answer. `redeliver` sends a
delivery again, as a new delivery of the same event.

What a receiver gets (documented in the README, "Webhooks"):

    POST <url>
    Content-Type: application/json
    X-PromiseDesk-Event: ticket.state_changed
    X-PromiseDesk-Delivery: <delivery id>
    X-PromiseDesk-Timestamp: <Unix seconds of this try>
    X-PromiseDesk-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed with the secret>

    {"event": ..., "id": <the event's id, the same on a redelivery>, "occurred_at": ..., "ticket": {...},
     "data": {...}}
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from config.tasks import enqueue_with_change
from helpdesk.models import Message, Ticket, Webhook, WebhookDelivery
from helpdesk.outbox import CLAIM_FOR, SWEEP_FOR, claim, pause_after

logger = logging.getLogger(__name__)

RETRY_FOR = timedelta(hours=24)
TIMEOUT_SECONDS = 5  # connecting, and each wait for the receiver's answer
RESPONSE_LIMIT = 2_000  # characters of the receiver's answer kept with each try
ERROR_LIMIT = 1_000
SCHEMES = ("http", "https")
USER_AGENT = "PromiseDesk-Webhook/1"


class Event(models.TextChoices):
    """What a webhook can be told of; the value is the `event` of the payload and its header."""

    TICKET_CREATED = "ticket.created", _("A ticket was raised")
    TICKET_STATE_CHANGED = "ticket.state_changed", _("A ticket moved to another state")
    TICKET_ASSIGNED = "ticket.assigned", _("A ticket was assigned")
    TICKET_PRIORITY_CHANGED = "ticket.priority_changed", _("A ticket's priority changed")
    TICKET_MOVED = "ticket.moved", _("A ticket moved to another team")
    MESSAGE_ADDED = "message.added", _("A public reply was added (never internal notes)")
    TICKET_MERGED = "ticket.merged", _("A ticket was merged into another")
    PROVIDER_CASE_OPENED = "provider.case_opened", _("A case was handed to the provider (provider webhooks)")


# Told only to the webhooks of the ticket's provider (Webhook.provider): the provider's hand-off.
HANDOFF_EVENTS = frozenset({Event.PROVIDER_CASE_OPENED})


def valid_url(url: str) -> bool:
    """Whether deliveries can go to `url`: an http or https address with a host (no file:, ftp:, ...)."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in SCHEMES and bool(parts.hostname)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header's value: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>`."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


ACTIVE_KEY = "webhooks:active"


def _active() -> list[Webhook]:
    """The active webhooks, kept in the cache (a handful of rows read on every change of every ticket)
    until one is saved or deleted (forget_active)."""
    hooks = cache.get(ACTIVE_KEY)
    if hooks is None:
        hooks = list(Webhook.objects.filter(active=True).order_by("pk"))
        cache.set(ACTIVE_KEY, hooks, 3600)
    return hooks


@receiver([post_save, post_delete], sender=Webhook, dispatch_uid="helpdesk.webhooks.forget_active")
def forget_active(**kwargs) -> None:
    """Now, and again once the change commits (a reader in between may have cached the old rows)."""
    cache.delete(ACTIVE_KEY)
    transaction.on_commit(lambda: cache.delete(ACTIVE_KEY))


def matching(event: str, ticket: Ticket) -> list[Webhook]:
    """The active webhooks told of `event` on `ticket`: a hand-off event goes to the webhooks of the
    ticket's service's provider only; any other to the webhooks of no provider that are for every team
    or for the ticket's team. A webhook with a list of events hears only those. No query once the
    active webhooks are cached."""
    if event in HANDOFF_EVENTS:
        provider_id = ticket.service.provider_id if ticket.service_id else None
        if provider_id is None:
            return []
        hooks = [hook for hook in _active() if hook.provider_id == provider_id]
    else:
        hooks = [hook for hook in _active() if hook.provider_id is None and hook.team_id in (None, ticket.team_id)]
    return [hook for hook in hooks if not hook.events or event in hook.events]


def payload(event: str, ticket: Ticket, *, at: datetime, data: dict) -> dict:
    """The small, stable body every receiver gets: keys are never renamed, only added."""
    requester = ticket.requester
    return {
        "event": str(event),
        "id": str(uuid.uuid4()),
        "occurred_at": at.isoformat(),
        "ticket": {
            "reference": ticket.reference,
            "title": ticket.title,
            "state": ticket.state,
            "priority": ticket.priority,
            "team": ticket.team.name,
            "service": ticket.service.name if ticket.service_id else None,
            "requester": requester.get_full_name() or requester.get_username(),
            "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse("ticket", args=[ticket.reference]),
        },
        "data": data,
    }


def queue(event: str, ticket: Ticket, *, at: datetime | None = None, **data) -> list[WebhookDelivery]:
    """Write a delivery of `event` on `ticket` (with `data`, JSON-ready) for each matching webhook, in
    the current transaction, and ask the worker to send them after the commit. Returns the deliveries
    (none when no webhook listens: then nothing else is done)."""
    hooks = matching(event, ticket)
    if not hooks:
        return []
    now = timezone.now()
    body = payload(event, ticket, at=at or now, data=data)
    rows = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            webhook=hook,
            event=str(event),
            payload=body,
            ticket=ticket,
            created_at=now,
            next_try_at=now,
            retry_until=now + RETRY_FOR,
        )
        for hook in hooks
    )
    ids = [row.pk for row in rows] if all(row.pk for row in rows) else None
    _ask_worker(ids)
    return rows


def _ask_worker(ids: list[int] | None) -> None:
    """As the outbox does: the rows are stored whatever happens to this request, and the periodic sweep
    sends them if the worker never hears of them."""
    from helpdesk.tasks import deliver_webhooks

    enqueue_with_change(deliver_webhooks, ids)


# -- the events services emit, one call each -------------------------------------------------------------


def transition(ticket: Ticket, *, action: str, source: str, at: datetime) -> None:
    """A lifecycle transition (services.perform): ticket.state_changed, and ticket.assigned for `assign`."""
    queue(Event.TICKET_STATE_CHANGED, ticket, at=at, **{"from": source, "to": ticket.state, "action": action})
    if action == "assign" and ticket.assignee_id:
        assigned(ticket, at=at)


def assigned(ticket: Ticket, *, at: datetime) -> None:
    person = ticket.assignee
    queue(Event.TICKET_ASSIGNED, ticket, at=at, assignee={"username": person.get_username(), "name": str(person)})


def message_added(message: Message) -> None:
    """message.added for a public reply; an internal note is never told to anyone outside the team."""
    if message.internal:
        return
    author = message.author
    queue(
        Event.MESSAGE_ADDED,
        message.ticket,
        at=message.created_at,
        message={
            "id": message.pk,
            "author": str(author),
            "from_requester_side": author.pk in (message.ticket.requester_id, message.ticket.raised_by_id),
            "body": message.body,
        },
    )


# -- sending ---------------------------------------------------------------------------------------------


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a delivery: it is recorded and tried again, never followed (a POST
    turned into a GET somewhere else tells nobody anything)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver_due(
    ids: list[int] | None = None, *, now: datetime | None = None, limit: int = 100, timeout: float = TIMEOUT_SECONDS
) -> int:
    """Try the due deliveries among `ids` (or every due one, batch after batch, for up to a minute);
    returns how many the receivers took (2xx). `now` fixes the clock (tests); else each try is dated
    when it happens. `timeout`: seconds to wait on each receiver (to connect, and for each read)."""
    clock: Callable[[], datetime] = (lambda: now) if now else timezone.now
    started = time.monotonic()
    taken = 0
    while True:
        rows = claim(WebhookDelivery, ids, clock(), limit)
        stop_at = time.monotonic() + CLAIM_FOR.total_seconds() / 2
        for index, row in enumerate(rows):
            if time.monotonic() > stop_at:  # near the end of the claim: hand the rest back untried
                WebhookDelivery.objects.filter(pk__in=[r.pk for r in rows[index:]]).update(next_try_at=clock())
                return taken
            taken += deliver(row, now=clock(), timeout=timeout)
        done = ids is not None or len(rows) < limit
        if done or time.monotonic() - started > SWEEP_FOR.total_seconds():
            return taken


def deliver(delivery: WebhookDelivery, *, now: datetime | None = None, timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST `delivery` to its webhook once and record the try; True when the receiver answered 2xx.

    Call it outside a transaction (it waits on the network, up to `timeout` seconds to connect and
    again for each read). A failure schedules the next try after `outbox.pause_after(attempts)`, or gives the
    delivery up once its `retry_until` has passed, or at once when its address cannot be sent to.
    """
    now = now or timezone.now()
    hook = delivery.webhook
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    timestamp = str(int(now.timestamp()))
    status, answer, error = None, "", ""
    if not valid_url(hook.url):
        return _failed(delivery, now, status, answer, "only http and https addresses are sent to", hopeless=True)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        hook.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-PromiseDesk-Event": delivery.event,
            "X-PromiseDesk-Delivery": str(delivery.pk),
            "X-PromiseDesk-Timestamp": timestamp,
            "X-PromiseDesk-Signature": sign(hook.secret, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status, answer = response.status, _read(response)
    except urllib.error.HTTPError as refusal:  # an answer, just not a 2xx one
        status, answer = refusal.code, _read(refusal)
        error = f"HTTP {refusal.code} {refusal.reason}"
    except (OSError, http.client.HTTPException, ValueError) as failure:  # refused, unreachable, timed out
        error = f"{type(failure).__name__}: {failure}"
    if status is not None and 200 <= status < 300:
        _delivered(delivery, now, status, answer)
        return True
    return _failed(delivery, now, status, answer, error or f"HTTP {status}")


def _read(response) -> str:
    try:
        return response.read(RESPONSE_LIMIT * 4).decode("utf-8", "replace")[:RESPONSE_LIMIT]
    except (OSError, http.client.HTTPException):
        return ""


def _delivered(delivery: WebhookDelivery, now: datetime, status: int, answer: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=delivery.attempts + 1,
        last_tried_at=now,
        last_status=status,
        last_response=answer,
        last_error="",
        delivered_at=now,
        next_try_at=None,
    )
    if delivery.event == Event.PROVIDER_CASE_OPENED and delivery.ticket_id:
        from helpdesk import handoff  # handoff queues through this module

        handoff.reference_from_answer(delivery.ticket_id, answer, at=now)


def _failed(
    delivery: WebhookDelivery, now: datetime, status: int | None, answer: str, error: str, *, hopeless: bool = False
) -> bool:
    attempts = delivery.attempts + 1
    retry_at = now + pause_after(attempts)
    gave_up = hopeless or now >= delivery.retry_until
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        attempts=attempts,
        last_tried_at=now,
        last_status=status,
        last_response=answer,
        last_error=error[:ERROR_LIMIT],
        next_try_at=None if gave_up else min(retry_at, max(delivery.retry_until, now)),
        gave_up_at=now if gave_up else None,
    )
    if gave_up:
        logger.error("Gave up on webhook delivery %s after %s tries: %s", delivery.pk, attempts, error)
    else:
        logger.warning("Webhook delivery %s failed (try %s), again at %s: %s", delivery.pk, attempts, retry_at, error)
    return False


def redeliver(delivery: WebhookDelivery, *, now: datetime | None = None) -> WebhookDelivery:
    """Send `delivery`'s event again now, as a new delivery (with its own id and a fresh day of tries)
    of the same payload: the event's `id` stays, so a receiver that took it already can tell."""
    now = now or timezone.now()
    with transaction.atomic():
        again = WebhookDelivery.objects.create(
            webhook_id=delivery.webhook_id,
            event=delivery.event,
            payload=delivery.payload,
            ticket_id=delivery.ticket_id,
            created_at=now,
            next_try_at=now,
            retry_until=now + RETRY_FOR,
        )
        _ask_worker([again.pk])
    return again


def recent(webhook: Webhook, *, limit: int = 50):
    """A webhook's latest deliveries, newest first: what its page lists."""
    return webhook.deliveries.select_related("ticket").order_by("-created_at", "-pk")[:limit]
