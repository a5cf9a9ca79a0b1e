"""A day of each role, in a real browser: the analyst works the queue from the ticket workspace (a
canned reply, a duplicate merged, a major incident resolved with its parts), and the editor publishes a
change to a service page that staff then see on the site."""

import re

import pytest
from playwright.sync_api import expect

from cms.models import CatalogueIndexPage, ServicePage
from helpdesk import services
from helpdesk.models import CannedReply, Ticket
from helpdesk.roles import ensure_role_groups
from tests.factories import (
    ALWAYS_WEEK,
    PASSWORD,
    CalendarFactory,
    PolicyFactory,
    RequestTypeFactory,
    ServiceFactory,
    TeamFactory,
    UserFactory,
    editor,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, username, then=""):
    page.goto(f"/accounts/login/?next={then}" if then else "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def raised(title, requester, service):
    return services.raise_ticket(
        kind="incident", title=title, requester=requester, raised_by=requester, service=service, notify=False
    )


def test_analyst_works_the_queue_from_the_workspace_with_a_canned_reply_a_merge_and_a_major_incident(page):
    page.set_viewport_size({"width": 1280, "height": 900})
    analyst = UserFactory(username="analyst", first_name="Ada", last_name="Lind")
    team = TeamFactory(name="Service Desk", members=[analyst])
    policy = PolicyFactory(name="Standard", is_default=True, calendar=CalendarFactory(week=ALWAYS_WEEK))
    wifi = ServiceFactory(owner_team=team, policy=policy, name="Wi-Fi")
    ines = UserFactory(username="ines", first_name="Ines", last_name="Berg")
    olaf = UserFactory(username="olaf", first_name="Olaf", last_name="Ek")
    outage = raised("No Wi-Fi on floor 3", ines, wifi)
    same = raised("Wi-Fi down on the third floor", olaf, wifi)
    services.reply(same, by=olaf, body="Nothing connects since 9.")
    CannedReply.objects.create(
        team=team, title="Looking into it", body="We are on it and will update you within the hour.", action="start"
    )

    log_in(page, "analyst", then="/desk/")
    page.get_by_role("link", name=outage.reference).click()
    side = page.get_by_role("complementary", name="About this ticket")
    expect(side.get_by_role("heading", name="Requester")).to_be_visible()
    expect(side).to_contain_text("Ines Berg")
    expect(side).to_contain_text(ines.email)

    # A canned reply fills the composer; sending it starts the work and tells the requester.
    # With the script running, choosing is enough: its "Use it" button (for pages without script) goes.
    expect(page.get_by_role("button", name="Use it")).to_be_hidden()
    page.get_by_label("Canned reply").select_option(label="Looking into it")
    words = page.get_by_label("Your words")
    expect(words).to_have_value("We are on it and will update you within the hour.")
    expect(page.get_by_label("And then")).to_have_value("start")
    expect(words).to_have_accessible_description("The requester will see this and get it by email.")
    page.get_by_label("Internal note").check()
    expect(words).to_have_accessible_description("Only your team sees this. The requester does not.")
    page.get_by_label("Reply to the requester").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("status")).to_contain_text("Your reply is sent")
    expect(page.get_by_text("In progress").first).to_be_visible()

    # The other report is the same outage: merged, its words come along.
    page.goto(f"/my/tickets/{same.reference}/")
    page.get_by_label("Merge this duplicate into").fill(outage.reference)
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page).to_have_url(re.compile(f"/my/tickets/{outage.reference}/$"))
    expect(page.get_by_text("Nothing connects since 9.")).to_be_visible()
    expect(page.get_by_role("complementary", name="About this ticket")).to_contain_text("Olaf Ek")

    # It is a major incident; a third report becomes part of it, and resolving it resolves both.
    page.get_by_role("button", name="Declare a major incident").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Major incident")
    third = raised("Laptop can't find any network", UserFactory(username="pia"), wifi)
    page.goto(f"/my/tickets/{third.reference}/")
    page.get_by_label("Another ticket's reference").fill(outage.reference)
    page.get_by_role("button", name="Make this part of it").click()
    expect(page.get_by_text(f"Part of {outage.reference}").first).to_be_visible()
    page.goto(f"/my/tickets/{outage.reference}/")
    expect(page.get_by_text("1 ticket is part of this one")).to_be_visible()
    page.get_by_label("Your words").fill("The access point on floor 3 was replaced.")
    page.get_by_label("And then").select_option(label="Resolve it with these words")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Resolved", exact=True).first).to_be_visible()
    third.refresh_from_db()
    assert third.state == "resolved" and third.resolution == "The access point on floor 3 was replaced."
    assert Ticket.objects.get(pk=same.pk).merged_into_id == outage.pk


def test_editor_publishes_a_change_to_a_service_page_and_staff_see_it(page, home_page):
    page.set_viewport_size({"width": 1280, "height": 900})
    ensure_role_groups()  # an earlier journey's flush took the groups' page permissions away
    editor(username="editor")
    index = home_page.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    laptop = ServiceFactory(name="Laptop", slug="laptop", summary="A managed laptop.")
    service_page = index.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=laptop))

    log_in(page, "editor")
    expect(page).to_have_url(re.compile("/admin/$"))  # editors land in the admin
    page.goto(f"/admin/pages/{service_page.pk}/edit/")
    page.locator("#id_title").fill("Laptops and docking stations")
    page.get_by_role("button", name="More actions").click()
    page.locator("button[name=action-publish]").click()
    expect(page.get_by_text(re.compile("published"))).to_be_visible()

    staff = page.context.browser.new_context(
        base_url=page.url.split("/admin")[0], viewport={"width": 390, "height": 844}
    )
    reader = staff.new_page()
    reader.goto(service_page.url)
    expect(reader.get_by_role("heading", level=1)).to_have_text("Laptops and docking stations")
    staff.close()


def test_a_line_manager_on_a_phone_picks_their_report_as_they_type_and_asks_for_them(page):
    TeamFactory(slug="service-desk")
    PolicyFactory(name="Standard", is_default=True)
    boss = UserFactory(username="boss", first_name="Berit", last_name="Holm")
    olaf = UserFactory(username="olaf", first_name="Olaf", last_name="Ekdahl", line_manager=boss)
    UserFactory(username="oliver", first_name="Oliver", last_name="Okafor")  # not theirs: never offered
    monitor = RequestTypeFactory(name="Second monitor", slug="second-monitor", one_off_price=180, monthly_price=0)

    log_in(page, "boss", then=f"/ask/{monitor.slug}/")
    box = page.get_by_role("combobox", name="For whom?")
    box.press_sequentially("ol")
    options = page.get_by_role("main").get_by_role("option")  # not the language switch at the foot
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Olaf Ekdahl")
    box.press("ArrowDown")
    box.press("Enter")
    expect(box).to_have_value("olaf")
    page.get_by_role("button", name="Show their price and form").click()
    expect(page.get_by_text("You are asking for Olaf Ekdahl")).to_be_visible()
    page.get_by_label("Why do you need it?").fill("Olaf starts on the design team on Monday.")
    page.get_by_role("button", name=re.compile("^Send")).click()
    expect(page.get_by_role("status").first).to_contain_text("Raised for Olaf Ekdahl")
    ticket = Ticket.objects.get()
    assert (ticket.requester_id, ticket.raised_by_id, ticket.request_type_id) == (olaf.pk, boss.pk, monitor.pk)
