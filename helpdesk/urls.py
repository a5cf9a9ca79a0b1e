from django.urls import path

from helpdesk import views

urlpatterns = [
    path("start/", views.start, name="start"),
    path("my/", views.my_home, name="my"),
    path("my/profile/", views.profile, name="profile"),
    path("my/report/", views.report_incident, name="report"),
    path("my/tickets/<str:reference>/", views.ticket_detail, name="ticket"),
    path("my/tickets/<str:reference>/reply/", views.ticket_reply, name="ticket-reply"),
    path("my/tickets/<str:reference>/act/", views.ticket_act, name="ticket-act"),
    path("my/tickets/<str:reference>/files/<int:pk>/", views.attachment, name="ticket-file"),
    path("my/tickets/<str:reference>/answers/<slug:key>/", views.answer_file, name="ticket-answer-file"),
    path("my/services/<str:reference>/<str:what>/", views.change_service, name="change-service"),
    path("ask/<slug:slug>/", views.ask, name="ask"),
    path("my/tickets/<str:reference>/work/", views.ticket_work, name="ticket-work"),
    path("desk/", views.desk, name="desk"),
    path("desk/bulk/", views.desk_bulk, name="desk-bulk"),
    path("desk/views/", views.save_view, name="desk-save-view"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/mail/", views.undelivered, name="mail"),
]
