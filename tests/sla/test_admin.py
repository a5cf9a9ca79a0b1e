"""Managers edit calendars and policies in the Wagtail admin; bad hours are refused with a clear message."""

import pytest

from sla.models import Calendar


def calendar_form(**hours):
    rows = hours.get("rows", [])
    data = {
        "name": "Lisbon office",
        "time_zone": "Europe/Lisbon",
        "holiday_country": "PT",
        "holiday_subdivision": "",
        "description": "",
        "opening_hours-TOTAL_FORMS": str(len(rows)),
        "opening_hours-INITIAL_FORMS": "0",
        "opening_hours-MIN_NUM_FORMS": "0",
        "opening_hours-MAX_NUM_FORMS": "1000",
        "closures-TOTAL_FORMS": "0",
        "closures-INITIAL_FORMS": "0",
        "closures-MIN_NUM_FORMS": "0",
        "closures-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, opens, closes) in enumerate(rows):
        data |= {
            f"opening_hours-{i}-weekday": str(weekday),
            f"opening_hours-{i}-opens": opens,
            f"opening_hours-{i}-closes": closes,
            f"opening_hours-{i}-ORDER": str(i),
            f"opening_hours-{i}-id": "",
        }
    return data


@pytest.mark.parametrize(("who", "status"), [("manager", 200), ("editor", 302), ("analyst", 302)])
def test_only_managers_edit_calendars(who, status, people, client_for):
    assert client_for(getattr(people, who)).get("/admin/calendar/new/").status_code == status


def test_a_manager_creates_a_calendar(people, client_for):
    response = client_for(people.manager).post(
        "/admin/calendar/new/", calendar_form(rows=[(0, "09:00", "12:00"), (0, "13:00", "17:30")])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar = Calendar.objects.get(name="Lisbon office")
    assert calendar.week() == {0: [("09:00", "12:00"), ("13:00", "17:30")]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rows": [(0, "09:00", "12:00"), (0, "11:00", "13:00")]}, "overlap"),
        ({"rows": [(0, "17:00", "09:00")]}, "Closing time must be after opening time"),
        ({"rows": [(0, "9am", "17:00")]}, "Use a 24-hour time like 08:30"),
    ],
)
def test_bad_hours_are_refused_and_what_was_typed_is_kept(data, message, people, client_for):
    response = client_for(people.manager).post("/admin/calendar/new/", calendar_form(**data))
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert 'value="Lisbon office"' in html
    assert not Calendar.objects.filter(name="Lisbon office").exists()


def test_unknown_holiday_country_is_refused(people, client_for):
    data = calendar_form(rows=[(0, "09:00", "17:00")]) | {"holiday_country": "XX"}
    response = client_for(people.manager).post("/admin/calendar/new/", data)
    assert "Country XX not available" in response.content.decode()
