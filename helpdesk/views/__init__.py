from helpdesk.views.areas import (
    dashboard,
    delete_view,
    desk,
    desk_bulk,
    healthz,
    my_home,
    profile,
    save_view,
    start,
)
from helpdesk.views.asking import ask, report_incident
from helpdesk.views.mail import undelivered
from helpdesk.views.reports import report_export, report_tickets, reports
from helpdesk.views.satisfaction import follow_up_close, follow_ups, satisfaction_link, ticket_satisfaction
from helpdesk.views.staff_survey import (
    survey_answer,
    survey_detail,
    survey_list,
    survey_results,
    survey_results_csv,
    survey_send,
)
from helpdesk.views.tickets import (
    answer_file,
    attachment,
    change_service,
    ticket_act,
    ticket_detail,
    ticket_reply,
    ticket_work,
)

__all__ = [
    "answer_file",
    "ask",
    "attachment",
    "change_service",
    "dashboard",
    "desk",
    "desk_bulk",
    "save_view",
    "delete_view",
    "ticket_work",
    "healthz",
    "my_home",
    "profile",
    "report_export",
    "report_incident",
    "report_tickets",
    "reports",
    "start",
    "survey_answer",
    "survey_detail",
    "survey_list",
    "survey_results",
    "survey_results_csv",
    "survey_send",
    "ticket_act",
    "ticket_detail",
    "ticket_reply",
    "undelivered",
    "follow_up_close",
    "follow_ups",
    "satisfaction_link",
    "ticket_satisfaction",
]
