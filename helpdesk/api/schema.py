"""What drf-spectacular documents: our API alone (Wagtail's admin API lives under /admin/ for itself)."""

from __future__ import annotations


def only_ours(endpoints: list) -> list:
    """PREPROCESSING_HOOKS: keep the endpoints under /api/."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith("/api/")]
