"""Wagtail page types: presentation only. Facts (hours, prices, targets, teams) are read live from
catalogue/ and sla/ when the page is served; nothing here copies them."""

from __future__ import annotations

from django.db import models
from django.db.models import Prefetch
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms import facts

RICH = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class HomePage(Page):
    """The front door of the site: a greeting and the way into the catalogue."""

    intro = models.CharField(max_length=250, blank=True, help_text="One or two plain sentences under the title.")
    body = RichTextField(blank=True, features=RICH)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count = 1
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["parts"] = facts.parts_with_categories()
        context["catalogue"] = CatalogueIndexPage.objects.live().first()
        context["promise"] = PromisePage.objects.live().first()
        return context


class CatalogueIndexPage(Page):
    """Every service, searchable and filtered by category; each row says what it costs this reader."""

    intro = models.CharField(max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ServicePage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1
    template = "cms/catalogue_index_page.html"
    per_page = 30

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        results = facts.catalogue_rows(self, request, per_page=self.per_page)
        context.update(filter=results.filter, rows=results.rows, query=results.query)
        return context


class ServicePage(Page):
    """A service as staff see it: the catalogue facts, plus how-to and FAQs written here."""

    service = models.OneToOneField("catalogue.Service", on_delete=models.PROTECT, related_name="page")
    body = RichTextField(blank=True, features=RICH, help_text="What the service is, in plain words.")
    how_to = RichTextField("how to", blank=True, features=RICH, help_text="Getting started, step by step.")

    content_panels = [
        *Page.content_panels,
        FieldPanel("service"),
        FieldPanel("body"),
        FieldPanel("how_to"),
        InlinePanel("faqs", label="Questions and answers"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.RelatedFields("service", [index.SearchField("name"), index.SearchField("summary")]),
    ]
    parent_page_types = ["cms.CatalogueIndexPage"]
    subpage_types: list[str] = []
    template = "cms/service_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(facts.service_facts(self.service_id, request.user))
        return context


class ServiceFaq(Orderable):
    page = ParentalKey(ServicePage, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=250)
    answer = RichTextField(features=["bold", "italic", "link", "ol", "ul"])

    panels = [FieldPanel("question"), FieldPanel("answer")]


class ProjectPage(Page):
    """A project: where it stands, who sponsors it and which services it will change."""

    class Phase(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        PLANNING = "planning", "Planning"
        DELIVERY = "delivery", "In delivery"
        DONE = "done", "Done"

    class Health(models.TextChoices):
        ON_TRACK = "on_track", "On track"
        AT_RISK = "at_risk", "At risk"
        OFF_TRACK = "off_track", "Off track"

    summary = models.CharField(max_length=300)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.PROPOSED)
    status = models.CharField(max_length=10, choices=Health.choices, default=Health.ON_TRACK)
    sponsor = models.ForeignKey("helpdesk.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    services = ParentalManyToManyField(
        "catalogue.Service", blank=True, related_name="projects", help_text="The services this project changes."
    )
    body = RichTextField(blank=True, features=RICH)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("phase"), FieldPanel("status"), FieldPanel("sponsor")]),
        FieldPanel("services"),
        FieldPanel("body"),
        InlinePanel("milestones", label="Milestones"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    template = "cms/project_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["changed_services"] = self.services.select_related("category").prefetch_related(
            Prefetch("page", queryset=ServicePage.objects.live())
        )
        context["milestone_list"] = self.milestones.all()
        return context


class Milestone(Orderable):
    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=200)
    due = models.DateField()
    done = models.BooleanField(default=False)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("due"), FieldPanel("done")])]


class PromisePage(Page):
    """The IT Promise: teams, opening hours and service levels, read live from the data tickets are
    measured against. Editors choose what to show; the facts are never typed here."""

    intro = RichTextField(blank=True, features=RICH)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([InlinePanel("teams", label="Team")], heading="Team structure"),
        MultiFieldPanel([InlinePanel("calendars", label="Calendar")], heading="Opening hours"),
        MultiFieldPanel([InlinePanel("policies", label="Policy")], heading="Service levels"),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/promise_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(facts.promise_facts(self))
        return context


class PromiseTeam(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="teams")
    team = models.ForeignKey("helpdesk.Team", on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("team")]


class PromiseCalendar(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="calendars")
    calendar = models.ForeignKey("sla.Calendar", on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("calendar")]


class PromisePolicy(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="policies")
    policy = models.ForeignKey("sla.Policy", on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("policy")]
