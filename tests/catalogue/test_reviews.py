"""The yearly review of services and forms: the queue, recording a review, retiring, owners' reminders."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogue import reviews
from catalogue.models import Review, Service, Submission
from helpdesk.models import Mail
from helpdesk.review_reminders import send_review_reminders
from tests import factories

TODAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, tzinfo=UTC)


@pytest.fixture
def today(db):
    with time_machine.travel(NOON, tick=False):
        yield TODAY


def used(request_type, *, at: datetime, times: int = 1) -> None:
    """`times` submissions of `request_type` made at `at` (its uses)."""
    person = factories.UserFactory()
    for _ in range(times):
        made = Submission.objects.create(
            request_type=request_type,
            requester=person,
            raised_by=person,
            one_off_price=0,
            monthly_price=0,
        )
        Submission.objects.filter(pk=made.pk).update(created_at=at)


@pytest.fixture
def catalogue(today):
    """Services and forms at every stage of their review, on TODAY."""
    overdue = factories.ServiceFactory(name="Wi-Fi", review_date=TODAY - timedelta(days=5))
    soon = factories.ServiceFactory(name="Laptops", review_date=TODAY + timedelta(days=10))
    later = factories.ServiceFactory(name="Printing", review_date=TODAY + timedelta(days=200))
    busy_form = factories.RequestTypeFactory(
        name="Guest access", service=overdue, form_review_date=TODAY + timedelta(days=300)
    )
    used(busy_form, at=NOON - timedelta(days=20), times=3)
    used(busy_form, at=NOON - timedelta(days=400))  # more than twelve months ago: not counted
    unused_form = factories.RequestTypeFactory(
        name="Colour printer", service=later, form_review_date=TODAY + timedelta(days=60)
    )
    used(unused_form, at=NOON - timedelta(days=370))
    due_form = factories.RequestTypeFactory(name="New laptop", service=soon, form_review_date=TODAY)
    used(due_form, at=NOON - timedelta(days=1))
    # Out of the catalogue: never in the queue however overdue.
    gone = factories.ServiceFactory(name="Fax", review_date=TODAY - timedelta(days=90), status=Service.Status.RETIRED)
    factories.RequestTypeFactory(name="Fax line", service=gone, form_review_date=TODAY - timedelta(days=90))
    factories.RequestTypeFactory(
        name="Old form", service=later, form_review_date=TODAY - timedelta(days=90), is_active=False
    )
    return {"overdue": overdue, "soon": soon, "later": later, "busy": busy_form, "unused": unused_form, "due": due_form}


def _names(rows) -> list[str]:
    return [str(row.thing) for row in rows]


def test_queue_lists_overdue_and_due_soon_first_with_uses(catalogue, today):
    rows = reviews.review_queue(today=today)
    assert _names(rows) == ["Wi-Fi", "Laptops: New laptop", "Laptops"]
    wifi, laptop_form, laptops = rows
    assert wifi.overdue and wifi.days_left == -5 and not wifi.due_soon
    assert laptop_form.kind == reviews.Kind.FORM and laptop_form.due_soon and laptop_form.days_left == 0
    assert laptops.due_soon and laptops.days_left == 10
    assert wifi.uses == 3  # its form's uses in the last twelve months
    assert laptop_form.uses == 1 and not laptop_form.unused
    assert reviews.overdue_count(today=today) == 1


def test_queue_flags_unused_forms(catalogue, today):
    rows = {str(row.thing): row for row in reviews.review_queue(today=today, show=reviews.Show.UNUSED)}
    # Colour printer was last used 370 days ago; Printing's only open form is that one.
    assert set(rows) == {"Printing: Colour printer", "Printing"}
    assert rows["Printing: Colour printer"].unused and rows["Printing: Colour printer"].uses == 0
    everything = reviews.review_queue(today=today, show=reviews.Show.ALL)
    assert len(everything) == 6
    assert [row.unused for row in everything if row.thing == catalogue["busy"]] == [False]


def test_owner_is_the_form_owner_then_service_owner_then_lead_then_team_address(db):
    team = factories.TeamFactory(email="desk@example.org")
    service = factories.ServiceFactory(owner_team=team)
    form = factories.RequestTypeFactory(service=service)
    assert reviews.owner_of(form).addresses == ("desk@example.org",)
    team.lead = factories.UserFactory(email="lead@example.org")
    team.save()
    service.refresh_from_db()
    assert reviews.owner_of(service).addresses == ("lead@example.org",)
    service.service_owner = factories.UserFactory(email="owner@example.org")
    form.form_owner = factories.UserFactory(email="form@example.org")
    form.service = service
    assert reviews.owner_of(service).addresses == ("owner@example.org",)
    assert reviews.owner_of(form).addresses == ("form@example.org",)


def test_recording_a_review_moves_the_date_a_year_on_and_keeps_the_review(catalogue, today, people):
    review = reviews.record_review(
        catalogue["overdue"], outcome=Review.Outcome.KEPT, note="Still needed by visitors.", by=people.editor
    )
    wifi = Service.objects.get(pk=catalogue["overdue"].pk)
    assert wifi.review_date == date(2027, 3, 10)
    assert review.next_review_on == date(2027, 3, 10)
    assert (review.service, review.reviewed_by, review.uses_in_year) == (wifi, people.editor, 3)
    assert "Wi-Fi" not in _names(reviews.review_queue(today=today))
    row = next(r for r in reviews.review_queue(today=today, show=reviews.Show.ALL) if r.thing == wifi)
    assert row.last_outcome == Review.Outcome.KEPT and row.last_reviewed_at == NOON


def test_recording_a_review_with_a_chosen_date(catalogue, today, people):
    reviews.record_review(
        catalogue["due"],
        outcome=Review.Outcome.CHANGED,
        note="Asks for the cost centre now.",
        by=people.editor,
        next_review_on=date(2026, 9, 1),
    )
    catalogue["due"].refresh_from_db()
    assert catalogue["due"].form_review_date == date(2026, 9, 1)
    assert catalogue["due"].reviews.get().uses_in_year == 1


def test_a_next_review_not_after_today_is_refused_and_nothing_changes(catalogue, today, people):
    with pytest.raises(ValidationError):
        reviews.record_review(
            catalogue["due"], outcome=Review.Outcome.KEPT, note="ok", by=people.editor, next_review_on=TODAY
        )
    with pytest.raises(ValidationError):
        reviews.record_review(catalogue["due"], outcome=Review.Outcome.KEPT, note="  ", by=people.editor)
    assert not Review.objects.exists()


def test_retired_service_and_form_leave_the_catalogue(catalogue, today, people):
    reviews.record_review(catalogue["soon"], outcome=Review.Outcome.RETIRED, note="Replaced.", by=people.editor)
    reviews.record_review(catalogue["unused"], outcome=Review.Outcome.RETIRED, note="Nobody asks.", by=people.editor)
    assert not Service.objects.offered().filter(pk=catalogue["soon"].pk).exists()
    catalogue["unused"].refresh_from_db()
    assert catalogue["unused"].is_active is False
    names = _names(reviews.review_queue(today=today, show=reviews.Show.ALL))
    assert "Laptops" not in names and "New laptop" not in " ".join(names)
    assert "Printing: Colour printer" not in names
    assert Review.objects.filter(outcome=Review.Outcome.RETIRED, next_review_on=None).count() == 2


# -- reminders --------------------------------------------------------------------------------------------


def _reminders():
    return list(Mail.objects.filter(purpose=Mail.Purpose.OTHER, subject__startswith="[review ").order_by("pk"))


def test_reminders_once_30_days_before_and_once_when_overdue(db):
    owner = factories.UserFactory(email="owner@example.org")
    due = date(2026, 6, 1)
    service = factories.ServiceFactory(name="VPN", review_date=due, service_owner=owner)
    Service.objects.exclude(pk=service.pk).delete()
    with time_machine.travel(datetime(2026, 5, 1, 8, tzinfo=UTC), tick=False):  # 31 days before
        assert send_review_reminders() == 0
    with time_machine.travel(datetime(2026, 5, 2, 8, tzinfo=UTC), tick=False):  # 30 days before
        assert send_review_reminders() == 1
        assert send_review_reminders() == 0
    with time_machine.travel(datetime(2026, 5, 20, 8, tzinfo=UTC), tick=False):
        assert send_review_reminders() == 0
    with time_machine.travel(datetime(2026, 6, 1, 8, tzinfo=UTC), tick=False):  # due today: not overdue yet
        assert send_review_reminders() == 0
    with time_machine.travel(datetime(2026, 6, 2, 8, tzinfo=UTC), tick=False):
        assert send_review_reminders() == 1
    with time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        assert send_review_reminders() == 0
    soon, overdue = _reminders()
    assert soon.to == overdue.to == ["owner@example.org"]
    assert soon.subject.startswith(f"[review service-{service.pk} 2026-06-01 soon]")
    assert overdue.subject.startswith(f"[review service-{service.pk} 2026-06-01 overdue]")
    assert "VPN" in soon.body and "/admin/reviews/" in soon.body
    # Reviewed: the date moves a year on, and next year's reminders come again.
    with time_machine.travel(datetime(2026, 7, 2, 8, tzinfo=UTC), tick=False):
        reviews.record_review(service, outcome=Review.Outcome.KEPT, note="Fine.", by=owner)
    with time_machine.travel(datetime(2027, 6, 2, 8, tzinfo=UTC), tick=False):  # 30 days before 2 July
        assert send_review_reminders() == 1


def test_reminders_survive_the_pruning_of_sent_mail(db):
    from helpdesk.tasks import prune_task_results

    factories.ServiceFactory(review_date=date(2026, 6, 1), owner_team=factories.TeamFactory())
    Service.objects.exclude(review_date=date(2026, 6, 1)).delete()
    with time_machine.travel(datetime(2026, 5, 2, 8, tzinfo=UTC), tick=False):
        assert send_review_reminders() == 1
    Mail.objects.update(sent_at=datetime(2026, 5, 2, 8, tzinfo=UTC), next_try_at=None)
    with time_machine.travel(datetime(2026, 5, 30, 8, tzinfo=UTC), tick=False):
        prune_task_results.call()
        assert len(_reminders()) == 1
        assert send_review_reminders() == 0


def test_no_address_no_reminder(db):
    service = factories.ServiceFactory(review_date=date(2026, 6, 1), owner_team=factories.TeamFactory(email=""))
    Service.objects.exclude(pk=service.pk).delete()
    with time_machine.travel(datetime(2026, 6, 5, 8, tzinfo=UTC), tick=False):
        assert send_review_reminders() == 0


# -- the admin queue --------------------------------------------------------------------------------------

QUEUE = "/admin/reviews/"


@pytest.mark.parametrize(("who", "status"), [("editor", 200), ("manager", 200), ("requester", 302), ("analyst", 302)])
def test_queue_by_role(who, status, people, client_for, catalogue):
    response = client_for(getattr(people, who)).get(QUEUE)
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "Wi-Fi" in page and "Laptops" in page and "Printing" not in page
        assert "Overdue by 5 days" in page
        assert "Reviews due" in client_for(getattr(people, who)).get("/admin/").content.decode()  # the menu


def test_queue_refuses_an_admin_user_without_review_rights(people, client_for, catalogue):
    from django.contrib.auth.models import Permission

    people.other_staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client = client_for(people.other_staff)
    # Wagtail turns a refusal inside its admin into a redirect to the dashboard with a message.
    assert client.get(QUEUE)["Location"] == "/admin/"
    url = f"{QUEUE}service/{catalogue['overdue'].pk}/"
    assert client.post(url, {"outcome": "kept", "note": "x"})["Location"] == "/admin/"
    assert not Review.objects.exists()
    assert "Reviews due" not in client.get("/admin/").content.decode()


def test_queue_shows_unused_forms_flagged(people, client_for, catalogue):
    page = client_for(people.editor).get(QUEUE, {"show": "unused"}).content.decode()
    assert "Colour printer" in page and "Unused" in page
    assert client_for(people.editor).get(QUEUE, {"show": "nonsense"}).status_code == 200


def test_recording_a_review_in_the_admin(people, client_for, catalogue, today):
    client = client_for(people.editor)
    url = f"{QUEUE}form/{catalogue['due'].pk}/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"outcome": "changed", "note": "Fewer questions.", "next_review_on": "2026-12-01"})
    assert response.status_code == 302
    catalogue["due"].refresh_from_db()
    assert catalogue["due"].form_review_date == date(2026, 12, 1)
    assert Review.objects.get().reviewed_by == people.editor


def test_a_review_that_does_not_validate_keeps_what_was_typed(people, client_for, catalogue, today):
    client = client_for(people.editor)
    url = f"{QUEUE}service/{catalogue['overdue'].pk}/"
    response = client.post(url, {"outcome": "kept", "note": "Keep it, users like it.", "next_review_on": "2026-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Keep it, users like it." in page and "must be after today" in page
    assert client.post(url, {"outcome": "nope", "note": "x", "next_review_on": "2026-02-30"}).status_code == 400
    assert not Review.objects.exists()


@pytest.mark.parametrize("path", ["service/99999/", "form/1" + "0" * 40 + "/", "thing/1/", "service/²/"])
def test_unknown_things_are_404(path, people, client_for, catalogue):
    assert client_for(people.editor).get(QUEUE + path).status_code == 404


def test_retired_things_cannot_be_reviewed_again(people, client_for, catalogue, today):
    reviews.record_review(catalogue["soon"], outcome=Review.Outcome.RETIRED, note="Gone.", by=people.editor)
    assert client_for(people.editor).get(f"{QUEUE}service/{catalogue['soon'].pk}/").status_code == 404


def test_queue_queries_do_not_grow_with_rows(people, client_for, today):
    client = client_for(people.editor)

    def queries_for_queue() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(QUEUE, {"show": "all"}).status_code == 200
        return len(queries)

    for _ in range(2):
        form = factories.RequestTypeFactory(form_review_date=TODAY, service__review_date=TODAY)
        used(form, at=NOON - timedelta(days=3))
    few = queries_for_queue()
    for _ in range(20):
        form = factories.RequestTypeFactory(form_review_date=TODAY, service__review_date=TODAY)
        used(form, at=NOON - timedelta(days=3))
    many = queries_for_queue()
    assert many == few
    assert "Record a review of" in client.get(QUEUE).content.decode()
