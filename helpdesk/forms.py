import zoneinfo

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from catalogue.forms import PERSON_LIMIT, PersonField, check_upload
from catalogue.models import Service
from helpdesk.languages import offered
from helpdesk.models import Channel, SavedView, User

# The limits on typed text live with the models (one place); these forms use the same constants.
from helpdesk.models.tickets import COMMENT_LIMIT, DESCRIPTION_LIMIT, MESSAGE_LIMIT, TITLE_LIMIT
from helpdesk.people import asks_for_anyone, asks_for_others, may_ask_for


def id_from(text: str | None) -> int | None:
    """A database id typed in a form or address: ASCII digits that fit a big integer, else None
    ("²".isdigit() is true, and int() of it fails)."""
    if text and text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


def _zone_choices() -> list[tuple[str, str]]:
    return [(zone, zone.replace("_", " ")) for zone in sorted(zoneinfo.available_timezones())]


class LanguageSelect(forms.Select):
    """Each language named in its own words and marked as that language (lang), for screen readers."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value:
            option["attrs"]["lang"] = value
        return option


class ProfileForm(forms.ModelForm):
    """What a person may change about themselves; grade, division and cost centre are set by administrators."""

    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_zone_choices)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=lambda: [("", _("Same as my browser")), *offered().items()],
        widget=LanguageSelect,
        help_text=_("Pages and mail come in this language. Mail to someone who chose none is in the site's language."),
    )

    class Meta:
        model = User
        fields = ["time_zone", "language", "phone"]
        widgets = {"phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}


class ForWhomField(PersonField):
    """Whom the asker raises something for: someone active they may ask for (helpdesk.people.may_ask_for),
    typed as a username or email address. With JavaScript the box searches as you type
    (static/js/person-picker.js, over /people/search/)."""

    default_error_messages = {
        "invalid_choice": _(
            "We can't find anyone with that username or email address. Check the spelling, or "
            "leave the box empty if it is for you."
        ),
        "not_yours": _("You can ask only for yourself and for the people who report to you."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("For whom?"))
        kwargs.setdefault(
            "help_text", _("Leave empty when it is for you. Otherwise type their name, username or email address.")
        )
        super().__init__(**kwargs)
        self.asker = None
        self.widget.attrs.update({"data-person-search": reverse_lazy("people-search"), "maxlength": PERSON_LIMIT})

    def to_python(self, value):
        person = super().to_python(value)
        if person is not None and self.asker is not None and not may_ask_for(self.asker, person):
            raise forms.ValidationError(self.error_messages["not_yours"], code="not_yours")
        return person


class IncidentForm(forms.Form):
    """Report something broken, in as few words as a phone allows."""

    IMPACT = [
        ("low", _("Just me")),
        ("medium", _("My team or several people")),
        ("high", _("Many people or a whole office")),
    ]
    URGENCY = [
        ("low", _("Yes, it can wait")),
        ("medium", _("Slowly, with a workaround")),
        ("high", _("No, I'm stopped")),
    ]

    title = forms.CharField(
        label=_("What is wrong?"),
        max_length=TITLE_LIMIT,
        help_text=_("One line, e.g. 'Laptop won't start' or 'No Wi-Fi on floor 3'."),
    )
    description = forms.CharField(
        label=_("Anything else we should know?"),
        required=False,
        max_length=DESCRIPTION_LIMIT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    impact = forms.ChoiceField(label=_("Who is affected?"), choices=IMPACT, initial="low", widget=forms.RadioSelect)
    urgency = forms.ChoiceField(
        label=_("Can you still work?"), choices=URGENCY, initial="medium", widget=forms.RadioSelect
    )
    requester = ForWhomField(required=False)
    service = forms.ModelChoiceField(
        label=_("Which service is it about?"),
        required=False,
        queryset=Service.objects.offered().order_by("name"),
        empty_label=_("I don't know"),
    )

    # How the person got in touch, when an analyst raises it for them (the API and mail set their own).
    CALLER_CHANNELS = [(c.value, c.label) for c in (Channel.PHONE, Channel.WALK_IN, Channel.EMAIL)]
    channel = forms.ChoiceField(
        label=_("How did they get in touch? (analysts only)"),
        choices=CALLER_CHANNELS,
        initial=Channel.PHONE,
        required=False,
        help_text=_("Only when you raise this for someone else; what you raise for yourself came in by the portal."),
    )

    def __init__(self, *args, asker, **kwargs):
        super().__init__(*args, **kwargs)
        if asks_for_others(asker):
            self.fields["requester"].asker = asker
        else:
            del self.fields["requester"]
        if not asks_for_anyone(asker):  # a line manager asks through the portal, not on a call
            del self.fields["channel"]

    def clean(self):
        data = super().clean()
        # Raised for oneself, or by a line manager, it came in by the portal, whatever the box says.
        if not data.get("requester") or "channel" not in self.fields:
            data["channel"] = Channel.PORTAL
        elif not data.get("channel"):
            data["channel"] = Channel.PHONE
        return data


class OnBehalfForm(forms.Form):
    """Whom a catalogue request is for, chosen before the form so the page quotes their price."""

    requester = ForWhomField(required=False)

    def __init__(self, *args, asker, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requester"].asker = asker


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Zero or more files, each checked for size and type before anything is stored."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        cleaned = [super(AttachmentsField, self).clean(f, initial) for f in files]
        for upload in cleaned:
            check_upload(upload)
        return cleaned


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), widget=forms.Textarea(attrs={"rows": 4}), max_length=MESSAGE_LIMIT)
    files = AttachmentsField(label=_("Attach files"), help_text=_("Optional; up to 10 MB each."))
    internal = forms.BooleanField(label=_("Internal note (not shown to the requester)"), required=False)


class ActionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=COMMENT_LIMIT
    )


class SavedViewForm(forms.ModelForm):
    """Name the desk's filters: the name's limit is the model's, told in words rather than cut short."""

    class Meta:
        model = SavedView
        fields = ["name", "query"]
        error_messages = {
            "name": {
                "required": _("Give the view a name."),
                "max_length": _("A view's name can be up to %(limit_value)d characters; this one has %(show_value)d."),
            },
            "query": {"max_length": _("These filters are too many to save; choose fewer.")},
        }


class ChangeServiceForm(forms.Form):
    """Change or cancel something a person has: what they want, confirmed after reading what it means."""

    text = forms.CharField(required=False, max_length=COMMENT_LIMIT)
    confirm = forms.BooleanField(
        error_messages={"required": _("Tick the box to confirm you have read what this means.")}
    )


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, with its mail written to the outbox (retried; never lost with the request)."""

    def send_mail(
        self, subject_template_name, email_template_name, context, from_email, to_email, html_email_template_name=None
    ):
        from helpdesk import outbox
        from helpdesk.models import Mail

        subject = "".join(render_to_string(subject_template_name, context).splitlines())
        body = render_to_string(email_template_name, context)
        html = render_to_string(html_email_template_name, context) if html_email_template_name else ""
        outbox.queue([outbox.Outgoing([to_email], subject, body, purpose=Mail.Purpose.ACCOUNT, html_body=html)])


class ComposeForm(ReplyForm):
    """The analyst's one composer: a reply or an internal note, which may also take the ticket a step on
    (`then`, a transition's name) and set its priority. Which steps and priorities are offered comes from
    the view (the state machine and the Priority enum); the service checks them again."""

    then = forms.ChoiceField(label=_("And then"), required=False, choices=[("", _("Nothing else"))])
    priority = forms.ChoiceField(label=_("Priority"), required=False, choices=[("", _("Leave as it is"))])

    def __init__(self, *args, steps=(), priorities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["then"].choices = [("", _("Nothing else")), *steps]
        self.fields["priority"].choices = [("", _("Leave as it is")), *priorities]
