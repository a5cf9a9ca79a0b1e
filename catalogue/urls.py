from django.urls import path

from catalogue import views

app_name = "catalogue"
urlpatterns = [
    path("ask/<slug:slug>/", views.request_form, name="request"),
]
