"""The API's docs page loads in a real browser under its Content-Security-Policy, from our own static
files: the operations are listed, and the browser refuses nothing and fetches from no other origin."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_api_docs_load_from_our_own_files_under_the_policy(page, live_server):
    refused, elsewhere = [], []
    page.on(
        "console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None
    )
    page.on(
        "request", lambda request: None if request.url.startswith(live_server.url) else elsewhere.append(request.url)
    )
    page.goto("/api/docs/")
    expect(page.get_by_role("heading", name="Promise Desk API")).to_be_visible()
    expect(page.get_by_text("/api/tickets/{reference}/transitions/").first).to_be_visible()
    expect(page.get_by_role("button", name="Authorize")).to_be_visible()
    assert refused == []
    assert elsewhere == []
