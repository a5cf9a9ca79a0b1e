"""Every error of the API as RFC 9457 problem details (`application/problem+json`): `type`, `title`,
`status`, `detail`, and `errors` (one per field: its path and what is wrong) when input did not validate.
One exception handler makes them, for DRF's errors, Django's 404 and 403 and our Refused."""

from __future__ import annotations

from http import HTTPStatus

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler

from helpdesk.services import Refused

CONTENT_TYPE = "application/problem+json"
# Our kinds of problem, each a stable URI (RFC 9457 §3.1.1); anything else is "about:blank", whose
# title is the HTTP status's.
TYPES = {
    "invalid": "urn:promise-desk:problem:invalid",
    "refused": "urn:promise-desk:problem:refused",
    "not_authenticated": "urn:promise-desk:problem:not-authenticated",
    "authentication_failed": "urn:promise-desk:problem:token-refused",
    "read_only_token": "urn:promise-desk:problem:read-only-token",
    "throttled": "urn:promise-desk:problem:rate-limited",
}


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as a flat list of {"field": "a.b.0", "detail": "..."}."""
    if isinstance(detail, dict):
        return [error for key, value in detail.items() for error in _flatten(value, f"{path}.{key}" if path else key)]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [{"field": path or None, "detail": str(item)} for item in detail]
        return [error for i, item in enumerate(detail) for error in _flatten(item, f"{path}.{i}" if path else str(i))]
    return [{"field": path or None, "detail": str(detail)}]


def problem(status: int, *, detail: str, kind: str | None = None, errors: list[dict] | None = None) -> dict:
    body = {
        "type": TYPES.get(kind or "", "about:blank"),
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return body


def handle(exc, context):
    """DRF's EXCEPTION_HANDLER: the same statuses and headers (WWW-Authenticate, Retry-After) as DRF's
    own handler, with a problem-details body. Anything unforeseen is left to Django (a 500, logged)."""
    if isinstance(exc, Refused):
        exc = _refusal(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
    if isinstance(exc, serializers.ValidationError):
        errors = _flatten(exc.detail)
        response.data = problem(
            response.status_code,
            detail=_("The request did not validate: see errors."),
            kind="invalid",
            errors=errors,
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        kind = code if isinstance(code, str) else None
        if isinstance(exc, RefusedProblem):
            kind = "refused"
        response.data = problem(response.status_code, detail=str(detail), kind=kind)
    response.content_type = CONTENT_TYPE
    return response


class RefusedProblem(exceptions.APIException):
    """Our services' Refused, with its own status (400, 403 or 409) and message."""

    default_code = "refused"

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status_code = status


def _refusal(refused: Refused) -> RefusedProblem:
    return RefusedProblem(refused.message, refused.status)


@csrf_exempt  # any method: a post to nowhere is a 404 too, not the CSRF failure page
def not_found(request, *args, **kwargs) -> JsonResponse:
    """An address under /api/ that names nothing: a problem, not the site's HTML 404 page."""
    body = problem(404, detail=_("There is nothing at this address of the API."))
    return JsonResponse(body, status=404, content_type=CONTENT_TYPE)
