"""Pages every role starts from. Thin: access, a form, a redirect."""

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from catalogue.models import Service
from helpdesk import approvals, health, saved_views, selectors, services
from helpdesk.access import role_required
from helpdesk.forms import ProfileForm, SavedViewForm, id_from
from helpdesk.models import SavedView, Team, Ticket, User
from helpdesk.services import Refused


@require_GET
@never_cache
def healthz(request) -> HttpResponse:
    """200 when the database answers, 503 when it does not: for load balancers and uptime checks.

    The background worker's state is reported in the body but never turns the answer into 503: a load
    balancer would take every web server out of rotation for late mail, making a delay an outage. Page
    on `"stale": true` here, or on `manage.py check_worker` failing.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unavailable"}, status=503)
    try:
        worker = health.worker_health(stale_after=timedelta(minutes=settings.WORKER_STALE_MINUTES))
    except DatabaseError:
        detail = {"status": "unknown", "stale": False, "detail": "The task queue could not be read."}
    else:
        detail = {"status": worker.status, "stale": worker.stale, "waiting": worker.waiting, "detail": worker.reason}
    return JsonResponse({"status": "ok", "database": "ok", "worker": detail})


@login_required
def start(request):
    """Where logging in lands: the area a person works in most."""
    roles = request.user.roles
    if roles.manager:
        return redirect("dashboard")
    if roles.analyst:
        return redirect("desk")
    if roles.editor:  # catalogue editors work in Wagtail's admin
        return redirect("wagtailadmin_home")
    return redirect("my")


def _page_number(request, name: str) -> int:
    return min(max(1, id_from(request.GET.get(name)) or 1), 100)  # deeper than 2,000 tickets: the desk's search


def _pager(request, name: str, listing: selectors.MyTickets) -> dict:
    """Links to the newer and the older page of one list, the other list's page kept."""

    def url(page: int) -> str:
        params = request.GET.copy()
        params[name] = str(page)
        return f"?{params.urlencode()}"

    return {
        "page": listing.page,
        "newer": url(listing.page - 1) if listing.page > 1 else "",
        "older": url(listing.page + 1) if listing.has_next else "",
    }


@login_required
def my_home(request):
    """The person's open tickets and their finished ones, apart, each paginated; their services."""
    open_page = selectors.my_page(request.user, is_open=True, page=_page_number(request, "open"))
    done_page = selectors.my_page(request.user, is_open=False, page=_page_number(request, "done"))
    clocks = selectors.running_clocks(open_page.tickets)
    context = {
        "person": request.user,
        "rows": [(ticket, clocks.get(ticket.pk, {})) for ticket in open_page.tickets],
        "done": done_page.tickets,
        "open_pager": _pager(request, "open", open_page),
        "done_pager": _pager(request, "done", done_page),
        "services": selectors.ongoing_services(request.user),
        "now": timezone.now(),
        "approvals_waiting": approvals.waiting_for(request.user).count(),
    }
    return render(request, "helpdesk/my_home.html", context)


@login_required
def profile(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Your preferences are saved."))
            return redirect("my")
        return render(request, "helpdesk/profile.html", {"form": form}, status=400)
    return render(request, "helpdesk/profile.html", {"form": form})


def _render_desk(request, params, *, page: int = 1, status: int = 200, typed: dict | None = None):
    """The desk for `params` (its filters), with `typed`: what a refused form on it held, shown again with
    its message ({"form": "save", "rename" or "share", "view": the saved view's pk, "value", "error"})."""
    all_teams = list(Team.objects.order_by("name"))
    offered = list(Service.objects.order_by("name").values_list("pk", "name"))
    result = selectors.desk_page(request.user, params, now=timezone.now(), teams=all_teams, services=offered, page=page)
    context = {
        "desk": result,
        "teams": [team for team in all_teams if team.pk in request.user.team_ids],
        "saved_views": saved_views.visible_to(request.user),
        "query": params.urlencode(),
        "bulk_teams": all_teams,
        "bulk_people": User.objects.filter(teams__in=request.user.team_ids)
        .distinct()
        .order_by("username")
        .only("username", "first_name", "last_name"),
        "typed": typed or {},
    }
    if request.headers.get("X-Requested-With") == "fetch":
        return render(request, "helpdesk/_desk_rows.html", context)
    return render(request, "helpdesk/desk.html", context, status=status)


@role_required("analyst", "manager")
def desk(request):
    """The queues: filtered in the URL, soonest due first; the rows alone when the page refreshes itself."""
    page = min(max(1, id_from(request.GET.get("page")) or 1), 10_000)
    params = request.GET.copy()
    params.pop("page", None)
    return _render_desk(request, params, page=page)


def _posted_query(request) -> str:
    """The desk's filters a form under it carried, as far as a saved view can hold them."""
    return request.POST.get("query", "")[: SavedView._meta.get_field("query").max_length]


def _back_to_desk(request):
    query = _posted_query(request)
    return redirect(f"{reverse('desk')}?{query}" if query else reverse("desk"))


def _desk_refused(request, refused: Refused, *, form: str, value: str, view: int | None = None):
    """The desk again, as the form was posted from it, with the message and what was typed: a 4xx."""
    params = QueryDict(_posted_query(request), mutable=True)
    params.pop("page", None)
    typed = {"form": form, "view": view, "value": value, "error": refused.message}
    return _render_desk(request, params, status=refused.status, typed=typed)


def _own_view(request, pk: int) -> SavedView:
    """A saved view the person may change: 404 for one they cannot see, 403 for one shared with them."""
    view = get_object_or_404(saved_views.visible_to(request.user), pk=pk)
    if view.owner_id != request.user.pk:
        raise PermissionDenied
    return view


@role_required("analyst", "manager")
@require_POST
def save_view(request):
    """Name the desk's filters; a missing, too long or too many is refused in words (400), what was typed
    and the filters kept."""
    query = request.POST.get("query", "")
    typed = request.POST.get("name", "")
    form = SavedViewForm({"name": typed.strip(), "query": query})
    if not form.is_valid():
        error = next(iter(form.errors.values()))[0]
        return _desk_refused(request, Refused(error, status=400), form="save", value=typed)
    name = form.cleaned_data["name"]
    SavedView.objects.update_or_create(owner=request.user, name=name, defaults={"query": query})
    messages.success(request, _("Saved as “%(name)s”.") % {"name": name})
    return redirect(f"{reverse('desk')}?{query}")


@role_required("analyst", "manager")
@require_POST
def rename_view(request, pk: int):
    """Rename one of your own saved views; a name you already use is refused in words (409), kept."""
    view = _own_view(request, pk)
    typed = request.POST.get("name", "")
    before = view.name
    try:
        saved_views.rename(view, by=request.user, name=typed)
    except Refused as refused:
        return _desk_refused(request, refused, form="rename", view=view.pk, value=typed)
    messages.success(request, _("“%(before)s” is now called “%(name)s”.") % {"before": before, "name": view.name})
    return _back_to_desk(request)


@role_required("analyst", "manager")
@require_POST
def share_view(request, pk: int):
    """Share one of your own saved views with one of your teams, or stop sharing it (an empty team)."""
    view = _own_view(request, pk)
    team_id = request.POST.get("team", "")
    team = None
    if team_id:
        team = Team.objects.filter(pk=id_from(team_id)).first() if id_from(team_id) else None
        if team is None:
            refused = Refused(_("Choose one of your teams."), status=400)
            return _desk_refused(request, refused, form="share", view=view.pk, value=team_id)
    try:
        saved_views.share(view, by=request.user, team=team)
    except Refused as refused:
        return _desk_refused(request, refused, form="share", view=view.pk, value=team_id)
    if team is None:
        messages.success(request, _("“%(name)s” is yours alone again.") % {"name": view.name})
    else:
        messages.success(request, _("“%(name)s” is shared with %(team)s.") % {"name": view.name, "team": team.name})
    return _back_to_desk(request)


@role_required("analyst", "manager")
@require_POST
def delete_view(request, pk: int):
    """Remove one of your own saved views (403 for one shared with you, 404 for one you cannot see)."""
    view = _own_view(request, pk)
    view.delete()
    messages.success(request, _("“%(name)s” is no longer among your views.") % {"name": view.name})
    return _back_to_desk(request)


@role_required("analyst", "manager")
@require_POST
def desk_bulk(request):
    """Assign or move the ticked tickets; only tickets in the person's queues can be touched."""
    ids = [pk for pk in map(id_from, request.POST.getlist("tickets")) if pk is not None]
    tickets = list(Ticket.objects.in_queues_of(request.user).filter(pk__in=ids))
    op = request.POST.get("op", "")
    to = User.objects.filter(username=request.POST.get("to", "")).first()
    team_id = request.POST.get("team", "")
    team = Team.objects.filter(pk=id_from(team_id)).first() if id_from(team_id) else None
    if not tickets or (op == "assign" and to is None) or (op == "move" and team is None):
        messages.error(request, _("Tick some tickets and choose whom to assign them to, or where to move them."))
        return redirect(f"{reverse('desk')}?{request.POST.get('query', '')}")
    done, problems = services.bulk(tickets, by=request.user, op=op, to=to, team=team)
    messages.success(request, _("%(n)s tickets updated.") % {"n": done})
    for problem in problems:
        messages.error(request, problem)
    return redirect(f"{reverse('desk')}?{request.POST.get('query', '')}")


@role_required("manager")
def dashboard(request):
    return render(request, "helpdesk/dashboard.html", {"board": selectors.board(now=timezone.now())})
