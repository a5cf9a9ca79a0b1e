"""Pages every role starts from. Thin: access, a form, a redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from helpdesk import selectors
from helpdesk.access import role_required
from helpdesk.forms import ProfileForm


@require_GET
@never_cache
def healthz(request) -> HttpResponse:
    """200 when the database answers, 503 when it does not: for load balancers and uptime checks."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@login_required
def start(request):
    """Where logging in lands: the area a person works in most."""
    roles = request.user.roles
    if roles.manager:
        return redirect("dashboard")
    if roles.analyst:
        return redirect("desk")
    return redirect("my")


@login_required
def my_home(request):
    tickets = list(selectors.my_tickets(request.user)[:50])
    clocks = selectors.running_clocks(tickets)
    rows = [(ticket, clocks.get(ticket.pk, {})) for ticket in tickets]
    services = selectors.ongoing_services(request.user)
    return render(request, "helpdesk/my_home.html", {"person": request.user, "rows": rows, "services": services})


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


@role_required("analyst", "manager")
def desk(request):
    teams = request.user.teams.order_by("name")
    return render(request, "helpdesk/desk.html", {"teams": teams})


@role_required("manager")
def dashboard(request):
    return render(request, "helpdesk/dashboard.html")
