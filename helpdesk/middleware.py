import zoneinfo

from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _


class PersonalPreferencesMiddleware:
    """Show each signed-in person times in their own zone and pages in their chosen language.

    Runs after AuthenticationMiddleware and LocaleMiddleware: a saved language wins over the browser's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.language:
                translation.activate(user.language)
                request.LANGUAGE_CODE = user.language
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class RejectUnreadableInput:
    """Answer 400 to a request whose address, query or form carries a NUL character.

    No text anyone types holds one, PostgreSQL refuses to store or compare it (a 500 deep in a view),
    and it is the mark of a probe: refused at the door, once, instead of in every form and lookup.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or _has_nul(request.GET) or (request.method == "POST" and _has_nul(request.POST)):
            reason = _("The request held a character we cannot accept.")
            return render(request, "400.html", {"reason": reason}, status=400)
        return self.get_response(request)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())
