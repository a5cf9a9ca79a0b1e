"""Request forms built from their definitions: the same rows render, validate and serialise the answers."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalogue.models import FieldType, FormField

MAX_UPLOAD_BYTES = settings.ATTACHMENT_MAX_BYTES
# Answers to a request form's questions when its editor set no limit of their own.
SHORT_ANSWER_LIMIT = 500
LONG_ANSWER_LIMIT = 20_000
# A username or an email address, at their longest (Django's 150 and the 254 of an address).
PERSON_LIMIT = 254


class PersonField(forms.ModelChoiceField):
    """Someone in the organisation, typed as their username or email address."""

    default_error_messages = {
        "invalid_choice": _("We can't find anyone with that username or email address."),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=get_user_model().objects.filter(is_active=True), widget=forms.TextInput, **kwargs)
        self.widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})

    def to_python(self, value):
        value = (value or "").strip()
        if value in self.empty_values:
            return None
        if len(value) > PERSON_LIMIT:  # no one is called that; not worth a query
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        found = (
            self.queryset.filter(username__iexact=value).first() or self.queryset.filter(email__iexact=value).first()
        )
        if found is None:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found

    def prepare_value(self, value):
        # Keep what was typed on a failed submission; show a username for a chosen person.
        return getattr(value, "username", value)


def check_upload(upload) -> None:
    """Refuse a file of a kind we do not keep, or over 10 MB, naming the file (used by every upload)."""
    allowed = settings.ATTACHMENT_TYPES
    extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
    if extension not in allowed:
        raise forms.ValidationError(
            _("%(name)s: we accept only these kinds of file: %(kinds)s."),
            params={"name": upload.name, "kinds": ", ".join(allowed)},
        )
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            _("%(name)s is %(size)s MB; the largest we accept is 10 MB."),
            params={"name": upload.name, "size": round(upload.size / 1024 / 1024, 1)},
        )


class FutureDateField(forms.DateField):
    """A date from today on (the reader's today, in their time zone), unless the question is about the
    past (`past_dates`)."""

    past_dates = False

    def validate(self, value):
        super().validate(value)
        if value and not self.past_dates and value < timezone.localdate():
            raise forms.ValidationError(_("Please choose today or a later date."), code="past")


class SizeLimitedFileField(forms.FileField):
    def validate(self, value):
        super().validate(value)
        if value:
            check_upload(value)


def _field_for(definition: FormField) -> forms.Field:
    common = {"label": definition.label, "help_text": definition.help_text, "required": definition.required}
    kind = definition.field_type
    if kind == FieldType.LONG_TEXT:
        field = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), **common)
    elif kind == FieldType.CHOICE:
        choices = [(c, c) for c in definition.choice_list]
        field = forms.ChoiceField(choices=[("", _("Choose one"))] + choices, **common)
    elif kind == FieldType.MULTIPLE_CHOICE:
        field = forms.MultipleChoiceField(
            choices=[(c, c) for c in definition.choice_list], widget=forms.CheckboxSelectMultiple, **common
        )
    elif kind == FieldType.DATE:
        field = FutureDateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        if not definition.past_dates:
            field.widget.attrs["min"] = timezone.localdate().isoformat()  # the browser's picker starts today
        field.past_dates = definition.past_dates
    elif kind == FieldType.NUMBER:
        field = forms.DecimalField(min_value=definition.min_value, max_value=definition.max_value, **common)
    elif kind == FieldType.YES_NO:
        field = forms.TypedChoiceField(
            choices=[("", _("Choose one")), ("yes", _("Yes")), ("no", _("No"))],
            coerce=lambda v: v == "yes",
            empty_value=None,
            **common,
        )
    elif kind == FieldType.PERSON:
        field = PersonField(**common)
    elif kind == FieldType.FILE:
        field = SizeLimitedFileField(**common)
    else:
        field = forms.CharField(**common)
    if kind in (FieldType.TEXT, FieldType.LONG_TEXT):
        limit = definition.max_length or (LONG_ANSWER_LIMIT if kind == FieldType.LONG_TEXT else SHORT_ANSWER_LIMIT)
        field.validators.append(MaxLengthValidator(limit))
        field.widget.attrs["maxlength"] = limit
    return field


class RequestForm(forms.Form):
    """A form whose fields are the request type's FormField rows, keyed by their stable `key`."""

    def __init__(self, definitions: Iterable[FormField], *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.definitions = list(definitions)
        for definition in self.definitions:
            self.fields[definition.key] = _field_for(definition)

    @property
    def has_files(self) -> bool:
        return any(d.field_type == FieldType.FILE for d in self.definitions)

    def answers(self, saved_files: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
        """The cleaned answers as JSON: {key: {"label", "type", "value"}} with the question as asked.

        Files are given by `saved_files` (key -> stored path) since saving them is the caller's write.
        """
        saved_files = saved_files or {}
        result = {}
        for definition in self.definitions:
            value = self.cleaned_data.get(definition.key)
            result[definition.key] = {
                "label": definition.label,
                "type": definition.field_type,
                "value": _json_value(definition, value, saved_files.get(definition.key)),
            }
        return result


def _json_value(definition: FormField, value: Any, saved_file: str | None) -> Any:
    if value in (None, "", []):
        return None
    if definition.field_type == FieldType.FILE:
        return {"name": value.name, "path": saved_file, "size": value.size}
    if definition.field_type == FieldType.PERSON:
        return {"id": value.pk, "username": value.username, "name": str(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value
