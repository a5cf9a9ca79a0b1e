import zoneinfo

from django.utils import timezone, translation


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
