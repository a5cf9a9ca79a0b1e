"""HR's export into the directory: `manage.py import_people` on real CSV and XLSX files, the dry run,
all-or-nothing writes, line managers, and leavers whose open work goes back to their team."""

import csv
from datetime import date, timedelta
from io import StringIO

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helpdesk.directory import people
from helpdesk.history import describe
from helpdesk.models import EventKind, State, Ticket, TicketEvent, User
from tests import factories

HEADER = list(people.COLUMNS)


def write_csv(path, rows, header=HEADER):
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, header=HEADER):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def run(path, *args) -> tuple[str, str | None]:
    """The command's output, and its error when it refused (exit status 1)."""
    out = StringIO()
    try:
        call_command("import_people", str(path), *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), str(error)
    return out.getvalue(), None


GOOD = [
    # alice's manager is carol, whose row comes later in the file
    ["E1", "alice", "Alice", "Andersson", "alice@example.org", "Senior", "it", "CC-100", "Stockholm", "E3", ""],
    ["E2", "bob", "Bob", "Berg", "robert@example.org", "Senior", "it", "CC-100", "Stockholm", "E1", ""],
    ["E3", "carol", "Carol", "Carlsson", "carol@example.org", "Senior", "it", "CC-100", "Stockholm", "", ""],
]
BAD = [
    ["E9", "dan", "Dan", "Dahl", "dan@example.org", "Nonsense", "it", "", "", "", ""],
    ["E10", "eve", "Eve", "Ek", "eve@example.org", "", "", "", "", "", "31/12/2026"],
    ["E11", "frank", "Frank", "Fors", "not-an-email", "", "", "", "", "E404", ""],
    ["E12", "gina", "Gina", "Gran", "not-an-email", "", "", "", "", "", ""],
]


def test_dry_run_lists_every_change_and_bad_row_and_writes_nothing(org, tmp_path):
    path = write_csv(tmp_path / "hr.csv", GOOD + BAD)

    out, refused = run(path, "--dry-run")

    assert "new E1\n  employee_id: (empty) -> E1\n  username: (empty) -> alice" in out
    assert "  line_manager: (empty) -> E3" in out
    assert "update E2\n" in out
    assert "  email: bob@example.org -> robert@example.org" in out
    assert "  grade: Junior -> Senior" in out
    assert "  line_manager: (empty) -> E1" in out
    assert "bad line 5: grade: There is no grade 'Nonsense' here" in out
    assert "bad line 6: left_on: '31/12/2026' is not a date; write it as YYYY-MM-DD" in out
    # One message per bad row: the first fault found (the missing manager, before the bad address).
    assert "bad line 7: line_manager: No one has the employee number E404" in out
    assert "not-an-email" not in out
    assert "bad line 8: email: Enter a valid email address." in out
    assert refused.startswith("2 new, 1 updated, 0 unchanged, 4 bad. Nothing written")
    assert set(User.objects.values_list("username", flat=True)) == {"bob"}
    bob = User.objects.get(username="bob")
    assert (bob.grade.name, bob.email, bob.line_manager) == ("Junior", "bob@example.org", None)


def test_a_bad_row_refuses_the_whole_file(org, tmp_path):
    out, refused = run(write_csv(tmp_path / "hr.csv", [*GOOD, BAD[0]]))

    assert "bad line 5: grade:" in out
    assert "Nothing written" in refused
    assert set(User.objects.values_list("username", flat=True)) == {"bob"}


def test_dry_run_of_a_good_file_says_so_and_writes_nothing(org, tmp_path):
    out, refused = run(write_csv(tmp_path / "hr.csv", GOOD), "--dry-run")

    assert refused is None
    assert out.rstrip().endswith("2 new, 1 updated, 0 unchanged, 0 bad. Dry run: nothing written.")
    assert User.objects.count() == 1


def test_the_real_run_applies_the_rows_and_sets_line_managers(org, tmp_path):
    out, refused = run(write_csv(tmp_path / "hr.csv", GOOD))

    assert refused is None, out
    assert out.rstrip().endswith("2 new, 1 updated, 0 unchanged, 0 bad. Written.")
    alice, bob, carol = (User.objects.get(username=name) for name in ("alice", "bob", "carol"))
    assert alice.line_manager == carol  # named before carol's own row
    assert bob.line_manager == alice
    assert (bob.pk, bob.employee_id, bob.email, bob.grade.name) == (org.pk, "E2", "robert@example.org", "Senior")
    assert (alice.division.code, alice.cost_centre.code, alice.location.name) == ("it", "CC-100", "Stockholm")
    assert alice.is_active and not alice.has_usable_password()

    again, refused = run(write_csv(tmp_path / "again.csv", GOOD))
    assert refused is None
    assert again.strip() == "0 new, 0 updated, 3 unchanged, 0 bad. Written."


def test_an_xlsx_export_with_numbers_and_dates_in_cells(org, tmp_path):
    left = timezone.localdate() - timedelta(days=3)
    rows = [
        [1001, "alice", "Alice", "A", "alice@example.org", "Senior", "it", "CC-100", "Stockholm", None, None],
        [1002, "carl", "Carl", "C", "carl@example.org", "Junior", "it", None, None, 1001, None],
        [1003, "gus", "Gus", "G", "gus@example.org", None, None, None, None, None, left],
    ]
    path = write_xlsx(tmp_path / "hr.xlsx", rows, header=["Employee ID", *HEADER[1:]])

    out, refused = run(path)

    assert refused is None, out
    carl = User.objects.get(employee_id="1002")
    assert carl.line_manager.employee_id == "1001"
    assert carl.cost_centre is None
    gus = User.objects.get(username="gus")
    assert (gus.is_active, gus.left_on) == (False, left)


def test_a_person_matched_by_username_gets_their_employee_number(org, tmp_path):
    factories.UserFactory(username="hanna")
    run(write_csv(tmp_path / "hr.csv", [["E7", "hanna", "Hanna", "H", "hanna@example.org"]], header=HEADER[:5]))

    assert User.objects.get(username="hanna").employee_id == "E7"


def test_a_username_that_belongs_to_another_employee_is_a_bad_row(org, tmp_path):
    out, refused = run(write_csv(tmp_path / "hr.csv", [["E99", "bob"]], header=HEADER[:2]))

    assert "bad line 2: username: The username bob belongs to employee E2, not E99." in out
    assert User.objects.get(username="bob").employee_id == "E2"


@pytest.fixture
def leaver(org):
    """dave, an analyst with an assigned ticket, one in progress and one resolved."""
    dave = factories.UserFactory(username="dave", employee_id="E4")
    team = factories.TeamFactory(name="Service Desk", members=[dave])
    requester = factories.UserFactory()
    tickets = {
        state: factories.ticket(requester=requester, team=team, state=state)
        for state in ("assigned", "in_progress", "resolved")
    }
    return dave, team, tickets


def test_a_leaver_is_deactivated_and_their_open_work_goes_back_to_their_team(leaver, tmp_path):
    dave, team, tickets = leaver
    events_before = {state: list(ticket.events.values_list("pk", flat=True)) for state, ticket in tickets.items()}
    left = timezone.localdate() - timedelta(days=1)
    path = write_csv(
        tmp_path / "hr.csv", [["E4", "dave", left.isoformat()]], header=["employee_id", "username", "left_on"]
    )

    out, refused = run(path, "--dry-run")
    assert refused is None
    assert f"  left_on: (empty) -> {left.isoformat()}\n  deactivated: has left" in out
    assert f"  {tickets['assigned'].reference} handed back to its team, unassigned" in out
    dave.refresh_from_db()
    assert dave.is_active and Ticket.objects.filter(assignee=dave).count() == 3  # a dry run

    out, refused = run(path)
    assert refused is None, out

    dave.refresh_from_db()
    assert (dave.is_active, dave.left_on) == (False, left)
    assigned, started, resolved = (
        Ticket.objects.get(pk=tickets[s].pk) for s in ("assigned", "in_progress", "resolved")
    )
    assert (assigned.team, assigned.assignee, assigned.state) == (team, None, State.NEW)
    assert (started.team, started.assignee, started.state) == (team, None, State.IN_PROGRESS)
    assert (resolved.assignee, resolved.state) == (dave, State.RESOLVED)  # finished work keeps its name
    # History kept: every earlier event is still there, and the handover says why.
    for state, ticket in tickets.items():
        assert set(events_before[state]) <= set(ticket.events.values_list("pk", flat=True))
    handover = TicketEvent.objects.filter(ticket=assigned, kind=EventKind.ASSIGNED).last()
    assert handover.data == {"to": None, "name": "Service Desk", "reason": "left", "person": dave.pk}
    assert describe(handover, team=True) == "Back with Service Desk: the person it was assigned to has left"
    assert assigned.events.filter(kind=EventKind.STATE_CHANGED, data__action="hand_back").exists()
    assert User.objects.filter(pk=dave.pk).exists()  # never deleted

    again, refused = run(path)
    assert refused is None
    assert again.strip() == "0 new, 0 updated, 1 unchanged, 0 bad. Written."


def test_status_left_without_a_date_leaves_today(leaver, tmp_path):
    dave, _team, _tickets = leaver
    run(write_csv(tmp_path / "hr.csv", [["E4", "Left"]], header=["employee_id", "status"]))

    dave.refresh_from_db()
    assert (dave.is_active, dave.left_on) == (False, timezone.localdate())


def test_leave_is_idempotent(leaver):
    dave, _team, tickets = leaver
    first = people.leave(dave, on=date(2026, 1, 31))
    events = TicketEvent.objects.count()

    assert first == [tickets["assigned"].reference, tickets["in_progress"].reference]
    assert people.leave(dave, on=date(2026, 2, 28)) == []
    dave.refresh_from_db()
    assert (dave.is_active, dave.left_on) == (False, date(2026, 1, 31))
    assert TicketEvent.objects.count() == events


def test_a_leaver_listed_again_as_employed_is_reactivated(leaver, tmp_path):
    dave, _team, _tickets = leaver
    people.leave(dave, on=date(2026, 1, 31))

    out, _refused = run(write_csv(tmp_path / "hr.csv", [["E4", ""]], header=["employee_id", "left_on"]))

    assert "  left_on: 2026-01-31 -> (empty)\n  reactivated: employed again" in out
    dave.refresh_from_db()
    assert (dave.is_active, dave.left_on) == (True, None)


def test_a_file_of_another_kind_is_refused(db, tmp_path):
    path = tmp_path / "hr.json"
    path.write_text("[]")

    with pytest.raises(CommandError, match=r"give a \.csv or \.xlsx file"):
        call_command("import_people", str(path))
