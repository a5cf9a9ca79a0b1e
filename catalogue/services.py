"""Writes for the catalogue: recording what someone asked for, as it was quoted to them.

The ticket for a request is raised in the same transaction by `helpdesk.services.ask_for`, which checks
entitlement on the server and uses the pieces here (the catalogue knows nothing of tickets).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.files.storage import storages
from django.utils.text import get_valid_filename

from catalogue.entitlement import Offer
from catalogue.forms import RequestForm
from catalogue.models import FieldType, RequestType, Submission


class NotEntitled(Exception):
    """The person may not ask for this; `offer` says why and whom to ask."""

    def __init__(self, offer: Offer) -> None:
        super().__init__(offer.reason)
        self.offer = offer


@contextmanager
def saved_files(form: RequestForm) -> Iterator[dict[str, str]]:
    """Save the form's uploads to private storage and give {field key: stored path}.

    When saving fails, or anything in the block does, the files saved so far are deleted again and the
    error goes on: a failed request leaves no files behind.
    """
    saved: dict[str, str] = {}
    storage = storages["private"]  # never served by URL: only through a view that checks who may see it
    try:
        for definition in form.definitions:
            upload = form.cleaned_data.get(definition.key)
            if definition.field_type == FieldType.FILE and upload:
                name = f"requests/{uuid.uuid4().hex}/{get_valid_filename(upload.name)}"
                saved[definition.key] = storage.save(name, upload)
        yield saved
    except Exception:
        for path in saved.values():
            storage.delete(path)
        raise


def record_submission(
    *, request_type: RequestType, requester, raised_by, form: RequestForm, offer: Offer, files: dict[str, str]
) -> Submission:
    """Record a validated request for `requester` with the price and policy quoted in `offer` (their
    offer for `request_type`). The request type's use is read from its submissions
    (`selectors.with_usage`): nothing on the request type is written, so concurrent requests for it do
    not wait on each other.

    Raises NotEntitled when the offer does not admit the requester. One write: call it inside the
    caller's transaction, the one that raises the request's ticket.
    """
    if not offer.entitled:
        raise NotEntitled(offer)
    submission = Submission.objects.create(
        request_type=request_type,
        requester=requester,
        raised_by=raised_by,
        answers=form.answers(files),
        cost_centre_id=requester.cost_centre_id,
        one_off_price=offer.one_off,
        monthly_price=offer.monthly,
        discount=offer.discount,
        policy=offer.policy,
    )
    return submission
