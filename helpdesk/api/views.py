"""The API's views: thin, over the same selectors and services as the pages. Every ticket is found
through `Ticket.objects.visible_to(user)` (404 for one a person may not see); every write goes through
helpdesk.services, whose Refused becomes a problem with its status (helpdesk.api.problems)."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django import forms
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers as drf
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from catalogue.demand import record_refusal
from catalogue.forms import RequestForm
from catalogue.models import RequestKind, Service
from catalogue.selectors import OfferBook, offer_to, request_types_for, request_types_to_ask, services_for_catalogue
from catalogue.services import NotEntitled
from helpdesk import handoff, services
from helpdesk.api import pagination
from helpdesk.api import serializers as s
from helpdesk.api.auth import AsksForOthers, IsManager
from helpdesk.filters import SORTS, DeskFilter, references_in
from helpdesk.forms import ForWhomField
from helpdesk.models import Channel, Message, State, Team, Ticket, is_team_analyst
from helpdesk.models.people import display_name
from helpdesk.models.tickets import DESK_COLUMNS, OPEN_STATES
from helpdesk.people import asks_for_anyone, search_askable
from helpdesk.queues import sla_state
from helpdesk.reports import read, table
from helpdesk.reports.forms import ReportForm
from helpdesk.services import POSTABLE, Refused

PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# What a row of the list reads: the desk's columns and what the API adds, as plain values.
LIST_COLUMNS = (*DESK_COLUMNS, "kind", "channel", "created_at")


class Problem(drf.Serializer):
    """RFC 9457 problem details (application/problem+json)."""

    type = drf.CharField()
    title = drf.CharField()
    status = drf.IntegerField()
    detail = drf.CharField()
    errors = drf.ListField(
        child=inline_serializer("FieldError", {"field": drf.CharField(allow_null=True), "detail": drf.CharField()}),
        required=False,
        help_text="What is wrong with each field, when the input did not validate.",
    )


def answers(ok: dict, *problems: int) -> dict:
    """A schema's responses: the success ones, and each problem status as application/problem+json."""
    documented = {401, 429, *problems}
    return {**ok, **{(status, "application/problem+json"): Problem for status in sorted(documented)}}


def _visible(user, reference: str) -> Ticket:
    tickets = Ticket.objects.visible_to(user).for_portal().select_related("requester", "raised_by")
    return get_object_or_404(tickets, reference=reference)


def _person(user) -> dict | None:
    return None if user is None else {"username": user.username, "name": str(user)}


def _ticket_data(ticket: Ticket, user) -> dict:
    """One ticket as `user` may read it (one query for its messages and one for their files)."""
    team = is_team_analyst(ticket, user)
    messages = ticket.messages.select_related("author").prefetch_related("attachments")
    if not team:
        messages = messages.filter(internal=False)
    available = {t.name for t in ticket.get_available_user_state_transitions(user)}
    return {
        "reference": ticket.reference,
        "kind": ticket.kind,
        "title": ticket.title,
        "description": ticket.description,
        "state": ticket.state,
        "state_label": ticket.state_for(user),
        "priority": ticket.priority,
        "impact": ticket.impact,
        "urgency": ticket.urgency,
        "channel": ticket.channel,
        "team": {"id": ticket.team_id, "name": ticket.team.name},
        "service": {"id": ticket.service_id, "name": ticket.service.name} if ticket.service_id else None,
        "request_type": ticket.request_type.slug if ticket.request_type_id else None,
        "requester": _person(ticket.requester),
        "raised_by": _person(ticket.raised_by),
        "assignee": _person(ticket.assignee),
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "due_at": ticket.due_at,
        "first_response_at": ticket.first_response_at,
        "resolved_at": ticket.resolved_at,
        "closed_at": ticket.closed_at,
        "resolution": ticket.resolution,
        "provider_reference": ticket.provider_reference if team else None,
        "transitions": sorted(available & POSTABLE),
        "messages": [_message_data(message) for message in messages],
    }


def _message_data(message: Message) -> dict:
    return {
        "id": message.pk,
        "author": _person(message.author),
        "body": message.body,
        "internal": message.internal,
        "via": message.via,
        "created_at": message.created_at,
        "attachments": [
            {"name": a.name, "size": a.size, "content_type": a.content_type} for a in message.attachments.all()
        ],
    }


def _ticket_response(request, reference: str, *, status: int = 200) -> Response:
    ticket = _visible(request.user, reference)
    response = Response(s.TicketSerializer(_ticket_data(ticket, request.user)).data, status=status)
    if status == 201:
        response["Location"] = reverse("api-ticket", kwargs={"reference": ticket.reference})
    return response


def _requester(asker, typed: str):
    """Whom something is for: `typed` (a username or email address) as the pages read it (ForWhomField:
    someone active whom `asker` may ask for), or `asker` when empty."""
    if not typed:
        return asker
    field = ForWhomField(required=False)
    field.asker = asker
    try:
        return field.clean(typed) or asker
    except forms.ValidationError as error:
        raise ValidationError({"requester": list(error.messages)}) from None


# -- tickets --------------------------------------------------------------------------------------------------

LIST_PARAMETERS = [
    OpenApiParameter("cursor", str, description="From the `next` of the page before."),
    OpenApiParameter("page_size", int, description=f"Tickets a page, 1 to {MAX_PAGE_SIZE} ({PAGE_SIZE} unless given)."),
    OpenApiParameter("q", str, description="A reference, a number, a requester's email or words in the summary."),
    OpenApiParameter(
        "state",
        str,
        enum=["", "open", *State.values],
        description="Open tickets unless given (as on the desk); empty for any state. A reference searched "
        "for (`q`) is found in any state.",
    ),
    OpenApiParameter("priority", str, enum=["P1", "P2", "P3", "P4"]),
    OpenApiParameter("team", int, description="A team's id (analysts: one of theirs)."),
    OpenApiParameter("assignee", str, description="A username, `me` or `none`."),
    OpenApiParameter("service", int),
    OpenApiParameter("kind", str, enum=list(RequestKind.values)),
    OpenApiParameter("channel", str, enum=list(Channel.values)),
    OpenApiParameter("sla", str, enum=["on_track", "warning", "breached", "today", "paused"]),
    OpenApiParameter("created_after", OpenApiTypes.DATE),
    OpenApiParameter("created_before", OpenApiTypes.DATE),
    OpenApiParameter("due_before", OpenApiTypes.DATE),
    OpenApiParameter("resolved_after", OpenApiTypes.DATE),
    OpenApiParameter("resolved_before", OpenApiTypes.DATE),
    OpenApiParameter("sort", str, enum=[key for key in SORTS if key != "due"], description="Soonest due unless given."),
]


class TicketList(APIView):
    @extend_schema(
        operation_id="tickets_list",
        summary="Tickets you may see, with the desk's filters",
        parameters=LIST_PARAMETERS,
        responses=answers({200: s.TicketPageSerializer}, 400),
    )
    def get(self, request):
        user, now = request.user, timezone.now()
        params = request.query_params.copy()
        cursor = params.pop("cursor", [""])[-1]
        size = _page_size(params.pop("page_size", [""])[-1])
        if not references_in(params.get("q", "")):  # as on the desk: open work unless asked otherwise
            params.setdefault("state", "open")
        teams = list(Team.objects.order_by("name"))
        offered = list(Service.objects.order_by("name").values_list("pk", "name"))
        desk_filter = DeskFilter(
            params, queryset=Ticket.objects.visible_to(user), user=user, now=now, teams=teams, services=offered
        )
        if not desk_filter.is_valid():
            raise ValidationError({name: list(errors) for name, errors in desk_filter.errors.items()})
        tickets = desk_filter.qs
        sort = desk_filter.form.cleaned_data.get("sort") or "due"
        if cursor:
            tickets = tickets.filter(pagination.after(sort, pagination.decode(cursor, sort)))
        # The page is found among ticket rows alone and the names joined onto its rows only, as the desk
        # does (helpdesk.selectors.desk_page): one query, the page a subquery.
        page_ids = tickets.values("pk")[: size + 1]
        found = list(Ticket.objects.filter(pk__in=page_ids).values(*LIST_COLUMNS).order_by(*tickets.query.order_by))
        rows = found[:size]
        next_url = None
        if len(found) > size:
            query = params.copy()
            query["cursor"] = pagination.encode(sort, rows[-1])
            if size != PAGE_SIZE:
                query["page_size"] = str(size)
            next_url = f"{request.path}?{query.urlencode()}"
        data = {"results": [_row(row, now=now) for row in rows], "next": next_url}
        return Response(s.TicketPageSerializer(data).data)

    @extend_schema(
        operation_id="tickets_create",
        summary="Report something broken (an incident)",
        request=s.IncidentInput,
        responses=answers({201: s.TicketSerializer}, 400, 403),
    )
    def post(self, request):
        incoming = s.IncidentInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        requester = _requester(request.user, data.get("requester", ""))
        service = None
        if data.get("service") is not None:
            service = Service.objects.offered().filter(pk=data["service"]).first()
            if service is None:
                raise ValidationError({"service": [_("No service we offer has that id.")]})
        ticket = services.raise_ticket(
            kind=RequestKind.INCIDENT,
            title=data["title"],
            description=data["description"],
            requester=requester,
            raised_by=request.user,
            service=service,
            impact=data["impact"],
            urgency=data["urgency"],
            channel=Channel.API,
        )
        return _ticket_response(request, ticket.reference, status=201)


def _page_size(value: str) -> int:
    if not value:
        return PAGE_SIZE
    if not (value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_PAGE_SIZE):
        raise ValidationError({"page_size": [_("A whole number from 1 to %(most)d.") % {"most": MAX_PAGE_SIZE}]})
    return int(value)


def _row(row: dict, *, now) -> dict:
    def name(prefix: str) -> str:
        return display_name(row[f"{prefix}__first_name"], row[f"{prefix}__last_name"], row[f"{prefix}__username"])

    return {
        "reference": row["reference"],
        "kind": row["kind"],
        "title": row["title"],
        "state": row["state"],
        "priority": row["priority"],
        "channel": row["channel"],
        "team": row["team__name"],
        "service": row["service__name"],
        "requester": name("requester"),
        "assignee": name("assignee") if row["assignee__username"] else None,
        "sla": sla_state(due_at=row["due_at"], warn_at=row["warn_at"], is_open=row["state"] in OPEN_STATES, now=now),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "due_at": row["due_at"],
        "url": reverse("api-ticket", kwargs={"reference": row["reference"]}),
    }


class TicketDetail(APIView):
    @extend_schema(
        operation_id="tickets_read",
        summary="One ticket, with its conversation",
        responses=answers({200: s.TicketSerializer}, 404),
    )
    def get(self, request, reference: str):
        return _ticket_response(request, reference)


class _Conversation(APIView):
    internal: bool

    def post(self, request, reference: str):
        ticket = _visible(request.user, reference)
        incoming = s.MessageInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        message = services.reply(
            ticket, by=request.user, body=incoming.validated_data["body"], internal=self.internal, via=Channel.API
        )
        message = Message.objects.select_related("author").prefetch_related("attachments").get(pk=message.pk)
        return Response(s.MessageSerializer(_message_data(message)).data, status=201)


class TicketReply(_Conversation):
    internal = False

    @extend_schema(
        operation_id="tickets_reply",
        summary="Reply (the requester reads it and is mailed it)",
        request=s.MessageInput,
        responses=answers({201: s.MessageSerializer}, 400, 403, 404, 409),
    )
    def post(self, request, reference: str):
        return super().post(request, reference)


class TicketNote(_Conversation):
    internal = True

    @extend_schema(
        operation_id="tickets_note",
        summary="Add an internal note (the team only)",
        request=s.MessageInput,
        responses=answers({201: s.MessageSerializer}, 400, 403, 404, 409),
    )
    def post(self, request, reference: str):
        return super().post(request, reference)


class TicketTransition(APIView):
    @extend_schema(
        operation_id="tickets_transition",
        summary="Take a step: start, wait_on_requester, resolve, reopen, confirm, cancel, …",
        description="The steps the reader may take now are the ticket's `transitions`. Those that take words "
        "(wait_on_requester: the question; resolve: the resolution; reopen, cancel: the reason) need `text`.",
        request=s.TransitionInput,
        responses=answers({200: s.TicketSerializer}, 400, 403, 404, 409),
    )
    def post(self, request, reference: str):
        ticket = _visible(request.user, reference)
        incoming = s.TransitionInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.perform(ticket, data["action"], by=request.user, text=data["text"])
        return _ticket_response(request, reference)


class TicketProviderAnswer(APIView):
    @extend_schema(
        operation_id="tickets_provider_answer",
        summary="Pass on the supplier's answer (the team)",
        description="Their words become an internal note; a ticket waiting on them goes back to in progress "
        "(their clock stops, the rest of the time is ours). helpdesk.handoff.provider_answered.",
        request=s.ProviderAnswerInput,
        responses=answers({201: s.MessageSerializer}, 400, 403, 404, 409),
    )
    def post(self, request, reference: str):
        ticket = _visible(request.user, reference)
        if not is_team_analyst(ticket, request.user):
            raise Refused(_("Only the ticket's team can pass on a supplier's answer."))
        incoming = s.ProviderAnswerInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        note = handoff.provider_answered(ticket, text=incoming.validated_data["text"], via=Channel.API, by=request.user)
        note = Message.objects.select_related("author").prefetch_related("attachments").get(pk=note.pk)
        return Response(s.MessageSerializer(_message_data(note)).data, status=201)


# -- the catalogue ---------------------------------------------------------------------------------------------


def _offer_data(offer, policy=None) -> dict:
    policy = offer.policy if policy is None else policy
    return {
        "entitled": offer.entitled,
        "reason": str(offer.reason),
        "ask": str(offer.ask),
        "one_off": offer.one_off,
        "monthly": offer.monthly,
        "discount": str(offer.discount),
        "policy": policy.name if policy is not None else None,
    }


def _request_type_data(request_type, offer, *, questions: bool = False) -> dict:
    data = {
        "slug": request_type.slug,
        "name": request_type.name,
        "kind": request_type.kind,
        "summary": request_type.summary,
        "service": request_type.service_id,
        "offer": _offer_data(offer),
    }
    if questions:
        data["questions"] = [
            {
                "key": field.key,
                "label": field.label,
                "type": field.field_type,
                "required": field.required,
                "help_text": field.help_text,
                "choices": list(field.choice_list),
            }
            for field in request_type.fields.all()
        ]
    return data


class ServiceList(APIView):
    @extend_schema(
        operation_id="services_list",
        summary="The catalogue: offered services, what each offers you and at what price",
        responses=answers({200: s.ServiceSerializer(many=True)}),
    )
    def get(self, request):
        offered = list(services_for_catalogue().order_by("name"))
        book = OfferBook(request.user)
        offers = defaultdict(list)
        for request_type in request_types_for(offered):
            offers[request_type.service_id].append(_request_type_data(request_type, book.offer(request_type)))
        data = [
            {
                "id": service.pk,
                "slug": service.slug,
                "name": service.name,
                "summary": service.summary,
                "category": service.category.name if service.category_id else "",
                "owner_team": service.owner_team.name,
                "status": service.status,
                "policy": getattr(book.policy_for(service), "name", None),
                "request_types": offers.get(service.pk, []),
            }
            for service in offered
        ]
        return Response(s.ServiceSerializer(data, many=True).data)


class RequestTypeDetail(APIView):
    @extend_schema(
        operation_id="request_types_read",
        summary="One request type: your offer and the questions it asks",
        responses=answers({200: s.RequestTypeSerializer}, 404),
    )
    def get(self, request, slug: str):
        request_type = get_object_or_404(request_types_to_ask(request.user), slug=slug)
        offer = offer_to(request.user, request_type)
        return Response(s.RequestTypeSerializer(_request_type_data(request_type, offer, questions=True)).data)


class RequestTypeAsk(APIView):
    @extend_schema(
        operation_id="request_types_ask",
        summary="Ask for it, for yourself or for someone you may ask for",
        request=s.AskInput,
        responses=answers({201: s.TicketSerializer}, 400, 403, 404),
    )
    def post(self, request, slug: str):
        incoming = s.AskInput(data=request.data)
        incoming.is_valid(raise_exception=True)
        requester = _requester(request.user, incoming.validated_data.get("requester", ""))
        request_type = get_object_or_404(request_types_to_ask(requester), slug=slug)
        offer = offer_to(requester, request_type)
        if not offer.entitled:
            record_refusal(request_type, person=requester)
            raise Refused(str(offer.reason) or _("This is not offered to them."), status=403)
        form = RequestForm(request_type.fields.all(), _form_data(incoming.validated_data["answers"]), MultiValueDict())
        if not form.is_valid():
            raise ValidationError({"answers": {key: list(errors) for key, errors in form.errors.items()}})
        try:
            ticket = services.ask_for(
                request_type=request_type,
                requester=requester,
                raised_by=request.user,
                form=form,
                offer=offer,
                channel=Channel.API,
            )
        except NotEntitled as refused:
            raise Refused(str(refused) or _("This is not offered to them."), status=403) from None
        return _ticket_response(request, ticket.reference, status=201)


def _form_data(answers: dict) -> MultiValueDict:
    """JSON answers as a form would post them: lists as repeated values, true/false as yes/no."""
    data = MultiValueDict()
    for key, value in answers.items():
        values = value if isinstance(value, list) else [value]
        data.setlist(str(key), [_posted(item) for item in values])
    return data


def _posted(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return "" if value is None else str(value)


# -- people and reports ----------------------------------------------------------------------------------------


class PeopleSearch(APIView):
    permission_classes = [*APIView.permission_classes, AsksForOthers]

    @extend_schema(
        operation_id="people_search",
        summary="People you may raise something for, by the first letters of their names",
        parameters=[OpenApiParameter("q", str, required=True)],
        responses=answers({200: s.PersonFoundSerializer(many=True)}, 400, 403),
    )
    def get(self, request):
        query = s.PeopleQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        show_email = asks_for_anyone(request.user)
        people = search_askable(request.user, query.validated_data["q"])
        data = [
            {
                "username": person.username,
                "name": str(person),
                "email": person.email if show_email else "",
                "division": person.division.name if person.division_id else None,
                "location": person.location.name if person.location_id else None,
            }
            for person in people
        ]
        return Response(s.PersonFoundSerializer(data, many=True).data)


def _figures(figures: read.Figures, *, value: str = "", label: str = "") -> dict:
    numbers = {}
    for column in table.COLUMNS:
        number = getattr(figures, column.key)
        if isinstance(number, timedelta):
            number = number.total_seconds()
        numbers[column.key] = number
    return {"value": value, "label": label or figures.label, "figures": numbers}


def _period(period) -> dict:
    return {
        "key": period.key,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "label": period.label,
    }


class ReportFigures(APIView):
    permission_classes = [*APIView.permission_classes, IsManager]

    @extend_schema(
        operation_id="reports_read",
        summary="A period's figures, as /reports/ shows them (managers)",
        parameters=[s.ReportQuery],
        responses=answers({200: s.ReportSerializer}, 400, 403),
    )
    def get(self, request):
        form = ReportForm(request.query_params or None, now=timezone.now())
        if form.is_bound and not form.is_valid():
            raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
        period, chosen = form.chosen()
        report = read.report(period, chosen)
        data = {
            "period": _period(report.period),
            "previous": _period(report.previous),
            "by": chosen.by,
            "total": _figures(report.total),
            "before": _figures(report.before_total, label=str(report.total.label)),
            "rows": [_figures(row, value=row.value) for row in report.rows],
        }
        return Response(s.ReportSerializer(data).data)
