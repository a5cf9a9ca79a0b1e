"""What the API reads and writes. Input limits are the models' (helpdesk/models/tickets.py), so a text
too long is a 400 naming the field, never a database error."""

from __future__ import annotations

from rest_framework import serializers

from catalogue.models import RequestKind
from helpdesk.models import Channel, Level, State
from helpdesk.models.tickets import COMMENT_LIMIT, DESCRIPTION_LIMIT, MESSAGE_LIMIT, SEARCH_LIMIT, TITLE_LIMIT
from helpdesk.reports import table
from helpdesk.services import POSTABLE
from sla.models import Priority

# The steps a person may post by name, as the ticket page does (helpdesk.services.POSTABLE).
ACTIONS = [(name, name) for name in sorted(POSTABLE)]
# A username (150) or an email address (254), at their longest.
PERSON_LIMIT = 254


class PersonSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketRowSerializer(serializers.Serializer):
    """One ticket in a list: plain column values, as the desk reads them (no query per row)."""

    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    title = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    priority = serializers.ChoiceField(choices=Priority.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    team = serializers.CharField()
    service = serializers.CharField(allow_null=True)
    requester = serializers.CharField(help_text="The requester's name.")
    assignee = serializers.CharField(allow_null=True)
    sla = serializers.CharField(help_text="on_track, warning, breached, paused or none, as on the desk.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True, help_text="The soonest deadline of a target still counting.")
    url = serializers.CharField(help_text="This ticket in the API.")


class TicketPageSerializer(serializers.Serializer):
    results = TicketRowSerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text="The next page, or null on the last one.")


class AttachmentSerializer(serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    author = PersonSerializer()
    body = serializers.CharField()
    internal = serializers.BooleanField()
    via = serializers.ChoiceField(choices=Channel.choices)
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True)


class TicketSerializer(serializers.Serializer):
    """One ticket as its reader may see it: internal notes and the supplier's reference for the team only."""

    reference = serializers.CharField()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    title = serializers.CharField()
    description = serializers.CharField()
    state = serializers.ChoiceField(choices=State.choices)
    state_label = serializers.CharField(help_text="The state in its reader's words.")
    priority = serializers.ChoiceField(choices=Priority.choices)
    impact = serializers.ChoiceField(choices=Level.choices)
    urgency = serializers.ChoiceField(choices=Level.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    team = NamedSerializer()
    service = NamedSerializer(allow_null=True)
    request_type = serializers.CharField(allow_null=True, help_text="The catalogue request type's slug.")
    requester = PersonSerializer()
    raised_by = PersonSerializer()
    assignee = PersonSerializer(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField(allow_null=True)
    first_response_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()
    provider_reference = serializers.CharField(allow_null=True, help_text="The team's only; null for others.")
    transitions = serializers.ListField(
        child=serializers.ChoiceField(choices=ACTIONS),
        help_text="What the reader may do to the ticket now (POST …/transitions/ with one of these).",
    )
    messages = MessageSerializer(many=True)


class IncidentInput(serializers.Serializer):
    """Report something broken, for yourself or for someone you may ask for."""

    title = serializers.CharField(max_length=TITLE_LIMIT)
    description = serializers.CharField(max_length=DESCRIPTION_LIMIT, required=False, allow_blank=True, default="")
    impact = serializers.ChoiceField(choices=Level.choices, default=Level.LOW)
    urgency = serializers.ChoiceField(choices=Level.choices, default=Level.MEDIUM)
    service = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**31 - 1, help_text="An offered service's id."
    )
    requester = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=PERSON_LIMIT,
        help_text="Username or email address of whom it is for; empty or absent: yourself.",
    )


class AskInput(serializers.Serializer):
    """Ask for something from the catalogue: the answers to the request type's questions, by key."""

    requester = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=PERSON_LIMIT,
        help_text="Username or email address of whom it is for; empty or absent: yourself.",
    )
    answers = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        default=dict,
        help_text="The form's answers by question key (GET the request type for its questions). "
        "Files cannot be sent through the API.",
    )


class MessageInput(serializers.Serializer):
    body = serializers.CharField(max_length=MESSAGE_LIMIT)


class ProviderAnswerInput(serializers.Serializer):
    text = serializers.CharField(max_length=MESSAGE_LIMIT - 200, help_text="The supplier's words, as they sent them.")


class TransitionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=ACTIONS)
    text = serializers.CharField(
        max_length=COMMENT_LIMIT,
        required=False,
        allow_blank=True,
        default="",
        help_text="The question, resolution or reason, for the steps that take one.",
    )


class OfferSerializer(serializers.Serializer):
    entitled = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why not, when not entitled.")
    ask = serializers.CharField(help_text="Whom to ask, when not entitled.")
    one_off = serializers.DecimalField(max_digits=12, decimal_places=2)
    monthly = serializers.DecimalField(max_digits=12, decimal_places=2)
    discount = serializers.CharField()
    policy = serializers.CharField(allow_null=True, help_text="The service level it would be measured by.")


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField()
    required = serializers.BooleanField()
    help_text = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField())


class RequestTypeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    summary = serializers.CharField()
    service = serializers.IntegerField()
    offer = OfferSerializer(help_text="The offer to the reader.")
    questions = QuestionSerializer(many=True, required=False, help_text="Only when one request type is read.")


class ServiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()
    summary = serializers.CharField()
    category = serializers.CharField()
    owner_team = serializers.CharField()
    status = serializers.CharField()
    policy = serializers.CharField(allow_null=True, help_text="The service level the reader's tickets run under.")
    request_types = RequestTypeSerializer(many=True)


class PersonFoundSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    email = serializers.CharField(help_text="For analysts and managers only; empty for others.")
    division = serializers.CharField(allow_null=True)
    location = serializers.CharField(allow_null=True)


class PeopleQuery(serializers.Serializer):
    q = serializers.CharField(max_length=SEARCH_LIMIT, help_text="The first letters of names, username or email.")


class ReportQuery(serializers.Serializer):
    """The choices of /reports/, validated by its own form (helpdesk.reports.forms.ReportForm)."""

    period = serializers.CharField(required=False, help_text='"2026-11", "2026-Q3" or "custom" (with start and end).')
    start = serializers.DateField(required=False)
    end = serializers.DateField(required=False)
    who = serializers.CharField(required=False, help_text='"everyone", "division:<id>" or "team:<id>".')
    by = serializers.CharField(required=False, help_text="A breakdown: service, team, priority, … or all.")


def _figure_field(column) -> serializers.Field:
    """A report column as a number: counts and percentages whole, times in seconds, averages as decimals;
    null where nothing was measured."""
    if column.kind == "count":
        return serializers.IntegerField(help_text=str(column.label))
    if column.kind == "percent":
        return serializers.IntegerField(allow_null=True, help_text=f"{column.label} (%)")
    if column.kind == "time":
        return serializers.FloatField(allow_null=True, help_text=f"{column.label} (seconds)")
    return serializers.FloatField(allow_null=True, help_text=str(column.label))


# The columns of /reports/ (helpdesk.reports.table.COLUMNS), one field each.
ReportColumns = type(
    "ReportColumns", (serializers.Serializer,), {column.key: _figure_field(column) for column in table.COLUMNS}
)


class FiguresSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The breakdown's value (an id or a key); empty for the total.")
    label = serializers.CharField()
    figures = ReportColumns(help_text="The report's columns, as /reports/ shows them.")


class ReportSerializer(serializers.Serializer):
    period = serializers.DictField(child=serializers.CharField())
    previous = serializers.DictField(child=serializers.CharField())
    by = serializers.CharField()
    total = FiguresSerializer()
    before = FiguresSerializer(help_text="The total of the period before.")
    rows = FiguresSerializer(many=True)
