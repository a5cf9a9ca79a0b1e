from helpdesk.models.approvals import Approval, Delegation
from helpdesk.models.improvement import BoardReport, Improvement, Problem
from helpdesk.models.integration import ApiToken, InboundMail, Webhook, WebhookDelivery
from helpdesk.models.mail import Mail
from helpdesk.models.people import (
    AutoAssign,
    CostCentre,
    Division,
    Grade,
    Location,
    SavedView,
    Team,
    User,
    validate_language,  # noqa: F401 - migrations refer to it here
    validate_time_zone,  # noqa: F401 - migrations refer to it here
)
from helpdesk.models.reporting import DailyFigure, ReportState, TicketFact
from helpdesk.models.satisfaction import FollowUp, Satisfaction
from helpdesk.models.scheduling import PeriodicRun
from helpdesk.models.staff_survey import (
    QuestionKind,
    StaffSurvey,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from helpdesk.models.tickets import (
    OPEN_STATES,
    PRIORITY_MATRIX,
    Attachment,
    Channel,
    EventKind,
    Level,
    Message,
    State,
    Ticket,
    TicketEvent,
    is_requester_side,
    is_team_analyst,
    priority_for,
    state_words,
)
from helpdesk.models.workspace import CannedAction, CannedReply, Effect, Maintenance

__all__ = [
    "Approval",
    "Delegation",
    "BoardReport",
    "Improvement",
    "Problem",
    "ApiToken",
    "InboundMail",
    "Webhook",
    "WebhookDelivery",
    "OPEN_STATES",
    "PRIORITY_MATRIX",
    "Attachment",
    "AutoAssign",
    "CannedAction",
    "CannedReply",
    "Effect",
    "Maintenance",
    "Channel",
    "CostCentre",
    "DailyFigure",
    "Division",
    "EventKind",
    "FollowUp",
    "Grade",
    "Level",
    "Location",
    "Mail",
    "Message",
    "PeriodicRun",
    "QuestionKind",
    "ReportState",
    "Satisfaction",
    "SavedView",
    "StaffSurvey",
    "State",
    "SurveyInvitation",
    "SurveyQuestion",
    "SurveyResponse",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketFact",
    "User",
    "is_requester_side",
    "is_team_analyst",
    "priority_for",
    "state_words",
]
