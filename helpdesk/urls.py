from django.urls import path

from helpdesk import views

urlpatterns = [
    path("start/", views.start, name="start"),
    path("my/", views.my_home, name="my"),
    path("my/profile/", views.profile, name="profile"),
    path("desk/", views.desk, name="desk"),
    path("dashboard/", views.dashboard, name="dashboard"),
]
