"""Background work for service levels: the periodic sweep and re-timing after an edit."""

from datetime import datetime

from django_tasks import task


@task()
def scan_task() -> dict[str, int]:
    from sla.scan import scan

    result = scan()
    return {"warned": result.warned, "breached": result.breached, "alerts_sent": result.alerts_sent}


@task()
def retime_calendar_task(calendar_id: int, at: str) -> int:
    """Re-time the clocks still counting on an edited calendar (`at`: the edit's moment, ISO 8601)."""
    from sla.repair import retime_calendar

    return retime_calendar(calendar_id, at=datetime.fromisoformat(at))


@task()
def retime_policy_task(policy_id: int, at: str) -> int:
    """Re-time the clocks of ours still counting under an edited policy (`at`: the edit's moment)."""
    from sla.repair import retime_policy

    return retime_policy(policy_id, at=datetime.fromisoformat(at))
