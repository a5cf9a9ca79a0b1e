from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static as static_url
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms import views as cms_views
from helpdesk import sso
from helpdesk import views as helpdesk_views
from helpdesk.forms import QueuedPasswordResetForm
from helpdesk.views.language import choose_language


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page names: send them to the icon the pages name."""
    return HttpResponsePermanentRedirect(static_url("favicon.svg"))


urlpatterns = [
    path("healthz", helpdesk_views.healthz, name="healthz"),
    path("status/", cms_views.status, name="status"),
    path("favicon.ico", favicon),
    path("catalogue/", cms_views.catalogue, name="catalogue"),
    path("language/", choose_language, name="language"),
    path("accounts/login/", sso.LoginView.as_view(), name="login"),
    # Reset mail goes through the outbox, so a mail server that is down delays it instead of losing it.
    path(
        "accounts/password_reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/", include("helpdesk.api.urls")),
    path("", include("helpdesk.urls")),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
]

if settings.OIDC_ENABLED:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every other path from the page tree, so it comes last.
urlpatterns.append(path("", include(wagtail_urls)))
