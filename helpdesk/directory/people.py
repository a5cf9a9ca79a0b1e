"""The directory's rules for one person: create or update them from one row of HR's data, and let a
leaver go (deactivated, their open work handed back to its team, their history kept).

A row is a mapping of column names to values as a CSV or spreadsheet gives them (text, numbers, dates,
None). Only the columns present change anything; a present but empty cell clears that field (HR's
export is the truth), except the keys `employee_id` and `username`, which are never cleared.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk import approvals, services
from helpdesk.models import OPEN_STATES, CostCentre, Division, Grade, Location, Ticket, User

COLUMNS = (
    "employee_id",
    "username",
    "first_name",
    "last_name",
    "email",
    "grade",
    "division",
    "cost_centre",
    "location",
    "line_manager",
    "left_on",
)
TEXT_FIELDS = ("first_name", "last_name", "email")
# Reference data, each found by the key HR's export carries: (model, lookup field, what to call it).
REFERENCES = {
    "grade": (Grade, "name", "grade"),
    "division": (Division, "code", "division code"),  # the third item is only a key into CALLED
    "cost_centre": (CostCentre, "code", "cost centre code"),
    "location": (Location, "name", "location"),
}
# What each reference is called in a message about it.
CALLED = {
    "grade": gettext_lazy("grade"),
    "division code": gettext_lazy("division code"),
    "cost centre code": gettext_lazy("cost centre code"),
    "location": gettext_lazy("location"),
}
# The `status` column, when a file has one: these words mean the person has left.
LEFT_WORDS = {"left", "leaver", "terminated", "inactive"}
STAYING_WORDS = {"", "active", "current", "employed"}


class RowError(Exception):
    """A row we will not apply, with a plain message for the person who fixes the file; `field` is the
    column at fault (None for the row as a whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class Change:
    """What one row did (or, in a dry run, would do) to one person."""

    person: User
    created: bool = False
    # (field, old, new), each value as the file writes it (a grade's name, a manager's employee number).
    fields: list[tuple[str, str, str]] = field(default_factory=list)
    left: bool = False  # deactivated by this row
    rejoined: bool = False  # a leaver HR lists as employed again
    handed_back: list[str] = field(default_factory=list)  # references of the tickets handed back
    manager_later: str = ""  # a line manager whose own row comes later in the same file

    @property
    def kind(self) -> str:
        """ "new", "update" or "unchanged"."""
        if self.created:
            return "new"
        return "update" if self.fields or self.left or self.rejoined or self.handed_back else "unchanged"

    def lines(self) -> list[str]:
        """The change in words, one line per field: "grade: Junior -> Senior"."""
        empty = _("(empty)")
        lines = [f"{name}: {old or empty} -> {new or empty}" for name, old, new in self.fields]
        if self.left:
            lines.append(_("deactivated: has left"))
        if self.rejoined:
            lines.append(_("reactivated: employed again"))
        lines.extend(_("%(ref)s handed back to its team, unassigned") % {"ref": ref} for ref in self.handed_back)
        return lines

    def __str__(self) -> str:
        who = self.person.employee_id or self.person.username
        return f"{self.kind} {who}" + "".join(f"\n  {line}" for line in self.lines())


def text(value) -> str:
    """A cell as trimmed text: None is empty, 1001.0 (a spreadsheet's number) is "1001", a date is ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise RowError(
            _("'%(raw)s' is not a date; write it as YYYY-MM-DD (for example 2026-12-31).") % {"raw": raw}, "left_on"
        ) from None


def _shown(person: User, name: str) -> str:
    """A person's field as the file would write it."""
    if name in REFERENCES:
        related = getattr(person, name)
        return getattr(related, REFERENCES[name][1]) if related else ""
    if name == "line_manager":
        manager = person.line_manager
        return (manager.employee_id or manager.username) if manager else ""
    return text(getattr(person, name))


def find(data: Mapping) -> User | None:
    """The person a row names: by employee number, else by username; None when nobody here matches.
    Raises RowError when the row names nobody, or a username that belongs to another employee."""
    employee_id, username = text(data.get("employee_id")), text(data.get("username"))
    if not employee_id and not username:
        raise RowError(_("The row has neither an employee number nor a username."), "employee_id")
    if employee_id:
        person = User.objects.filter(employee_id=employee_id).first()
        if person is not None:
            return person
    if username:
        person = User.objects.filter(username=username).first()
        if person is not None and person.employee_id and employee_id and person.employee_id != employee_id:
            raise RowError(
                _("The username %(username)s belongs to employee %(theirs)s, not %(ours)s.")
                % {"username": username, "theirs": person.employee_id, "ours": employee_id},
                "username",
            )
        return person
    return None


def _reference(name: str, value: str):
    model, key, called = REFERENCES[name]
    if not value:
        return None
    found = model.objects.filter(**{key: value}).first()
    if found is None:
        raise RowError(
            _("There is no %(thing)s '%(value)s' here; add it in the admin first or correct the file.")
            % {"thing": CALLED[called], "value": value},
            name,
        )
    return found


def _manager(person: User, value: str, coming: Collection[str]) -> tuple[User | None, str]:
    """The line manager named by employee number, or (None, number) when their own row comes later."""
    if not value:
        return None, ""
    if value == person.employee_id:
        raise RowError(_("A person cannot be their own line manager."), "line_manager")
    manager = User.objects.filter(employee_id=value).first()
    if manager is not None:
        return manager, ""
    if value in coming:
        return None, value
    raise RowError(
        _("No one has the employee number %(value)s (named as line manager).") % {"value": value}, "line_manager"
    )


def apply_row(data: Mapping, *, by: User | None = None, coming: Collection[str] = ()) -> Change:
    """Create or update the person a row describes, matched on `employee_id`, else on `username`; reference
    data by grade name, division code, cost centre code and location name; the line manager by their
    employee number. A `left_on` date (today or earlier) or a `status` of "left" lets the person go
    (`leave`); a later date is only recorded. A leaver the directory let go, listed again with an empty
    leaving date (or status), is reactivated.

    `coming`: employee numbers of rows further on in the same file; a line manager among them is noted
    in `Change.manager_later` and set by `link_managers` once their row is in.

    Raises RowError, writing nothing, when a value is wrong. Call inside a transaction: a row that fails
    halfway (a leaver's ticket changed meanwhile) raises RowError after some writes, which the caller's
    rollback undoes.
    """
    data = {key: value for key, value in data.items() if key}
    person = find(data)
    created = person is None
    if created:
        if not text(data.get("username")):
            raise RowError(_("A new person needs a username."), "username")
        person = User(is_active=True)
        person.set_unusable_password()  # they sign in through the directory or single sign-on
    change = Change(person=person, created=created)
    # left_on is always shown: a status of "left" sets it too.
    before = {name: _shown(person, name) for name in COLUMNS if name in data or name == "left_on"}

    for name in ("employee_id", "username"):
        value = text(data.get(name))
        if value:
            setattr(person, name, value)
    for name in TEXT_FIELDS:
        if name in data:
            setattr(person, name, text(data[name]))
    for name in REFERENCES:
        if name in data:
            setattr(person, name, _reference(name, text(data[name])))
    if "line_manager" in data:
        person.line_manager, change.manager_later = _manager(person, text(data["line_manager"]), coming)

    left_on = _date(data.get("left_on")) if "left_on" in data else person.left_on
    status = text(data.get("status")).lower()
    if status not in LEFT_WORDS | STAYING_WORDS:
        raise RowError(
            _("'%(status)s' is not a status we know; write 'left' for a leaver or leave it empty.")
            % {"status": status},
            "status",
        )
    today = timezone.localdate()
    leaving = status in LEFT_WORDS or (left_on is not None and left_on <= today)
    if leaving:
        left_on = left_on or today
    elif not person.is_active and person.left_on is not None and ("left_on" in data or "status" in data):
        # Deactivated by the directory and employed again; someone switched off by hand stays off.
        change.rejoined, person.is_active = True, True
        left_on = left_on if "left_on" in data else None
    person.left_on = left_on

    try:
        person.full_clean(exclude=["password", "last_login", "date_joined"])
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise RowError(" ".join(messages), None if name == NON_FIELD_ERRORS else name) from None

    after = {name: _shown(person, name) for name in before}
    if change.manager_later:
        after["line_manager"] = change.manager_later
    change.fields = [(name, before[name], after[name]) for name in before if before[name] != after[name]]
    if created or change.fields or change.rejoined:
        person.save()
    if leaving:
        change.left = person.is_active
        try:
            change.handed_back = leave(person, on=left_on, by=by)
        except services.Refused as refused:
            raise RowError(refused.message) from None
    return change


def link_managers(changes: Iterable[Change]) -> None:
    """Set the line managers `apply_row` left for later (their rows came after their reports')."""
    for change in changes:
        if change.manager_later:
            manager = User.objects.filter(employee_id=change.manager_later).first()
            if manager is not None:  # else the manager's own row failed, and the import is refused
                User.objects.filter(pk=change.person.pk).update(line_manager=manager)
                change.person.line_manager = manager


def leave(person: User, *, on: date, by: User | None = None) -> list[str]:
    """Let `person` go as of `on`: deactivate them (they can no longer sign in), record the day, and hand
    every open ticket assigned to them back to its team, unassigned, with an event saying why. Their
    tickets, messages and history stay as they are. Returns the references handed back.

    Idempotent: for someone already gone it changes nothing (the first leaving day stays) and returns [].
    Raises Refused (409) when one of the tickets changed under us; nothing is then written.
    """
    at = timezone.now()
    with transaction.atomic():
        fields = []
        if person.is_active:
            person.is_active = False
            fields.append("is_active")
        if person.left_on is None:
            person.left_on = on
            fields.append("left_on")
        if fields:
            person.save(update_fields=fields)
        approvals.reroute_from(person, at=at)  # what waited on their sign-off goes to someone still here
        handed = []
        open_work = Ticket.objects.filter(assignee=person, state__in=OPEN_STATES).select_related("team")
        for ticket in open_work.order_by("pk"):
            if services.hand_back(ticket, leaver=person, by=by, at=at):
                handed.append(ticket.reference)
    return handed
