"""A change to a request type's form can be seen as staff will see it before it is saved."""

from html.parser import HTMLParser

from catalogue.models import FormField
from tests.factories import RequestTypeFactory, UserFactory


class FormData(HTMLParser):
    """What a browser would post from the page's main form: inputs, checked boxes, selected options."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or ("on" if a.get("type") == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select].append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data[name] = [""]

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def test_a_form_change_is_previewed_with_the_staff_template_and_not_saved(people, client_for):
    laptop = RequestTypeFactory(
        name="New laptop", slug="new-laptop", fields=[("Why do you need it?", "long_text", True)]
    )
    editor = client_for(UserFactory(is_superuser=True, is_staff=True))
    edit = editor.get(f"/admin/requesttype/edit/{laptop.pk}/")
    html = edit.content.decode()
    assert edit.status_code == 200 and "Preview the form" in html
    parser = FormData()
    parser.feed(html.split('id="main"', 1)[-1])
    data = dict(parser.data)
    question = next(k for k, v in data.items() if k.startswith("fields-0-label"))
    data[question] = ["Why do you need a new one?"]  # the unsaved change

    response = editor.post(f"/admin/requesttype/preview/?of={laptop.pk}", data)
    assert response.status_code == 200
    preview = response.content.decode()
    assert "Why do you need a new one?" in preview and "Preview: this is the form" in preview
    assert "Send request" not in preview
    assert FormField.objects.get(request_type=laptop).label == "Why do you need it?"  # nothing saved


def test_only_catalogue_editors_preview(people, client_for):
    laptop = RequestTypeFactory()
    assert client_for(people.requester).post(f"/admin/requesttype/preview/?of={laptop.pk}", {}).status_code in (
        302,
        403,
    )
    assert client_for(people.editor).get("/admin/requesttype/preview/").status_code == 405
