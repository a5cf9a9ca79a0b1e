from sla.models.calendars import Calendar, Closure, OpeningHours
from sla.models.clocks import (
    ALERT_KINDS,
    OUR_TARGETS,
    VERDICT_Q,
    Clock,
    EventKind,
    RepairReason,
    SlaEvent,
    Verdict,
    pause_intervals,
)
from sla.models.measured import Measured
from sla.models.policies import Policy, Priority, Target, TargetKind

__all__ = [
    "ALERT_KINDS",
    "OUR_TARGETS",
    "VERDICT_Q",
    "Calendar",
    "Clock",
    "Closure",
    "EventKind",
    "Measured",
    "OpeningHours",
    "Policy",
    "Priority",
    "RepairReason",
    "SlaEvent",
    "Target",
    "TargetKind",
    "Verdict",
    "pause_intervals",
]
