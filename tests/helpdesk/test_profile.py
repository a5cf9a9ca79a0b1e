import datetime as dt

from django.template import Context, Template
from django.utils import timezone


def test_a_person_sets_their_time_zone_and_sees_times_in_it(people, client_for):
    client = client_for(people.requester)
    response = client.post("/my/profile/", {"time_zone": "America/Chicago", "language": "", "phone": "+1 312 555 0100"})
    assert response.status_code == 302
    people.requester.refresh_from_db()
    assert people.requester.time_zone == "America/Chicago"
    assert "Times are shown in America/Chicago" in client.get("/my/").content.decode()


def test_a_bad_time_zone_is_refused_and_what_was_typed_is_kept(people, client_for):
    response = client_for(people.requester).post(
        "/my/profile/", {"time_zone": "Mars/Olympus", "language": "", "phone": "+46 8 123 456"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert 'value="+46 8 123 456"' in html


def test_active_zone_converts_stored_utc_on_display(people, client_for):
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    with timezone.override("Europe/Stockholm"):
        rendered = Template("{{ moment|date:'H:i' }}").render(Context({"moment": moment}))
    assert rendered == "14:00"


def test_a_saved_language_wins_over_the_browser(people, client_for):
    people.requester.language = "de"
    people.requester.save()
    response = client_for(people.requester).get("/my/", HTTP_ACCEPT_LANGUAGE="fr")
    assert '<html lang="de">' in response.content.decode()
