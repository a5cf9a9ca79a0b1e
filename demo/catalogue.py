"""Demo catalogue for `seed_demo`: about 25 services across the four parts of the promise."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import Group

from catalogue.models import (
    Category,
    DiscountScheme,
    EntitlementRule,
    FormField,
    Part,
    Provider,
    RequestKind,
    RequestType,
    SearchSynonym,
    Service,
)
from helpdesk.models import CostCentre, Division, Grade, Team
from sla.models import Calendar, Policy

CATEGORIES = [
    (Part.CORE, "devices", "Devices", "Laptops, phones, screens and printers."),
    (Part.CORE, "networks", "Networks", "Wi-Fi, remote access and connections."),
    (Part.CORE, "security", "Security", "Accounts, sign-in and keeping data safe."),
    (Part.SOFTWARE, "collaboration", "Collaboration", "Mail, meetings, chat and shared files."),
    (Part.SOFTWARE, "creative-tools", "Creative tools", "Design, photo and video software."),
    (Part.DELIVERY, "people-changes", "Joiners, movers and leavers", "Getting people set up, and signed off."),
    (Part.DELIVERY, "advice-and-training", "Advice and training", "Help to use what you have well."),
    (Part.PROJECTS, "projects", "Projects", "Larger changes we run with you."),
]

PROVIDERS = [
    # name, email, phone, contract, hours of contract target
    ("Northwind Networks", "support@northwind.example", "+46 8 555 0100", "NW-2026-014", 8),
    ("Contoso Licensing", "orders@contoso.example", "+44 20 7946 0000", "CL-7781", 16),
]

CHOICE_MODEL = "Standard 14-inch\nPerformance 16-inch"
LAYOUTS = "Swedish\nUK English\nUS English\nGerman"

# Field specs: (question, type, required, choices or "", help text)
F_WHY = ("Why do you need it?", "long_text", True, "", "A sentence or two helps us choose the right option.")
F_BY = ("When do you need it by?", "date", True, "", "")
F_LAYOUT = ("Keyboard layout", "choice", True, LAYOUTS, "")
F_WHAT = ("What is wrong?", "long_text", True, "", "What happened, and what you were trying to do.")
F_WHERE = ("Where are you?", "text", False, "", "Office and room, or 'home'.")
F_SHOT = ("Screenshot or photo", "file", False, "", "Optional, up to 10 MB.")
F_WORKING = ("Can you still work?", "yes_no", True, "", "")
F_PERSON = ("Who is it for?", "person", True, "", "Their username or email address.")
F_START = ("First day", "date", True, "", "")
F_COUNT = ("How many?", "number", True, "", "")

# Services: (category slug, name, summary, owner team slug, provider or None, calendar, policy or None,
#   change (notice days, fee, effects), cancel (notice days, fee, stops, data),
#   request types [(name, kind, one-off, monthly, fields, rules)])
# Rules: list of dicts with grade level / division code / cost centre code / group name.
OFFICE = "Europe office hours"
SERVICES = [
    (
        "devices",
        "Laptop",
        "A managed laptop with your software, backed up and kept secure.",
        "workplace",
        None,
        OFFICE,
        None,
        (5, 0, "A swap to another model is a new laptop; the old one comes back to us."),
        (5, 0, "You can no longer sign in on it.", "Files in your home folder are kept 30 days, then deleted."),
        [
            ("New standard laptop", RequestKind.REQUEST, 1200, 35, [F_BY, F_LAYOUT, F_WHY], []),
            (
                "New performance laptop",
                RequestKind.REQUEST,
                2100,
                55,
                [F_BY, F_LAYOUT, F_WHY],
                [{"grade": 3}, {"group": "Designers"}],
            ),
            ("Report a laptop problem", RequestKind.INCIDENT, 0, 0, [F_WHAT, F_WORKING, F_SHOT], []),
        ],
    ),
    (
        "devices",
        "Mobile phone",
        "A work phone with mail, calendar and chat, managed and insured.",
        "workplace",
        None,
        OFFICE,
        None,
        (5, 0, "A new model means a new phone."),
        (10, 50, "Your work number stops working.", "The phone is wiped when it is returned."),
        [("New work phone", RequestKind.REQUEST, 400, 25, [F_BY, F_WHY], [{"grade": 3}, {"division": "sales"}])],
    ),
    (
        "devices",
        "Screens and accessories",
        "Monitors, docks, keyboards, mice and headsets.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [
            (
                "Order accessories",
                RequestKind.REQUEST,
                150,
                0,
                [
                    (
                        "What do you need?",
                        "multiple_choice",
                        True,
                        "Monitor\nDocking station\nHeadset\nKeyboard and mouse",
                        "",
                    ),
                    F_WHERE,
                ],
                [],
            )
        ],
    ),
    (
        "devices",
        "Printing",
        "Follow-me printing on every floor, in black and white or colour.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Report a printer problem", RequestKind.INCIDENT, 0, 0, [F_WHERE, F_WHAT], [])],
    ),
    (
        "devices",
        "Device repair",
        "We fix or replace broken work devices, usually the next working day.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Report a broken device", RequestKind.INCIDENT, 0, 0, [F_WHAT, F_WORKING, F_SHOT], [])],
    ),
    (
        "networks",
        "Office network and Wi-Fi",
        "Wired and wireless network in every office.",
        "infrastructure",
        "Northwind Networks",
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [
            ("Report a network problem", RequestKind.INCIDENT, 0, 0, [F_WHERE, F_WHAT, F_WORKING], []),
            ("New network point", RequestKind.REQUEST, 80, 0, [F_WHERE, F_BY], []),
        ],
    ),
    (
        "networks",
        "Remote access (VPN)",
        "Reach internal systems safely from home or on the road.",
        "infrastructure",
        "Northwind Networks",
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "You can no longer reach internal systems from outside.", "Nothing is stored."),
        [("Get remote access", RequestKind.REQUEST, 0, 0, [F_WHY, F_START], [])],
    ),
    (
        "networks",
        "Mobile data roaming",
        "Data abroad on your work phone at a fixed monthly price.",
        "infrastructure",
        None,
        OFFICE,
        None,
        (2, 0, ""),
        (2, 0, "Data abroad is blocked.", "Nothing is stored."),
        [
            (
                "Add roaming",
                RequestKind.REQUEST,
                0,
                15,
                [F_START, ("Which countries?", "text", True, "", "")],
                [{"division": "sales"}, {"grade": 4}],
            )
        ],
    ),
    (
        "security",
        "Accounts and passwords",
        "Your sign-in for everything, and help when it stops working.",
        "service-desk",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("I can't sign in", RequestKind.INCIDENT, 0, 0, [F_WHAT, F_WORKING], [])],
    ),
    (
        "security",
        "Security keys",
        "A hardware key for strong sign-in to sensitive systems.",
        "infrastructure",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "The key no longer signs you in.", "Nothing is stored."),
        [("Order a security key", RequestKind.REQUEST, 30, 0, [F_WHERE], [])],
    ),
    (
        "security",
        "Report a security incident",
        "Phishing, a lost device, or anything that looks wrong.",
        "infrastructure",
        None,
        "24/7",
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Report a security incident", RequestKind.INCIDENT, 0, 0, [F_WHAT, F_SHOT], [])],
    ),
    (
        "security",
        "Administrator rights",
        "Temporary admin rights on your own laptop, for developers.",
        "infrastructure",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "Admin rights end.", "Nothing is stored."),
        [
            (
                "Ask for admin rights",
                RequestKind.REQUEST,
                0,
                0,
                [F_WHY, ("For how many days?", "number", True, "", "")],
                [{"group": "Developers"}, {"grade": 5}],
            )
        ],
    ),
    (
        "collaboration",
        "Mail and calendar",
        "Your mailbox, shared mailboxes and calendars.",
        "service-desk",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [
            ("New shared mailbox", RequestKind.REQUEST, 0, 0, [("Mailbox name", "text", True, "", ""), F_PERSON], []),
            ("Report a mail problem", RequestKind.INCIDENT, 0, 0, [F_WHAT], []),
        ],
    ),
    (
        "collaboration",
        "Video meetings",
        "Meetings from your laptop, phone and every meeting room.",
        "service-desk",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Book meeting-room help", RequestKind.REQUEST, 0, 0, [F_WHERE, F_BY], [])],
    ),
    (
        "collaboration",
        "Shared drives and sites",
        "Team sites and shared folders with the right access.",
        "service-desk",
        None,
        OFFICE,
        None,
        (2, 0, "Renaming a site changes its address."),
        (10, 0, "The site becomes read-only, then closes.", "Content is kept 90 days, then deleted."),
        [
            ("New team site", RequestKind.REQUEST, 0, 0, [("Site name", "text", True, "", ""), F_PERSON], []),
            ("Change access", RequestKind.REQUEST, 0, 0, [F_PERSON, F_WHY], []),
        ],
    ),
    (
        "collaboration",
        "Chat",
        "Work chat for teams and one-to-one.",
        "service-desk",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Report a chat problem", RequestKind.INCIDENT, 0, 0, [F_WHAT], [])],
    ),
    (
        "creative-tools",
        "Adobe Creative Cloud",
        "Photoshop, Illustrator, InDesign and the rest, per person.",
        "workplace",
        "Contoso Licensing",
        OFFICE,
        None,
        (20, 0, "Plan changes take effect at the next renewal."),
        (20, 55, "The apps stop opening at the end of the month.", "Cloud files are kept 90 days."),
        [("Get Creative Cloud", RequestKind.REQUEST, 0, 55, [F_WHY], [{"group": "Designers"}, {"division": "sales"}])],
    ),
    (
        "creative-tools",
        "Figma",
        "Design and prototyping in the browser.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (5, 0, "You lose edit access; files stay with the team.", "Files stay in the team space."),
        [("Get a Figma seat", RequestKind.REQUEST, 0, 12, [F_WHY], [])],
    ),
    (
        "creative-tools",
        "Video editing",
        "Video editing software and a fast machine to run it on.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Get video editing", RequestKind.REQUEST, 300, 20, [F_WHY, F_BY], [{"group": "Designers"}])],
    ),
    (
        "people-changes",
        "New starter",
        "Account, laptop and access ready on their first day.",
        "service-desk",
        None,
        OFFICE,
        None,
        (5, 0, "A changed start date can move the laptop delivery."),
        (2, 0, "", ""),
        [
            (
                "Set up a new starter",
                RequestKind.REQUEST,
                0,
                0,
                [
                    ("Their full name", "text", True, "", ""),
                    F_START,
                    ("Role", "text", True, "", ""),
                    ("Laptop model", "choice", True, CHOICE_MODEL, ""),
                ],
                [{"grade": 4}],
            )
        ],
    ),
    (
        "people-changes",
        "Leaver",
        "Accounts closed and equipment returned when someone leaves.",
        "service-desk",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [
            (
                "Someone is leaving",
                RequestKind.REQUEST,
                0,
                0,
                [F_PERSON, ("Last day", "date", True, "", "")],
                [{"grade": 4}],
            )
        ],
    ),
    (
        "people-changes",
        "Office move",
        "Your desk, phone and network moved with you.",
        "workplace",
        None,
        OFFICE,
        None,
        (10, 0, ""),
        (0, 0, "", ""),
        [("Move desks", RequestKind.REQUEST, 0, 0, [F_WHERE, ("New desk", "text", True, "", ""), F_BY, F_COUNT], [])],
    ),
    (
        "advice-and-training",
        "Training",
        "Short sessions on the tools you use every day.",
        "service-desk",
        None,
        OFFICE,
        None,
        (2, 0, ""),
        (2, 0, "", ""),
        [
            (
                "Book a session",
                RequestKind.REQUEST,
                0,
                0,
                [("Topic", "choice", True, "Mail and calendar\nShared drives\nSecurity basics", ""), F_COUNT, F_BY],
                [],
            )
        ],
    ),
    (
        "advice-and-training",
        "Software licence advice",
        "Which licence you need, and what it costs.",
        "workplace",
        None,
        OFFICE,
        None,
        (0, 0, ""),
        (0, 0, "", ""),
        [("Ask for advice", RequestKind.REQUEST, 0, 0, [F_WHY], [])],
    ),
    (
        "projects",
        "Project consultancy",
        "An architect and a project manager to plan a larger change with you.",
        "infrastructure",
        None,
        OFFICE,
        None,
        (10, 0, ""),
        (10, 0, "", ""),
        [("Start a project conversation", RequestKind.REQUEST, 0, 0, [F_WHY, F_BY], [{"grade": 4}])],
    ),
]

DISCOUNTS = [
    # name, kind, amount, divisions, cost centres, services
    ("Research funding", "percent", Decimal("20"), ["research"], [], []),
    ("Sales Europe device refresh", "fixed", Decimal("100"), [], ["CC-4100"], ["Laptop", "Mobile phone"]),
]


def seed_catalogue() -> int:
    teams = {t.slug: t for t in Team.objects.all()}
    calendars = {c.name: c for c in Calendar.objects.all()}
    grades = {g.level: g for g in Grade.objects.all()}
    divisions = {d.code: d for d in Division.objects.all()}
    groups = {name: Group.objects.get_or_create(name=name)[0] for name in ("Designers", "Developers")}
    categories = {}
    for order, (part, slug, name, description) in enumerate(CATEGORIES):
        categories[slug], _ = Category.objects.update_or_create(
            slug=slug, defaults={"part": part, "name": name, "description": description, "sort_order": order}
        )
    providers = {}
    for name, email, phone, contract, hours in PROVIDERS:
        providers[name], _ = Provider.objects.update_or_create(
            name=name,
            defaults={
                "kind": Provider.Kind.THIRD_PARTY,
                "contact_email": email,
                "contact_phone": phone,
                "contract_reference": contract,
                "contract_target": timedelta(hours=hours),
                "calendar": calendars[OFFICE],
            },
        )
    review = date.today().replace(month=1, day=15) + timedelta(days=365)
    for category, name, summary, team, provider, calendar, policy, change, cancel, offerings in SERVICES:
        service, _ = Service.objects.update_or_create(
            name=name,
            defaults={
                "slug": _slug(name),
                "category": categories[category],
                "summary": summary,
                "owner_team": teams[team],
                "provider": providers.get(provider),
                "calendar": calendars[calendar],
                "policy": Policy.objects.get(name=policy) if policy else None,
                "review_date": review,
                "change_notice_days": change[0],
                "change_fee": change[1],
                "change_effects": change[2],
                "cancel_notice_days": cancel[0],
                "cancel_fee": cancel[1],
                "cancel_stops": cancel[2],
                "cancel_data": cancel[3],
            },
        )
        for order, (rt_name, kind, one_off, monthly, fields, rules) in enumerate(offerings):
            request_type, _ = RequestType.objects.update_or_create(
                slug=_slug(rt_name),
                defaults={
                    "service": service,
                    "name": rt_name,
                    "kind": kind,
                    "one_off_price": one_off,
                    "monthly_price": monthly,
                    "form_review_date": review,
                    "sort_order": order,
                },
            )
            request_type.fields.all().delete()
            FormField.objects.bulk_create(
                FormField(
                    request_type=request_type,
                    label=label,
                    key=_key(label),
                    field_type=field_type,
                    required=required,
                    choices=choices,
                    help_text=help_text,
                    sort_order=i,
                )
                for i, (label, field_type, required, choices, help_text) in enumerate(fields)
            )
            request_type.rules.all().delete()
            EntitlementRule.objects.bulk_create(
                EntitlementRule(
                    request_type=request_type,
                    sort_order=i,
                    min_grade=grades.get(rule.get("grade")),
                    division=divisions.get(rule.get("division")),
                    group=groups.get(rule.get("group")),
                )
                for i, rule in enumerate(rules)
            )
    for name, kind, amount, division_codes, cost_centres, services in DISCOUNTS:
        scheme, _ = DiscountScheme.objects.update_or_create(
            name=name,
            defaults={"kind": kind, "amount": amount, "valid_from": date(2026, 1, 1), "valid_to": date(2027, 12, 31)},
        )
        scheme.divisions.set([divisions[code] for code in division_codes])
        scheme.cost_centres.set(CostCentre.objects.filter(code__in=cost_centres))
        scheme.services.set(Service.objects.filter(name__in=services))
    return len(SERVICES)


# What people type -> the words our services use for it (catalogue search finds both).
SYNONYMS = [("printer", "printing"), ("wifi", "wi-fi, wireless"), ("computer", "laptop")]


def seed_synonyms() -> int:
    for word, means in SYNONYMS:
        SearchSynonym.objects.update_or_create(word=word, defaults={"means": means})
    return len(SYNONYMS)


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)


def _key(label: str) -> str:
    return _slug(label).replace("-", "_")[:60]


STEPS = [("catalogue services", seed_catalogue), ("search synonyms", seed_synonyms)]
