"""The site's URLs as config/urls.py makes them with single sign-on on (the tests turn it on after
config.urls has been imported with it off)."""

from django.urls import include, path

from config.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("oidc/", include("mozilla_django_oidc.urls")), *site_urlpatterns]
