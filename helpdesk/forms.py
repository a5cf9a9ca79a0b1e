import zoneinfo

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from helpdesk.models import User


def _zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves; grade, division and cost centre are set by administrators."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=[("", _("Same as my browser")), *settings.LANGUAGES]
    )

    class Meta:
        model = User
        fields = ["time_zone", "language", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}
