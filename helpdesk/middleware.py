import json
import logging
import zoneinfo

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control
from django.utils.datastructures import MultiValueDictKeyError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def remember_browser_language(user, negotiated: str) -> None:
    """Keep the language the browser reads the site in for mail, when the person chose none: one UPDATE
    when it changes, none otherwise (the site's own language is kept as empty)."""
    seen = "" if negotiated == settings.LANGUAGE_CODE else negotiated
    if user.browser_language != seen:
        get_user_model().objects.filter(pk=user.pk).update(browser_language=seen)
        user.browser_language = seen


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
            else:
                remember_browser_language(user, request.LANGUAGE_CODE)
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

    def process_exception(self, request, exception):
        """Failures that can only come of a malformed request, met in Django's or Wagtail's own views
        (the admin's forms): a form field the view reads is missing (a forged formset count), a field the
        page's own script fills with JSON holds something else (the rich text editor's), or a number is too
        large for the database (SQLite). A 400 saying so, not an error page; still logged."""
        if isinstance(exception, MultiValueDictKeyError):
            reason = _("Part of the form was missing. Reload the page and try again.")
        elif isinstance(exception, json.JSONDecodeError):
            reason = _("Part of the form could not be read. Reload the page and try again.")
        elif isinstance(exception, OverflowError):
            reason = _("A number in the request is too large.")
        else:
            return None
        logger.warning("Bad request to %s: %s: %s", request.path, type(exception).__name__, exception)
        return render(request, "400.html", {"reason": reason}, status=400)


def _has_nul(data) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in data.lists())


class PrivatePages:
    """What a signed-in person is shown is theirs: no shared cache or browser history keeps it
    (`Cache-Control: private, no-store`, pages and files alike). Every response also turns off the
    browser features no page uses (`Permissions-Policy`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        return response


class ContentSecurityPolicy(CSPMiddleware):
    """django-csp's middleware, with a policy of their own for the two admin sites.

    Our pages get CONTENT_SECURITY_POLICY (no inline script or style anywhere). Wagtail's and Django's
    admin pages carry inline script and style, so paths under ADMIN_CSP_URL_PREFIXES get
    ADMIN_CONTENT_SECURITY_POLICY instead: looser, yet still this origin only. They are not excluded,
    because a page without a policy would open the whole origin to an injected script. A view that
    sets its own policy (django-csp's @csp decorator) keeps it.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None and request.path_info.startswith(settings.ADMIN_CSP_URL_PREFIXES):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts
