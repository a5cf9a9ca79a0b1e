"""Choosing the language pages are shown in, from the switcher at the foot of every page.

Anyone may switch; the choice is kept in a cookie (Django's own, which LocaleMiddleware reads before the
browser's languages). For a signed-in person it is also their profile's language, so their mail follows.
"""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpdesk.languages import offered


@require_POST
def choose_language(request):
    code = request.POST.get("language", "")
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    if code not in offered():
        message = _("That is not a language this site offers.")
        return render(request, "400.html", {"reason": message}, status=400)
    if request.user.is_authenticated and request.user.language != code:
        request.user.language = code
        request.user.save(update_fields=["language"])
    translation.activate(code)
    response = redirect(back)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response
