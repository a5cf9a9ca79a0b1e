"""Asking for something: the form comes from its definition, and the server enforces entitlement."""

from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from catalogue.models import EntitlementRule, RequestType, Submission
from catalogue.selectors import with_usage
from tests.factories import GradeFactory, RequestTypeFactory

EVERY_TYPE = [
    ("Summary", "text", True),
    ("Details", "long_text", False),
    ("Model", "choice", True, "Standard\nPerformance"),
    ("Extras", "multiple_choice", False, "Dock\nHeadset\nMonitor"),
    ("Needed by", "date", True),
    ("How many", "number", True),
    ("Urgent", "yes_no", True),
    ("For whom", "person", True),
    ("Photo", "file", False),
]


NEXT_WEEK = (date.today() + timedelta(days=7)).isoformat()


@pytest.fixture
def laptop(db):
    return RequestTypeFactory(name="New laptop", slug="new-laptop", fields=EVERY_TYPE)


def valid(people, **overrides):
    return {
        "summary": "A laptop",
        "details": "",
        "model": "Performance",
        "extras": ["Dock", "Headset"],
        "needed_by": NEXT_WEEK,
        "how_many": "2",
        "urgent": "no",
        "for_whom": people.other_staff.username,
        **overrides,
    }


def test_the_form_renders_every_field_type_with_labels(people, client_for, laptop):
    html = client_for(people.requester).get("/ask/new-laptop/").content.decode()
    for label in ("Summary", "Details", "Model", "Extras", "Needed by", "How many", "Urgent", "For whom", "Photo"):
        assert f">{label}" in html
    assert 'type="date"' in html and 'type="file"' in html and 'enctype="multipart/form-data"' in html
    assert "€100.00" in html  # the price that applies to the reader


def test_a_valid_request_is_recorded_with_answers_price_and_usage(people, client_for, laptop):
    photo = SimpleUploadedFile("broken.png", b"\x89PNG fake", content_type="image/png")
    response = client_for(people.requester).post("/ask/new-laptop/", {**valid(people), "photo": photo})
    assert response.status_code == 302 and response["Location"].startswith("/my/tickets/REQ-")
    submission = Submission.objects.get()
    answers = submission.answers
    assert answers["model"] == {"label": "Model", "type": "choice", "value": "Performance"}
    assert answers["extras"]["value"] == ["Dock", "Headset"]
    assert answers["needed_by"]["value"] == NEXT_WEEK
    assert answers["how_many"]["value"] == "2"
    assert answers["urgent"]["value"] is False
    assert answers["for_whom"]["value"]["username"] == people.other_staff.username
    private = storages["private"]
    assert private.exists(answers["photo"]["value"]["path"])
    assert (submission.one_off_price, submission.monthly_price) == (Decimal("100.00"), Decimal("10.00"))
    assert submission.requester == people.requester and submission.cost_centre == people.requester.cost_centre
    used = with_usage(RequestType.objects.filter(pk=laptop.pk)).get()
    assert (used.times_used, used.last_used_at) == (1, submission.created_at)
    ticket_url = response["Location"]
    download = f"{ticket_url}answers/photo/"
    assert b"".join(client_for(people.requester).get(download).streaming_content) == b"\x89PNG fake"
    assert client_for(people.other_staff).get(download).status_code == 404
    private.delete(answers["photo"]["value"]["path"])


def test_bad_answers_get_clear_messages_and_keep_what_was_typed(people, client_for, laptop):
    response = client_for(people.requester).post(
        "/ask/new-laptop/", valid(people, summary="", model="Gold", needed_by="tomorrow", for_whom="nobody-here")
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in html
    assert "Select a valid choice. Gold is not one of the available choices." in html
    assert "Enter a valid date." in html
    assert "We can&#x27;t find anyone with that username or email address." in html
    assert 'value="nobody-here"' in html and 'value="2"' in html  # typed values survive
    assert not Submission.objects.exists()


def test_a_date_needed_by_is_never_in_the_past_unless_the_question_is_about_the_past(people, client_for, laptop):
    client = client_for(people.requester)
    today = timezone.localdate(timezone=ZoneInfo(people.requester.time_zone))  # the requester's today
    yesterday = (today - timedelta(days=1)).isoformat()
    refused = client.post("/ask/new-laptop/", valid(people, needed_by=yesterday))
    assert refused.status_code == 400 and "Please choose today or a later date." in refused.content.decode()
    assert f'value="{yesterday}"' in refused.content.decode()  # what was typed stays on the page
    assert f'min="{today.isoformat()}"' in client.get("/ask/new-laptop/").content.decode()
    assert client.post("/ask/new-laptop/", valid(people, needed_by=today.isoformat())).status_code == 302
    laptop.fields.filter(key="needed_by").update(past_dates=True, label="When did it start?")
    assert client.post("/ask/new-laptop/", valid(people, needed_by=yesterday)).status_code == 302
    assert 'min="' not in client.get("/ask/new-laptop/").content.decode()


def test_a_crafted_post_from_someone_not_entitled_is_refused(people, client_for, laptop):
    EntitlementRule.objects.create(request_type=laptop, min_grade=GradeFactory(level=5, name="Director"))
    response = client_for(people.requester).post("/ask/new-laptop/", valid(people))
    assert response.status_code == 403
    html = response.content.decode()
    assert "This is only for grade Director or above." in html
    assert laptop.service.owner_team.email in html  # whom to ask
    assert not Submission.objects.exists()
    assert with_usage(RequestType.objects.filter(pk=laptop.pk)).get().times_used == 0


def test_unknown_or_inactive_request_types_are_404(people, client_for, laptop):
    client = client_for(people.requester)
    assert client.get("/ask/no-such-thing/").status_code == 404
    RequestType.objects.filter(pk=laptop.pk).update(is_active=False)
    assert client.get("/ask/new-laptop/").status_code == 404


def test_anonymous_people_are_asked_to_log_in(client, laptop):
    assert client.get("/ask/new-laptop/")["Location"] == "/accounts/login/?next=/ask/new-laptop/"


def test_only_known_kinds_of_file_are_accepted(people, client_for, laptop):
    page = SimpleUploadedFile("page.html", b"<script>alert(1)</script>", content_type="text/html")
    response = client_for(people.requester).post("/ask/new-laptop/", {**valid(people), "photo": page})
    assert response.status_code == 400
    assert "page.html: we accept only these kinds of file" in response.content.decode()


def test_too_large_a_file_is_refused(people, client_for, laptop, settings):
    from catalogue import forms

    big = SimpleUploadedFile("big.pdf", b"x" * (forms.MAX_UPLOAD_BYTES + 1))
    response = client_for(people.requester).post("/ask/new-laptop/", {**valid(people), "photo": big})
    assert response.status_code == 400
    assert "the largest we accept is 10 MB" in response.content.decode()
