from sla.models.calendars import Calendar, Closure, OpeningHours
from sla.models.clocks import Clock, SlaEvent
from sla.models.measured import Measured
from sla.models.policies import Policy, Priority, Target, TargetKind
from sla.models.rules import (
    ALERT_KINDS,
    OUR_TARGETS,
    VERDICT_Q,
    EventKind,
    RepairReason,
    Verdict,
    pause_intervals,
)

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
