"""A test-only address whose view fails, so the 500 page is seen as a person would see it."""

from django.urls import include, path


def boom(request):
    raise RuntimeError("Something in our code failed")


urlpatterns = [path("boom/", boom), path("", include("config.urls"))]
