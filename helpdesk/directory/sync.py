"""The nightly directory sync: every person under LDAP_PEOPLE_BASE (OpenLDAP or Active Directory) read
into the directory through `people.apply_row`; those the directory no longer lists, or lists as
disabled, let go through `people.leave`.

Needs python-ldap (requirements-ldap.txt) and LDAP_SERVER_URI; settings are read at each call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from helpdesk.directory import people
from helpdesk.models import User
from helpdesk.services import Refused


def configured() -> bool:
    return bool(settings.LDAP_SERVER_URI)


@dataclass
class SyncResult:
    changes: list[people.Change] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (entry's DN, reason)
    gone: list[tuple[User, list[str]]] = field(default_factory=list)  # (leaver, tickets handed back)

    def counts(self) -> dict[str, int]:
        kinds = [change.kind for change in self.changes]
        return {
            "new": kinds.count("new"),
            "updated": kinds.count("update"),
            "unchanged": kinds.count("unchanged"),
            "gone": len(self.gone),
            "bad": len(self.errors),
        }


def _value(attrs: dict, name: str) -> str:
    """An attribute's first value as text; `attrs` keyed in lower case (attribute names ignore case)."""
    values = attrs.get(name.lower()) or []
    return values[0].decode("utf-8").strip() if values else ""


def read_directory() -> tuple[list[tuple[str, dict]], set[str]]:
    """Every person entry under LDAP_PEOPLE_BASE (DN, attributes) and the DNs of those disabled there
    (LDAP_DISABLED_FILTER, e.g. Active Directory's ACCOUNTDISABLE bit). Raises ldap.LDAPError."""
    import ldap
    from ldap.controls import SimplePagedResultsControl

    connection = ldap.initialize(settings.LDAP_SERVER_URI)
    connection.set_option(ldap.OPT_REFERRALS, 0)  # Active Directory's referrals lead outside the base
    connection.set_option(ldap.OPT_NETWORK_TIMEOUT, settings.LDAP_TIMEOUT)
    connection.simple_bind_s(settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD)
    try:
        wanted = sorted({attribute for attribute in settings.LDAP_ATTRIBUTES.values() if attribute})

        def search(query: str, attributes: list[str]) -> list[tuple[str, dict]]:
            # Paged: Active Directory answers at most 1,000 entries to one plain search.
            page = SimplePagedResultsControl(True, size=500, cookie="")
            found = []
            while True:
                msgid = connection.search_ext(
                    settings.LDAP_PEOPLE_BASE, ldap.SCOPE_SUBTREE, query, attributes, serverctrls=[page]
                )
                _type, data, _msgid, controls = connection.result3(msgid)
                found += [(dn, attrs) for dn, attrs in data if dn]  # not search references
                cookie = next((c.cookie for c in controls if c.controlType == page.controlType), b"")
                if not cookie:
                    return found
                page.cookie = cookie

        entries = search(settings.LDAP_PEOPLE_FILTER, wanted)
        disabled = set()
        if settings.LDAP_DISABLED_FILTER:
            query = f"(&{settings.LDAP_PEOPLE_FILTER}{settings.LDAP_DISABLED_FILTER})"
            disabled = {dn.lower() for dn, _attrs in search(query, ["1.1"])}
    finally:
        connection.unbind_s()
    return entries, disabled


def rows_from(entries: list[tuple[str, dict]], disabled: set[str]) -> list[tuple[str, dict]]:
    """Each entry as a row `apply_row` reads: the mapped attributes (LDAP_ATTRIBUTES), the line manager's
    DN turned into their employee number, and "left" for a disabled entry. A manager outside the base
    (or without a number) leaves the line manager as it is."""
    mapping = {column: attribute for column, attribute in settings.LDAP_ATTRIBUTES.items() if attribute}
    entries = [(dn, {name.lower(): values for name, values in attrs.items()}) for dn, attrs in entries]
    number_of = {dn.lower(): _value(attrs, mapping.get("employee_id", "")) for dn, attrs in entries}
    rows = []
    for dn, attrs in entries:
        row = {column: _value(attrs, attribute) for column, attribute in mapping.items() if column != "line_manager"}
        if "line_manager" in mapping:
            manager_dn = _value(attrs, mapping["line_manager"]).lower()
            if not manager_dn:
                row["line_manager"] = ""
            elif number_of.get(manager_dn):
                row["line_manager"] = number_of[manager_dn]
        row["status"] = "left" if dn.lower() in disabled else ""
        rows.append((dn, row))
    return rows


def sync(*, dry_run: bool = False, by: User | None = None) -> SyncResult:
    """Bring the directory's people in: create and update them, let go those disabled there and those
    with an employee number the directory no longer lists (people added by hand, without a number, are
    left alone). A bad entry is reported and skipped; the others still apply. `dry_run`: the same
    result, nothing kept.

    Refuses (ValueError) when the directory lists nobody, rather than letting everyone go.
    """
    entries, disabled = read_directory()
    if not entries:
        raise ValueError(f"The directory lists nobody under {settings.LDAP_PEOPLE_BASE}; nothing was changed.")
    rows = rows_from(entries, disabled)
    listed = {row["employee_id"] for _dn, row in rows if row.get("employee_id")}
    result = SyncResult()
    with transaction.atomic():
        for dn, row in rows:
            try:
                with transaction.atomic():
                    if row["status"] and people.find(row) is None:
                        continue  # disabled before they were ever here: no account to make
                    result.changes.append(people.apply_row(row, by=by, coming=listed))
            except people.RowError as error:
                result.errors.append((dn, str(error)))
        people.link_managers(result.changes)
        unlisted = User.objects.filter(is_active=True, employee_id__isnull=False).exclude(employee_id__in=listed)
        for person in unlisted.order_by("pk"):
            try:
                with transaction.atomic():
                    result.gone.append((person, people.leave(person, on=timezone.localdate(), by=by)))
            except Refused as refused:
                result.errors.append((person.username, refused.message))
        if dry_run:
            transaction.set_rollback(True)
    return result
