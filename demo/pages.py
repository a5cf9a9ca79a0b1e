"""Demo pages for `seed_demo`: the catalogue index, a page per service, two projects, the IT Promise and the
status page, and their Swedish translations."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from wagtail.models import Locale

from catalogue.models import Service
from cms.languages import translate
from cms.models import (
    CatalogueIndexPage,
    HomePage,
    Milestone,
    ProjectPage,
    PromiseCalendar,
    PromisePage,
    PromisePolicy,
    PromiseTeam,
    ServiceFaq,
    ServicePage,
    StatusPage,
)
from helpdesk.models import Team, User
from sla.models import Calendar, Policy

PROJECTS = [
    (
        "windows-11",
        "Windows 11 for every laptop",
        "Every laptop moves to Windows 11 before support for Windows 10 ends.",
        ProjectPage.Phase.DELIVERY,
        ProjectPage.Health.ON_TRACK,
        ["Laptop", "Device repair"],
        [
            ("Pilot with IT", date(2026, 9, 15), True),
            ("Sales and Finance", date(2026, 12, 10), False),
            ("Everyone else", date(2027, 2, 28), False),
        ],
    ),
    (
        "stockholm-wifi",
        "New Wi-Fi in Stockholm",
        "Faster, steadier Wi-Fi on every floor of the Stockholm office.",
        ProjectPage.Phase.PLANNING,
        ProjectPage.Health.AT_RISK,
        ["Office network and Wi-Fi"],
        [("Site survey", date(2026, 11, 30), True), ("Install, floor by floor", date(2027, 3, 31), False)],
    ),
]


def _publish(parent, page_class, slug: str, **fields):
    """Create or update a child page by slug and publish it (a revision, as an editor would)."""
    page = page_class.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = page_class(slug=slug, **fields)
        parent.add_child(instance=page)
    else:
        for name, value in fields.items():
            setattr(page, name, value)
    page.save_revision().publish()
    return page


def seed_pages() -> int:
    home = HomePage.objects.get(locale=Locale.get_default())
    catalogue = _publish(
        home,
        CatalogueIndexPage,
        "services",
        title="Service catalogue",
        intro="Everything our IT team offers, what it costs you, and how fast we promise to act.",
    )
    count = 1
    for service in Service.objects.offered().select_related("category"):
        page = ServicePage.objects.filter(service=service).first()
        body = f"<p>{service.summary}</p><p>Owned by our {service.owner_team.name} team.</p>"
        if page is None:
            page = ServicePage(
                slug=service.slug,
                title=service.name,
                service=service,
                body=body,
                how_to="<ol><li>Choose what you need below.</li><li>Fill in the short form.</li>"
                "<li>Follow it under My requests.</li></ol>",
            )
            page.faqs = [
                ServiceFaq(
                    question="How long will it take?",
                    answer="<p>See the service levels on this page: they are the ones we measure.</p>",
                )
            ]
            catalogue.add_child(instance=page)
        page.save_revision().publish()
        count += 1
    sponsor = User.objects.filter(username="manager").first()
    for slug, title, summary, phase, health, services, milestones in PROJECTS:
        project = _publish(
            home, ProjectPage, slug, title=title, summary=summary, phase=phase, status=health, sponsor=sponsor
        )
        project.services.set(Service.objects.filter(name__in=services))
        project.milestones = [Milestone(name=n, due=d, done=done) for n, d, done in milestones]
        project.save_revision().publish()
        count += 1
    promise = _publish(
        home,
        PromisePage,
        "it-promise",
        title="Our IT Promise",
        intro="<p>Who we are, when we are open, and how fast we act. We publish it and we measure it.</p>",
    )

    _publish(
        home,
        StatusPage,
        "service-status",
        title="Service status",
        intro="<p>How each service stands right now. Something broken that is not listed here? "
        "Report it from My requests, or call the service desk.</p>",
    )
    promise.teams = [PromiseTeam(team=t) for t in Team.objects.order_by("name")]
    promise.calendars = [PromiseCalendar(calendar=c) for c in Calendar.objects.order_by("name")]
    promise.policies = [PromisePolicy(policy=p) for p in Policy.objects.order_by("-is_default", "name")]
    promise.save_revision().publish()
    return count + 1


# The Swedish demo: the home page, the catalogue, the IT Promise, the status page and the laptop's page
# translated through wagtail-localize, as an editor would in its side-by-side editor; every other page is
# shown in English with a line saying so. German, French and Spanish are offered with no page translated yet.
SWEDISH = {
    "Promise Desk": "Promise Desk",
    "What our IT team offers, what it costs you, and how fast we promise to do it.": (
        "Vad vårt IT-team erbjuder, vad det kostar dig och hur snabbt vi lovar att göra det."
    ),
    "Service catalogue": "Tjänstekatalog",
    "Everything our IT team offers, what it costs you, and how fast we promise to act.": (
        "Allt vårt IT-team erbjuder, vad det kostar dig och hur snabbt vi lovar att agera."
    ),
    "Our IT Promise": "Vårt IT-löfte",
    "Who we are, when we are open, and how fast we act. We publish it and we measure it.": (
        "Vilka vi är, när vi har öppet och hur snabbt vi agerar. Vi publicerar det och vi mäter det."
    ),
    "Service status": "Driftstatus",
    "How each service stands right now. Something broken that is not listed here?": (
        "Så fungerar varje tjänst just nu. Är något trasigt som inte syns här?"
    ),
    "Report it from My requests, or call the service desk.": ("Anmäl det under Mina ärenden eller ring servicedesken."),
    "Laptop": "Bärbar dator",
    "A managed laptop with your software, backed up and kept secure.": (
        "En hanterad bärbar dator med dina program, säkerhetskopierad och skyddad."
    ),
    "Owned by our Workplace Technology team.": "Ägs av vårt team för arbetsplatsteknik.",
    "Choose what you need below.": "Välj vad du behöver nedan.",
    "Fill in the short form.": "Fyll i det korta formuläret.",
    "Follow it under My requests.": "Följ det under Mina ärenden.",
    "How long will it take?": "Hur lång tid tar det?",
    "See the service levels on this page: they are the ones we measure.": (
        "Se servicenivåerna på den här sidan: det är dem vi mäter."
    ),
}


def seed_translations() -> int:
    """Offer every language the site speaks as a page locale, and translate the Swedish demo pages."""
    for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES:
        Locale.objects.get_or_create(language_code=code)
    swedish = Locale.objects.get(language_code="sv")
    english = Locale.get_default()
    pages = [
        HomePage.objects.get(locale=english),
        CatalogueIndexPage.objects.get(locale=english),
        PromisePage.objects.get(locale=english),
        StatusPage.objects.get(locale=english),
        *ServicePage.objects.filter(locale=english, service__name="Laptop"),
    ]
    for page in pages:
        translate(page, swedish, SWEDISH)
    return len(pages)


STEPS = [("site pages", seed_pages), ("Swedish pages", seed_translations)]
