"""The admin's people import: the same rules as `import_people`, previewed before anything is written."""

import re

from django.contrib.admin.models import CHANGE, LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from helpdesk.models import User
from tests import factories
from tests.directory.test_import import GOOD, HEADER

ROWS = "\n".join(",".join(row) for row in [HEADER, *GOOD]) + "\n"


def upload(client, content: str):
    return client.post(
        "/django-admin/helpdesk/user/import/",
        {"resource": "0", "format": "0", "import_file": SimpleUploadedFile("hr.csv", content.encode())},
    )


def test_the_preview_shows_each_change_and_writes_nothing(org, client_for):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client = client_for(admin)

    page = client.get("/django-admin/helpdesk/user/import/")
    assert page.status_code == 200

    preview = upload(client, ROWS)

    assert preview.status_code == 200
    body = preview.content.decode()
    assert "<del>Junior</del> → <ins>Senior</ins>" in body
    assert "<del>bob@example.org</del> → <ins>robert@example.org</ins>" in body
    assert 'name="import_file_name"' in body  # the confirm button's form
    assert not User.objects.filter(username__in=["alice", "carol"]).exists()
    assert User.objects.get(username="bob").grade.name == "Junior"


def test_the_preview_lists_bad_rows_and_offers_no_confirm(org, client_for):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    bad = ROWS + "E9,dan,Dan,Dahl,dan@example.org,Nonsense,it,,,,\n"

    body = upload(client_for(admin), bad).content.decode()

    assert "There is no grade &#x27;Nonsense&#x27; here" in body
    assert 'name="import_file_name"' not in body
    assert not User.objects.filter(username="dan").exists()


def test_confirming_the_preview_writes_it(org, client_for):
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    client = client_for(admin)
    body = upload(client, ROWS).content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', body))

    done = client.post(
        "/django-admin/helpdesk/user/process_import/",
        {name: hidden[name] for name in ("import_file_name", "original_file_name", "format", "resource")},
    )

    assert done.status_code == 302
    assert User.objects.get(username="bob").line_manager == User.objects.get(username="alice")
    assert User.objects.get(username="alice").line_manager == User.objects.get(username="carol")
    assert LogEntry.objects.filter(object_id=str(org.pk), action_flag=CHANGE, user=admin).exists()
