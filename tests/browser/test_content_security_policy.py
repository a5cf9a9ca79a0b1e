"""Our pages run under a strict Content-Security-Policy with nothing refused, and the Wagtail admin still
works under its own. The browser is the judge: every `securitypolicyviolation` event and every console
error or uncaught script error on a page fails the walk."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cms.models import CatalogueIndexPage, PromisePage, PromisePolicy, PromiseTeam, ServicePage
from helpdesk import services
from tests.factories import (
    PASSWORD,
    PolicyFactory,
    RequestTypeFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    manager,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs in every document before its own scripts (Playwright injects it; no policy applies to it).
LISTEN = """
window.__refused = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__refused.push(`${e.violatedDirective} refused ${e.blockedURI || "inline"} at ${where}`);
});
"""


class Watch:
    """What went wrong on the pages visited: policy refusals, console errors, uncaught errors."""

    def __init__(self, page):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(LISTEN)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"{page.url}: uncaught {error}"))

    def _console(self, message):
        # The browser asks for /favicon.ico on its own; there is none, and no page of ours points there.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"{self.page.url}: console: {message.text}")

    def visit(self, path: str, *, heading: str | None = None):
        response = self.page.goto(path)
        assert response.status < 400, f"{path}: {response.status}"
        self.page.wait_for_load_state("networkidle")
        if heading:
            expect(self.page.get_by_role("heading", level=1)).to_contain_text(heading)
        self.collect()
        return response

    def collect(self):
        self.problems += [f"{self.page.url}: {text}" for text in self.page.evaluate("window.__refused || []")]
        self.page.evaluate("window.__refused = []")


def log_in(page, username: str):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state("networkidle")


def log_out(page):
    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    page.wait_for_load_state("networkidle")


@pytest.fixture
def site(home_page):
    analyst = UserFactory(username="analyst")
    team = TeamFactory(name="Service Desk", slug="service-desk", members=[analyst])
    manager(username="manager")
    requester = UserFactory(username="staff")
    policy = PolicyFactory(name="Standard", is_default=True)
    laptop = ServiceFactory(name="Laptop", slug="laptop", owner_team=team, policy=policy, calendar=policy.calendar)
    RequestTypeFactory(service=laptop, name="New laptop", slug="new-laptop")
    home = home_page
    index = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    index.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=laptop))
    promise = home.add_child(instance=PromisePage(title="Our IT Promise", slug="it-promise"))
    promise.teams = [PromiseTeam(team=team)]
    promise.policies = [PromisePolicy(policy=policy)]
    promise.save_revision().publish()
    ticket = services.raise_ticket(
        kind="incident",
        title="Printer on fire",
        requester=requester,
        raised_by=requester,
        service=laptop,
        at=timezone.now() - timedelta(hours=3),
    )
    services.take(ticket, by=analyst)
    services.reply(ticket, by=analyst, body="Looking at it.")
    services.reply(ticket, by=analyst, body="Fuser model 12.", internal=True)
    return ticket


def test_the_watch_sees_what_the_policy_refuses(page, live_server):
    """The walk below can fail: markup with a style attribute, added to one of our pages, is refused."""
    watch = Watch(page)
    watch.visit("/accounts/login/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">injected</p>')")
    page.wait_for_timeout(200)
    watch.collect()
    assert any("style-src" in problem for problem in watch.problems), watch.problems


def test_our_pages_show_no_policy_refusals_or_script_errors(page, site):
    watch = Watch(page)
    ticket = site.reference

    watch.visit("/", heading="")
    watch.visit("/accounts/login/", heading="Log in")
    watch.visit("/it-promise/", heading="Our IT Promise")
    watch.visit("/services/", heading="Service catalogue")

    log_in(page, "staff")
    watch.collect()
    watch.visit("/services/laptop/", heading="Laptop")
    watch.visit("/ask/new-laptop/", heading="New laptop")
    page.get_by_label("Why do you need it?").fill("Mine is four years old.")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("status")).to_contain_text("We have your request")
    watch.collect()
    watch.visit("/my/")
    watch.visit("/my/report/")
    watch.visit("/my/profile/")
    watch.visit(f"/my/tickets/{ticket}/", heading="Printer on fire")
    log_out(page)

    log_in(page, "analyst")
    # The desk refreshes itself every 30 s with a script of ours (static/js/desk.js): let it run once.
    page.clock.install()
    watch.visit("/desk/")
    with page.expect_response(lambda response: "/desk/" in response.url) as refreshed:
        page.clock.run_for(31_000)
    assert refreshed.value.ok
    watch.collect()
    watch.visit(f"/my/tickets/{ticket}/", heading="Printer on fire")
    page.get_by_text("Cancel this ticket…").click()  # a step's box opens without script
    expect(page.get_by_label("Why cancel it?")).to_be_visible()
    page.get_by_label("Internal note").check()  # the composer's own script (static/js/ticket.js) runs
    expect(page.get_by_label("Your words")).to_have_accessible_description(
        "Only your team sees this. The requester does not."
    )
    watch.collect()
    log_out(page)

    log_in(page, "manager")
    watch.visit("/dashboard/")
    watch.collect()

    assert watch.problems == [], "\n".join(watch.problems)


def test_the_admin_sites_still_work_under_their_own_policy(page, site):
    # A superuser sees everything both admin sites draw (and page permissions do not outlive the
    # flush between browser tests, which an editor's rights depend on).
    UserFactory(username="root", is_superuser=True, is_staff=True)
    watch = Watch(page)
    promise = PromisePage.objects.get(slug="it-promise")

    page.goto("/admin/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    watch.collect()

    watch.visit("/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    watch.visit(f"/admin/pages/{promise.pk}/edit/")
    title = page.get_by_role("textbox", name="Title*")
    expect(title).to_have_value("Our IT Promise")
    title.fill("Our IT Promise, kept")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status")).to_contain_text("updated")
    # Its inline panels are built by script: one more team row appears when asked for.
    teams = page.locator("select[name$='-team']")
    before = teams.count()
    page.get_by_role("button", name="Add team").first.click()
    expect(teams).to_have_count(before + 1)
    watch.collect()

    watch.visit("/django-admin/")
    watch.visit("/django-admin/helpdesk/user/")
    watch.visit("/django-admin/helpdesk/user/add/")

    assert watch.problems == [], "\n".join(watch.problems)
