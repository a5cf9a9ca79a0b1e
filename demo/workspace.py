"""What the analyst's workspace needs to be tried in the demo: canned replies for every team, a ticket
waiting on a supplier with the supplier's reference, the same problem reported twice (left for the
newcomer to merge), and an open major incident gathering the reports of the people it affects.

Run after the demo tickets; each step makes its part once and leaves it alone on a second run.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from catalogue.models import RequestKind, Service
from demo.tickets import OUTAGE
from helpdesk import relations, services
from helpdesk.models import CannedAction, CannedReply, Channel, Level, Team, Ticket, User
from sla.models import Priority
from sla.scan import scan

MORE_DETAIL = (
    "Need more detail",
    "Thanks for letting us know. Could you tell us what you were doing when it happened, and since when? "
    "A screenshot or a photo helps too.",
    CannedAction.WAIT_ON_REQUESTER,
    "",
)
# team slug -> (title, text, what sending it also does, the priority it sets)
CANNED = {
    "service-desk": [
        (
            "Password reset done",
            "We've reset your password. You'll be asked to choose a new one when you next sign in.",
            CannedAction.RESOLVE,
            "",
        ),
        MORE_DETAIL,
        ("Looking into it", "Thanks, we've picked this up and are looking into it now.", CannedAction.START, ""),
    ],
    "workplace": [
        (
            "Ready to collect",
            "It's ready: collect it from the IT desk on floor 2, any weekday from 08:00 to 17:00.",
            CannedAction.RESOLVE,
            "",
        ),
        MORE_DETAIL,
        (
            "Part ordered",
            "We've ordered the part from our supplier and will be in touch as soon as it arrives.",
            CannedAction.WAIT_ON_PROVIDER,
            "",
        ),
    ],
    "infrastructure": [
        (
            "Known outage",
            "This is part of an outage we already know about. We're on it and will update you here.",
            CannedAction.START,
            Priority.P2,
        ),
        MORE_DETAIL,
        (
            "Logged with the supplier",
            "We've logged this with our network supplier and will update you as soon as they reply.",
            CannedAction.WAIT_ON_PROVIDER,
            "",
        ),
    ],
}

SUPPLIER_CASE = "NW-CASE-48213"  # Northwind's number for the demo's supplier ticket
TWICE = "The printer by the lifts on floor 2 prints colour pages in black and white."
# The people the outage reaches, what they report and how (minutes before now); then the major incident.
OUTAGE_REPORTS = [
    ("robin", "No Wi-Fi on floor 3", Channel.PORTAL, 80),
    ("olu", "Wi-Fi drops every few minutes", Channel.PORTAL, 72),
    ("fatima", "No Wi-Fi on floor 3", Channel.PHONE, 65),
    ("staff", "Wi-Fi drops every few minutes", Channel.PORTAL, 58),
]


def seed_canned_replies() -> int:
    teams = {team.slug: team for team in Team.objects.filter(slug__in=CANNED)}
    for slug, replies in CANNED.items():
        for title, body, action, priority in replies:
            if slug in teams:
                CannedReply.objects.update_or_create(
                    team=teams[slug], title=title, defaults={"body": body, "action": action, "priority": priority}
                )
    return CannedReply.objects.count()


def _people(*usernames: str) -> dict[str, User]:
    return {person.username: person for person in User.objects.filter(username__in=usernames)}


def _incident(service: Service, title: str, *, requester: User, by: User, channel: str, at: datetime, **kw) -> Ticket:
    return services.raise_ticket(
        kind=RequestKind.INCIDENT,
        title=title,
        requester=requester,
        raised_by=requester if channel == Channel.PORTAL else by,
        channel=channel,
        service=service,
        at=at,
        notify=False,
        **kw,
    )


def seed_supplier_ticket() -> int:
    """A remote-access incident the team handed to the supplier yesterday, with the supplier's number."""
    if Ticket.objects.exclude(provider_reference="").exists():
        return Ticket.objects.exclude(provider_reference="").count()
    now = timezone.now()
    service = Service.objects.filter(name="Remote access (VPN)", provider__isnull=False).first()
    people = _people("fatima", "analyst2")
    if service is None or len(people) < 2:
        return 0
    analyst, requester = people["analyst2"], people["fatima"]
    at = now - timedelta(hours=27)
    ticket = _incident(
        service,
        "VPN drops",
        requester=requester,
        by=analyst,
        channel=Channel.PORTAL,
        at=at,
        description="The VPN drops every ten minutes from the Chicago hotel; I'm presenting to a customer tomorrow.",
        impact=Level.MEDIUM,
        urgency=Level.HIGH,
    )
    services.assign(ticket, by=analyst, to=analyst, at=at + timedelta(minutes=12), notify=False)
    services.perform(ticket, "start", by=analyst, at=at + timedelta(minutes=15), notify=False)
    services.reply(
        ticket,
        by=analyst,
        body="Thanks, Fatima. The drops come from our supplier's gateway in the US; we've logged it with them.",
        at=at + timedelta(minutes=40),
        notify=False,
    )
    services.perform(ticket, "wait_on_provider", by=analyst, at=at + timedelta(minutes=42), notify=False)
    relations.set_provider_reference(ticket, SUPPLIER_CASE, by=analyst, at=at + timedelta(minutes=43))
    services.reply(
        ticket,
        by=analyst,
        body=f"Northwind case {SUPPLIER_CASE}, logged by phone; they answer within 8 working hours.",
        internal=True,
        at=at + timedelta(minutes=44),
        notify=False,
    )
    scan(now)  # the supplier's clock may be late already
    return 1


def seed_reported_twice() -> int:
    """Sam reported a printer problem on the portal and, not hearing back, phoned it in again: two open
    tickets for one problem, for the newcomer to merge."""
    if Ticket.objects.filter(description=TWICE).exists():
        return Ticket.objects.filter(description=TWICE).count()
    now = timezone.now()
    service = Service.objects.filter(name="Printing").first()
    people = _people("staff", "analyst")
    if service is None or len(people) < 2:
        return 0
    staff, analyst = people["staff"], people["analyst"]
    first = _incident(
        service,
        "Can't print in colour",
        requester=staff,
        by=analyst,
        channel=Channel.PORTAL,
        at=now - timedelta(hours=3),
        description=TWICE,
    )
    services.assign(first, by=analyst, to=analyst, at=now - timedelta(hours=2, minutes=30), notify=False)
    _incident(
        service,
        "Can't print in colour",
        requester=staff,
        by=analyst,
        channel=Channel.PHONE,
        at=now - timedelta(hours=1),
        description=TWICE,
    )
    return 2


def seed_major_incident() -> int:
    """Wi-Fi down in the Stockholm office: an open P1 major incident on the network service, with the
    reports of the people it affects as its parts. Returns how many parts it has."""
    major = Ticket.objects.filter(major=True).first()
    if major is not None:
        return major.children.count()
    now = timezone.now()
    service = Service.objects.filter(name="Office network and Wi-Fi").first()
    people = _people("analyst2", "manager", *(username for username, *_rest in OUTAGE_REPORTS))
    analyst = people.get("analyst2")
    if service is None or analyst is None:
        return 0
    reports = [
        _incident(
            service,
            title,
            requester=people[username],
            by=analyst,
            channel=channel,
            at=now - timedelta(minutes=minutes),
            impact=Level.MEDIUM,
            urgency=Level.HIGH,
        )
        for username, title, channel, minutes in OUTAGE_REPORTS
        if username in people
    ]
    at = now - timedelta(minutes=50)
    major = _incident(
        service,
        OUTAGE,
        requester=analyst,
        by=analyst,
        channel=Channel.PORTAL,
        at=at,
        description="Access points on floors 2 to 5 lost their uplink; the wired network is unaffected.",
        impact=Level.HIGH,
        urgency=Level.HIGH,
    )
    services.assign(major, by=analyst, to=analyst, at=at + timedelta(minutes=1), notify=False)
    services.perform(major, "start", by=analyst, at=at + timedelta(minutes=2), notify=False)
    relations.declare_major(major, by=analyst, at=at + timedelta(minutes=3))
    for minute, report in enumerate(reports, start=5):
        relations.attach(report, parent=major, by=analyst, at=at + timedelta(minutes=minute))
    if "manager" in people:
        relations.watch(major, people["manager"], by=analyst, at=at + timedelta(minutes=10))
    services.reply(
        major,
        by=analyst,
        body="Northwind's engineers are on site replacing the floor switch. We'll update you here within the hour.",
        at=at + timedelta(minutes=20),
        notify=False,
    )
    return len(reports)


STEPS = [
    ("canned replies", seed_canned_replies),
    ("supplier ticket", seed_supplier_ticket),
    ("reported twice", seed_reported_twice),
    ("major incident", seed_major_incident),
]
