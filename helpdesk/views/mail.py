"""Mail that could not be delivered, for managers: what it was, what the mail server said, send again."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from helpdesk import outbox
from helpdesk.access import role_required
from helpdesk.forms import id_from

PAGE_SIZE = 50


@role_required("manager")
@require_http_methods(["GET", "POST"])
def undelivered(request):
    if request.method == "POST":
        ids = [pk for pk in map(id_from, request.POST.getlist("mail")) if pk is not None]
        if not ids:
            messages.error(request, _("Choose the mail to send again."))
            return redirect("mail")
        count = outbox.resend(ids)
        messages.success(
            request,
            ngettext(
                "%(count)d mail will be tried again now, and for another day if the mail server still refuses it.",
                "%(count)d mails will be tried again now, and for another day if the mail server still refuses them.",
                count,
            )
            % {"count": count},
        )
        return redirect("mail")
    page = Paginator(outbox.given_up(), PAGE_SIZE).get_page(request.GET.get("page"))
    retrying = outbox.waiting()
    return render(
        request,
        "helpdesk/mail.html",
        {"page": page, "retrying": retrying[:PAGE_SIZE], "retrying_count": retrying.count()},
    )
