"""Real-browser journeys: Playwright drives Debian's Chromium against pytest-django's live server.

Without Chromium the journeys skip with a printed reason, so `make test` passes on a bare machine;
CI sets REQUIRE_BROWSER=1 so that a missing browser fails instead of hiding the journeys.
"""

import os
import shutil

import pytest

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    return candidate if os.path.exists(candidate) else shutil.which("chromium")


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        reason = "Chromium not found at /usr/bin/chromium (apt-get install chromium, or set CHROMIUM=path)"
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls our fixtures make here
    # are still synchronous, so Django's async-safety guard does not apply to them.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def home_page(db):
    """The site's home page, which migrations make: an earlier journey's flush (transactional tests
    empty every table) may have taken it, its root and its locale away, so they are made again."""
    from django.conf import settings
    from wagtail.models import Locale, Page, Site

    from cms.models import HomePage

    home = HomePage.objects.first()
    if home is None:
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.get_first_root_node() or Page.add_root(instance=Page(title="Root", slug="root"))
        home = root.add_child(instance=HomePage(title="Home", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    return home


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
