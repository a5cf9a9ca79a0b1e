"""The directory from a real OpenLDAP server (Debian's slapd, started here on a free port with an mdb
database in a temporary folder): the nightly sync and password login through django-auth-ldap.

Skipped, with the reason, when slapd or python-ldap is missing; REQUIRE_LDAP=1 (CI) makes that a failure.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from helpdesk import tasks
from helpdesk.directory import people
from helpdesk.models import State, Ticket, User
from tests import factories

SUFFIX = "dc=example,dc=org"
ADMIN_DN, ADMIN_PASSWORD = f"cn=admin,{SUFFIX}", "admin-secret"
PEOPLE = f"ou=people,{SUFFIX}"
SCHEMAS = ("core", "cosine", "inetorgperson")
LDIF = f"""\
dn: {SUFFIX}
objectClass: dcObject
objectClass: organization
dc: example
o: Example

dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: uid=alice,{PEOPLE}
objectClass: inetOrgPerson
uid: alice
cn: Alice Andersson
givenName: Alice
sn: Andersson
mail: alice@example.org
employeeNumber: E1
employeeType: Senior
departmentNumber: it
businessCategory: CC-100
l: Stockholm
userPassword: alice-secret

dn: uid=bob,{PEOPLE}
objectClass: inetOrgPerson
uid: bob
cn: Bob Berg
givenName: Bob
sn: Berg
mail: robert@example.org
employeeNumber: E2
employeeType: Senior
manager: uid=alice,{PEOPLE}

dn: uid=dave,{PEOPLE}
objectClass: inetOrgPerson
uid: dave
cn: Dave Dahl
givenName: Dave
sn: Dahl
employeeNumber: E4
description: disabled
userPassword: dave-secret

dn: uid=frank,{PEOPLE}
objectClass: inetOrgPerson
uid: frank
cn: Frank Fors
sn: Fors
employeeNumber: E6
employeeType: Nonsense

dn: uid=ghost,{PEOPLE}
objectClass: inetOrgPerson
uid: ghost
cn: Gone Before
sn: Before
employeeNumber: E7
description: disabled
"""


def _missing() -> str:
    if not shutil.which("slapd", path=f"/usr/sbin:/usr/local/sbin:{os.environ.get('PATH', '')}"):
        return "slapd is not installed (Debian: apt-get install slapd ldap-utils)"
    try:
        import django_auth_ldap  # noqa: F401
        import ldap  # noqa: F401
    except ImportError:
        return "python-ldap and django-auth-ldap are not installed (pip install -r requirements-ldap.txt)"
    return ""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _modules() -> str:
    """Debian builds the mdb backend as a module; other builds link it in."""
    for folder in ("/usr/lib/ldap", "/usr/lib/openldap", "/usr/libexec/openldap", "/usr/lib64/openldap"):
        if any(Path(folder).glob("back_mdb*")):
            return f"modulepath {folder}\nmoduleload back_mdb\n"
    return ""


def _need_ldap() -> None:
    """Skip with the reason when slapd or python-ldap is missing; fail instead under REQUIRE_LDAP=1."""
    reason = _missing()
    if reason:
        if os.environ.get("REQUIRE_LDAP") == "1":
            pytest.fail(f"REQUIRE_LDAP=1 but {reason}")
        pytest.skip(reason)


@pytest.fixture
def slapd(tmp_path):
    """A fresh OpenLDAP server holding LDIF; yields its URI, stopped afterwards."""
    _need_ldap()
    import ldap
    import ldap.modlist
    import ldif

    slapd_bin = shutil.which("slapd", path=f"/usr/sbin:/usr/local/sbin:{os.environ.get('PATH', '')}")
    schema = next(p for p in (Path("/etc/ldap/schema"), Path("/etc/openldap/schema")) if p.is_dir())
    (tmp_path / "data").mkdir()
    conf = tmp_path / "slapd.conf"
    conf.write_text(
        "".join(f"include {schema / name}.schema\n" for name in SCHEMAS)
        + _modules()
        + f"pidfile {tmp_path / 'slapd.pid'}\n"
        + "database mdb\nmaxsize 10485760\n"
        + f'suffix "{SUFFIX}"\nrootdn "{ADMIN_DN}"\nrootpw {ADMIN_PASSWORD}\n'
        + f"directory {tmp_path / 'data'}\n"
    )
    uri = f"ldap://127.0.0.1:{_free_port()}"
    log = (tmp_path / "slapd.log").open("w")
    # -d 0: stay in the foreground (no fork), so the fixture owns the process and stops it.
    server = subprocess.Popen([slapd_bin, "-f", str(conf), "-h", f"{uri}/", "-d", "0"], stdout=log, stderr=log)  # noqa: S603
    try:
        connection = ldap.initialize(uri)
        for _ in range(100):
            try:
                connection.simple_bind_s(ADMIN_DN, ADMIN_PASSWORD)
                break
            except ldap.SERVER_DOWN:
                if server.poll() is not None:
                    pytest.fail(f"slapd stopped: {(tmp_path / 'slapd.log').read_text()}")
                time.sleep(0.05)
        else:
            pytest.fail("slapd did not answer within 5 seconds")
        (tmp_path / "people.ldif").write_text(LDIF)
        with (tmp_path / "people.ldif").open("rb") as source:
            records = ldif.LDIFRecordList(source)
            records.parse()
        for dn, entry in records.all_records:
            connection.add_s(dn, ldap.modlist.addModlist(entry))
        connection.unbind_s()
        yield uri
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


@pytest.fixture
def directory(slapd, settings, org):
    """Settings pointing at the server: the sync maps grade, division, cost centre and location too."""
    settings.LDAP_SERVER_URI = slapd
    settings.LDAP_BIND_DN, settings.LDAP_BIND_PASSWORD = ADMIN_DN, ADMIN_PASSWORD
    settings.LDAP_PEOPLE_BASE = PEOPLE
    settings.LDAP_PEOPLE_FILTER = "(objectClass=inetOrgPerson)"
    settings.LDAP_DISABLED_FILTER = "(description=disabled)"
    settings.LDAP_TIMEOUT = 5
    settings.LDAP_ATTRIBUTES = {
        **{"employee_id": "employeeNumber", "username": "uid", "first_name": "givenName", "last_name": "sn"},
        **{"email": "mail", "line_manager": "manager", "grade": "employeeType", "division": "departmentNumber"},
        **{"cost_centre": "businessCategory", "location": "l"},
    }
    return slapd


def sync(*args) -> str:
    out = StringIO()
    call_command("sync_directory", *args, stdout=out)
    return out.getvalue()


def test_the_sync_updates_people_and_lets_go_those_gone_or_disabled(directory):
    bob = User.objects.get(username="bob")
    dave = factories.UserFactory(username="dave", employee_id="E4")
    erin = factories.UserFactory(username="erin", employee_id="E5")  # no longer in the directory
    by_hand = factories.UserFactory(username="contractor")  # no employee number: not the directory's
    team = factories.TeamFactory(name="Service Desk", members=[dave])
    ticket = factories.ticket(requester=by_hand, team=team, state="assigned")

    preview = sync("--dry-run")

    assert "new E1\n" in preview
    assert "update E2\n" in preview and "  grade: Junior -> Senior" in preview
    assert "  line_manager: (empty) -> E1" in preview
    assert f"  {ticket.reference} handed back to its team, unassigned" in preview
    assert "gone E5: deactivated, no longer in the directory" in preview
    assert f"bad entry uid=frank,{PEOPLE}: grade: There is no grade 'Nonsense' here" in preview
    assert preview.rstrip().endswith("1 new, 2 updated, 0 unchanged, 1 gone, 1 bad. Dry run: nothing written.")
    assert not User.objects.filter(username="alice").exists()
    dave.refresh_from_db()
    assert dave.is_active

    out = sync()

    assert out.rstrip().endswith("1 new, 2 updated, 0 unchanged, 1 gone, 1 bad. Written.")
    alice = User.objects.get(username="alice")
    assert (alice.employee_id, alice.email) == ("E1", "alice@example.org")
    assert (alice.grade.name, alice.division.code) == ("Senior", "it")
    assert (alice.cost_centre.code, alice.location.name, alice.is_active) == ("CC-100", "Stockholm", True)
    bob.refresh_from_db()
    assert (bob.grade.name, bob.email, bob.line_manager) == ("Senior", "robert@example.org", alice)
    for person in (dave, erin, by_hand):
        person.refresh_from_db()
    assert (dave.is_active, dave.left_on) == (False, timezone.localdate())
    assert (erin.is_active, erin.left_on) == (False, timezone.localdate())
    assert by_hand.is_active
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.team, ticket.assignee, ticket.state) == (team, None, State.NEW)
    assert not User.objects.filter(username__in=["frank", "ghost"]).exists()  # bad; disabled and never here

    again = sync()
    assert again.rstrip().endswith("0 new, 0 updated, 3 unchanged, 0 gone, 1 bad. Written.")


def test_the_nightly_task_runs_the_sync(directory):
    # The test settings run tasks at once (ImmediateBackend).
    result = tasks.sync_directory.enqueue()

    assert result.return_value == {"new": 1, "updated": 1, "unchanged": 0, "gone": 0, "bad": 1}
    assert User.objects.filter(username="alice", is_active=True).exists()


def test_password_login_against_the_directory(directory, settings):
    import ldap
    from django_auth_ldap.config import LDAPSearch

    settings.AUTHENTICATION_BACKENDS = ["helpdesk.directory.auth.DirectoryBackend"]
    settings.AUTH_LDAP_SERVER_URI = directory
    settings.AUTH_LDAP_BIND_DN, settings.AUTH_LDAP_BIND_PASSWORD = ADMIN_DN, ADMIN_PASSWORD
    settings.AUTH_LDAP_USER_SEARCH = LDAPSearch(
        PEOPLE, ldap.SCOPE_SUBTREE, "(&(objectClass=inetOrgPerson)(!(description=disabled))(uid=%(user)s))"
    )
    settings.AUTH_LDAP_USER_ATTR_MAP = {"first_name": "givenName", "last_name": "sn", "email": "mail"}

    alice = authenticate(username="alice", password="alice-secret")

    assert (alice.username, alice.email, alice.first_name) == ("alice", "alice@example.org", "Alice")
    assert authenticate(username="alice", password="wrong") is None
    assert authenticate(username="dave", password="dave-secret") is None  # disabled in the directory

    # Let go here while the directory still has them: no login, and an open session ends.
    client = Client()
    client.force_login(alice, backend="helpdesk.directory.auth.DirectoryBackend")
    assert client.get("/my/").status_code == 200
    people.leave(alice, on=timezone.localdate())
    assert authenticate(username="alice", password="alice-secret") is None
    assert client.get("/my/").status_code == 302


def test_settings_turn_ldap_on_only_when_configured():
    """The settings module read afresh with and without LDAP_SERVER_URI (a child process: settings are
    read once per process)."""
    probe = (
        "import django; django.setup(); from django.conf import settings as s; print('directory-sync' in "
        "s.PERIODIC_TASKS, 'helpdesk.directory.auth.DirectoryBackend' in s.AUTHENTICATION_BACKENDS)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "t"}
    env.pop("LDAP_SERVER_URI", None)
    off = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert off.stdout.split() == ["False", "False"]
    _need_ldap()
    on_env = {**env, "LDAP_SERVER_URI": "ldap://127.0.0.1:1", "LDAP_PEOPLE_BASE": PEOPLE}
    on = subprocess.run([sys.executable, "-c", probe], env=on_env, capture_output=True, text=True, check=True)  # noqa: S603
    assert on.stdout.split() == ["True", "True"]
