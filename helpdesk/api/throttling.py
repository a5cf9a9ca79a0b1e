"""A rate limit per token: reads and writes counted apart, each at its own rate (API_READ_RATE and
API_WRITE_RATE, "120/minute" and "30/minute" unless set), read when a request comes, not at import."""

from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class _PerToken(SimpleRateThrottle):
    reading: bool

    def __init__(self) -> None:
        pass  # the rate is read in allow_request, from the settings as they are then

    def get_rate(self) -> str | None:
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view) -> bool:
        if (request.method in SAFE_METHODS) != self.reading:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str | None:
        token = request.auth
        if token is None or not hasattr(token, "prefix"):
            return None  # only tokens are limited here; unauthenticated calls are refused anyway
        return self.cache_format % {"scope": self.scope, "ident": token.pk}


class ReadThrottle(_PerToken):
    scope = "api_read"
    reading = True


class WriteThrottle(_PerToken):
    scope = "api_write"
    reading = False
