"""Writes for the catalogue: asking for something. Atomic; the server re-checks entitlement itself."""

from __future__ import annotations

import uuid

from django.core.files.storage import storages
from django.db import transaction
from django.utils.text import get_valid_filename

from catalogue.entitlement import Offer
from catalogue.forms import RequestForm
from catalogue.models import FieldType, RequestType, Submission
from catalogue.selectors import OfferBook


class NotEntitled(Exception):
    """The person may not ask for this; `offer` says why and whom to ask."""

    def __init__(self, offer: Offer) -> None:
        super().__init__(offer.reason)
        self.offer = offer


def submit_request(*, request_type: RequestType, requester, raised_by, form: RequestForm) -> Submission:
    """Record a validated request for `requester` with the price and policy quoted to them.

    Raises NotEntitled when the rules do not admit the requester (whatever the page showed). Uploaded
    files are saved first and removed again if the database write fails, so nothing is left half-done.
    """
    book = OfferBook(requester)
    offer = book.offer(request_type)
    if not offer.entitled:
        raise NotEntitled(offer)
    saved: dict[str, str] = {}
    storage = storages["private"]  # never served by URL: only through a view that checks who may see it
    try:
        for definition in form.definitions:
            upload = form.cleaned_data.get(definition.key)
            if definition.field_type == FieldType.FILE and upload:
                name = f"requests/{uuid.uuid4().hex}/{get_valid_filename(upload.name)}"
                saved[definition.key] = storage.save(name, upload)
        with transaction.atomic():
            submission = Submission.objects.create(
                request_type=request_type,
                requester=requester,
                raised_by=raised_by,
                answers=form.answers(saved),
                cost_centre_id=requester.cost_centre_id,
                one_off_price=offer.one_off,
                monthly_price=offer.monthly,
                discount=offer.discount,
                policy=offer.policy,
            )
            request_type.record_use()
    except Exception:
        for path in saved.values():
            storage.delete(path)
        raise
    return submission
