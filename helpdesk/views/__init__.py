from helpdesk.views.areas import dashboard, desk, desk_bulk, healthz, my_home, profile, save_view, start
from helpdesk.views.mail import undelivered
from helpdesk.views.tickets import (
    answer_file,
    ask,
    attachment,
    change_service,
    report_incident,
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
    "ticket_work",
    "healthz",
    "my_home",
    "profile",
    "report_incident",
    "start",
    "ticket_act",
    "ticket_detail",
    "ticket_reply",
    "undelivered",
]
