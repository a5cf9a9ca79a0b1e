from helpdesk.views.areas import dashboard, desk, healthz, my_home, profile, start
from helpdesk.views.tickets import (
    ask,
    attachment,
    change_service,
    report_incident,
    ticket_act,
    ticket_detail,
    ticket_reply,
)

__all__ = [
    "ask",
    "attachment",
    "change_service",
    "dashboard",
    "desk",
    "healthz",
    "my_home",
    "profile",
    "report_incident",
    "start",
    "ticket_act",
    "ticket_detail",
    "ticket_reply",
]
