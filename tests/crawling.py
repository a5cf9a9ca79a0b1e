"""What the hostile sweep and the URL x role crawl share: every URL pattern from the resolver as a
fillable template, and a small world of real objects (tickets, notes, files, saved views, a catalogue
request with a file answer, published pages) whose texts carry markers a test can look for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from urllib.parse import quote

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

from catalogue.models import FormField, RequestType
from cms.models import CatalogueIndexPage, HomePage, Milestone, ProjectPage, PromisePage, PromiseTeam, ServicePage
from helpdesk import services
from helpdesk.board.make import generate as board_make
from helpdesk.models import SavedView, Ticket, User
from helpdesk.reports import facts, periods
from tests import factories

# Our own screens in the Wagtail admin (ModelViewSets and snippets): walked whole; the rest of /admin/
# and /django-admin/ is Wagtail's and Django's own code, sampled.
OUR_ADMIN = re.compile(
    r"^admin/(team|division|costcentre|grade|location|service|requesttype|category|provider|discountscheme"
    r"|calendar|policy|snippets/(catalogue|helpdesk|sla))"
)
ADMIN_SAMPLE_EVERY = 15


@dataclass(frozen=True)
class Route:
    """One URL pattern: `template` with {name} slots for its parameters, as str.format fills them."""

    template: str
    params: tuple[str, ...]
    name: str | None

    @property
    def ours(self) -> bool:
        return not self.template.startswith(("admin/", "django-admin/", "documents/", "_util/"))

    def fill(self, values: dict[str, str]) -> str:
        """The path for `values` (already URL-quoted), every slot filled (an id of 1 where none is given)."""
        return "/" + self.template.format(**{p: values.get(p, "1") for p in self.params})


def _route_template(route: str, params: list[str]) -> str:
    def slot(match: re.Match) -> str:
        params.append(match.group(2))
        return "{" + match.group(2) + "}"

    return re.sub(r"<(?:(\w+):)?(\w+)>", slot, route.replace("{", "{{").replace("}", "}}"))


def _regex_template(regex: str, params: list[str]) -> str:
    """A fillable template from a regex: each top-level group becomes a slot, `.*` becomes nothing."""
    regex = regex.removeprefix("^").removesuffix("$")
    out, i = [], 0
    while i < len(regex):
        char = regex[i]
        if char == "(":
            depth, j = 0, i
            while True:
                if regex[j] == "\\":
                    j += 2
                    continue
                depth += {"(": 1, ")": -1}.get(regex[j], 0)
                if depth == 0:
                    break
                j += 1
            named = re.match(r"\(\?P<(\w+)>", regex[i:])
            name = named.group(1) if named else f"arg{len(params)}"
            params.append(name)
            out.append("{" + name + "}")
            i = j + 1
        elif char == "\\":
            out.append(regex[i + 1])
            i += 2
        elif regex.startswith(".*", i):
            i += 2
        else:
            out.append({"{": "{{", "}": "}}"}.get(char, char))
            i += 1
    return "".join(out)


def routes() -> list[Route]:
    """Every URL pattern the resolver knows, nested includes walked, in a stable order."""
    found: list[Route] = []

    def walk(resolver, prefix: str, params: list[str]):
        for entry in resolver.url_patterns:
            mine = list(params)
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                part = _route_template(str(pattern._route), mine)
            elif isinstance(pattern, RegexPattern):
                part = _regex_template(pattern._regex, mine)
            else:  # a LocalePrefixPattern or the like: no slots
                part = str(pattern)
            if isinstance(entry, URLResolver):
                walk(entry, prefix + part, mine)
            else:
                found.append(Route(prefix + part, tuple(dict.fromkeys(mine)), entry.name))

    walk(get_resolver(), "", [])
    unique = {route.template: route for route in found}
    return sorted(unique.values(), key=lambda r: r.template)


def swept(all_routes: list[Route]) -> list[Route]:
    """Ours in full; our own admin screens in full; every fifteenth of the rest of the admin."""
    chosen = []
    for index, route in enumerate(all_routes):
        if route.ours or OUR_ADMIN.match(route.template) or index % ADMIN_SAMPLE_EVERY == 0:
            chosen.append(route)
    return chosen


def not_ours(path: str, what: str) -> str | None:
    """Why a server error is in Wagtail's or Django's own code, not ours (None when it is ours): told in
    the output, not failed on."""
    if path.startswith("/admin/choose-external-link/"):
        return "Wagtail's link chooser fails on a post without its own fields"
    if re.fullmatch(r"/admin/pages/\d+/unpublish/", path):
        return "Wagtail's unpublish view hands a `next` with no slash in it to redirect(), which reverses it"
    return None


def client(person: User | None) -> Client:
    made = Client()
    if person is not None:
        made.force_login(person)
    return made


def status_text(response) -> str:
    return f"{response.status_code} {response.request['REQUEST_METHOD']} {response.request['PATH_INFO'][:120]}"


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    return content.decode("utf-8", "replace")


# -- the world -----------------------------------------------------------------------------------------------

FORM_FIELDS = [
    ("Why do you need it", "long_text", True),
    ("Where are you", "text", False),
    ("Keyboard layout", "choice", False, "Swedish\nUK English"),
    ("Extras", "multiple_choice", False, "Dock\nBag"),
    ("Needed by", "date", False),
    ("How many", "number", False),
    ("Can you still work", "yes_no", False),
    ("Who is it for", "person", False),
    ("Photo", "file", False),
]


@dataclass
class Side:
    """One person's ticket in one team, with a public reply and file, an internal note and file, and a
    catalogue request whose form answers hold a file; every text carries the marker `mark`."""

    mark: str
    ticket: Ticket
    request: Ticket
    public_file: int
    internal_file: int
    saved_view: SavedView
    markers: dict[str, str] = field(default_factory=dict)  # marker -> what it is ("ticket", "note", ...)


@dataclass
class World:
    people: object
    request_type: RequestType
    mine: Side  # the requester's, in people.team
    theirs: Side  # other_staff's, in people.other_team
    pages: list[str]
    public_marker: str

    def values(self, side: Side) -> dict[str, str]:
        """Real values for every parameter name the resolver uses, pointing at `side`'s objects."""
        home = HomePage.objects.get()
        page = ServicePage.objects.first()
        return {
            "reference": side.ticket.reference,
            "pk": str(side.public_file),
            "key": "photo",
            "what": "change",
            "slug": self.request_type.slug,
            "uidb64": "MQ",
            "token": "set-password",
            "page_id": str(page.pk),
            "parent_page_id": str(home.pk),
            "page_to_move_id": str(page.pk),
            "destination_id": str(home.pk),
            "page_pk": str(page.pk),
            "app_label": "helpdesk",
            "model_name": "team",
            "app_name": "helpdesk",
            "content_type_app_name": "helpdesk",
            "content_type_model_name": "team",
            "object_id": str(self.people.team.pk),
            "id": "1",
            "month": "2026-11",  # a month with a board report (build_world) and chargeback statements
            "code": side.ticket.requester.cost_centre.code if side.ticket.requester.cost_centre else "1",
            "arg0": "",
            "arg1": "",
        }


def _side(mark: str, *, requester: User, analyst: User, team, request_type: RequestType) -> Side:
    ticket = factories.ticket(
        requester=requester,
        team=team,
        service=factories.ServiceFactory(owner_team=team),
        state="in_progress",
        title=f"{mark}-ticket printer on fire",
        description=f"{mark}-details of the fire",
    )
    reply = services.reply(
        ticket,
        by=requester,
        body=f"{mark}-reply the toner smokes",
        files=[SimpleUploadedFile(f"{mark}-public.txt", f"{mark}-public-bytes".encode(), content_type="text/plain")],
        notify=False,
    )
    note = services.reply(
        ticket,
        by=analyst,
        body=f"{mark}-note suspect the fuser",
        internal=True,
        files=[SimpleUploadedFile(f"{mark}-internal.txt", f"{mark}-internal-bytes".encode(), "text/plain")],
        notify=False,
    )
    asker = client(requester)
    response = asker.post(
        f"/ask/{request_type.slug}/",
        {
            "why_do_you_need_it": f"{mark}-answer my old one broke",
            "photo": SimpleUploadedFile(f"{mark}-answer.png", f"{mark}-answer-bytes".encode(), "image/png"),
        },
    )
    assert response.status_code == 302, body_of(response)[:2000]
    request = Ticket.objects.get(requester=requester, submission__isnull=False)
    for action in ("start", "resolve"):
        services.perform(request, action, by=request.team.members.first(), text="Done.", notify=False)
    view = SavedView.objects.create(owner=analyst, name=f"{mark}-view", query="state=open")
    return Side(
        mark=mark,
        ticket=ticket,
        request=request,
        public_file=reply.attachments.get().pk,
        internal_file=note.attachments.get().pk,
        saved_view=view,
        markers={
            f"{mark}-ticket": "ticket",
            f"{mark}-details": "ticket",
            f"{mark}-reply": "ticket",
            f"{mark}-public-bytes": "ticket",
            f"{mark}-note": "note",
            f"{mark}-internal.txt": "note",
            f"{mark}-internal-bytes": "note",
            f"{mark}-answer my": "request",
            f"{mark}-answer-bytes": "request",
            f"{mark}-view": "view",
        },
    )


def build_world(people) -> World:
    """Requester's and other staff's tickets in two teams, a request form with every kind of question,
    and the site's pages (catalogue, a service, a project, the promise) published."""
    factories.PolicyFactory(name="Standard", is_default=True)
    shared = factories.TeamFactory(name="Workplace", slug="service-desk", members=[people.analyst])
    service = factories.ServiceFactory(name="Laptop", slug="laptop", owner_team=shared)
    request_type = factories.RequestTypeFactory(
        service=service, slug="new-laptop", monthly_price=Decimal("10.00"), fields=FORM_FIELDS
    )
    FormField.objects.filter(request_type=request_type, field_type="file").update(key="photo")
    FormField.objects.filter(request_type=request_type, field_type="text").update(max_length=80)
    mine = _side(
        "MARKA", requester=people.requester, analyst=people.analyst, team=people.team, request_type=request_type
    )
    theirs = _side(
        "MARKB",
        requester=people.other_staff,
        analyst=people.other_analyst,
        team=people.other_team,
        request_type=request_type,
    )
    home = HomePage.objects.get()
    catalogue = home.add_child(instance=CatalogueIndexPage(title="Service catalogue", slug="services"))
    catalogue.add_child(instance=ServicePage(title="Laptop", slug="laptop", service=service, body="<p>MARKPUB</p>"))
    project = ProjectPage(title="Windows 11", slug="windows-11", summary="Every laptop moves.")
    project.milestones = [Milestone(name="Pilot", due=date(2026, 9, 15))]
    home.add_child(instance=project)
    promise = PromisePage(title="Our IT Promise", slug="it-promise")
    promise.teams = [PromiseTeam(team=people.team)]
    home.add_child(instance=promise)
    promise.save_revision().publish()
    pages = ["/", "/services/", "/services/laptop/", "/windows-11/", "/it-promise/"]
    facts.refresh()
    board_make(periods.month(date(2026, 11, 1)), now=datetime(2026, 12, 2, 12, tzinfo=UTC))
    return World(people, request_type, mine, theirs, pages, public_marker="MARKPUB")


def quoted(value: str) -> str:
    """A value for a URL path: percent-escapes kept as they are, everything else quoted."""
    return value if re.fullmatch(r"(%[0-9a-fA-F]{2})+", value) else quote(value, safe="")
