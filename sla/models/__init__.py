from sla.models.calendars import Calendar, Closure, OpeningHours
from sla.models.clocks import ALERT_KINDS, Clock, EventKind, Measured, SlaEvent
from sla.models.policies import Policy, Priority, Target, TargetKind

__all__ = [
    "ALERT_KINDS",
    "Calendar",
    "Clock",
    "Closure",
    "EventKind",
    "Measured",
    "OpeningHours",
    "Policy",
    "Priority",
    "SlaEvent",
    "Target",
    "TargetKind",
]
