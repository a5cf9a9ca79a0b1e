"""Wagtail page types: presentation only. Facts (hours, prices, targets, teams) are read live from
catalogue/ and sla/ when the page is served; nothing here copies them.

Every page exists once per language (wagtail-localize): translated, or kept as an English copy in step
with the original until someone translates it. A reader is served the page in their language at the same
address; a page only in English says so (`LocalisedPage.shown_in`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Orderable, Page, TranslatableMixin
from wagtail.search import index

from cms import facts
from cms.languages import for_reader_by, reader_language
from helpdesk import status
from helpdesk.languages import name_in_text

RICH = ["h2", "h3", "bold", "italic", "link", "ol", "ul"]


class LocalisedPage(Page):
    """What every page type shares: knowing when the reader gets it in a language other than theirs."""

    class Meta:
        abstract = True

    def shown_in(self) -> str:
        """The name of the language this page's words are in, in the reader's language, when that is not
        the reader's own (an English copy not yet translated); "" when the reader has it in their language."""
        source = self.alias_of.specific_deferred if self.alias_of_id else self
        code = source.locale.language_code
        return "" if code == reader_language() else name_in_text(code)


class HomePage(LocalisedPage):
    """The front door of the site: a greeting and the way into the catalogue."""

    intro = models.CharField(
        _("introduction"), max_length=250, blank=True, help_text=_("One or two plain sentences under the title.")
    )
    body = RichTextField(blank=True, features=RICH)

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count = 1
    template = "cms/home_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["parts"] = facts.parts_with_categories()
        context["catalogue"] = in_reader_language(CatalogueIndexPage)
        context["promise"] = in_reader_language(PromisePage)
        return context

    def route(self, request, path_components):
        """A page's address works in every language: the reader's tree first (Wagtail routes from the home
        page in the reader's language when it is live), then the others, so a link copied by a colleague
        reading in another language, whose page has a translated slug, still finds the page; and the page is
        served in the reader's language when it has a live translation."""
        try:
            page, args, kwargs = super().route(request, path_components)
        except Http404:
            for home in HomePage.objects.live().exclude(pk=self.pk):
                try:
                    page, args, kwargs = Page.route(home, request, path_components)
                except Http404:
                    continue
                break
            else:
                raise
        # Found in another language's tree (its home page not translated, or the address copied from a
        # reader of another language): the reader's translation when one is live.
        return page.localized.specific, args, kwargs

    class Meta:
        verbose_name = _("home page")
        verbose_name_plural = _("home pages")


class CatalogueIndexPage(LocalisedPage):
    """Every service, searchable and filtered by category; each row says what it costs this reader."""

    intro = models.CharField(_("introduction"), max_length=250, blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    subpage_types = ["cms.ServicePage"]
    parent_page_types = ["cms.HomePage"]
    max_count = 1
    template = "cms/catalogue_index_page.html"
    per_page = 30

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        results = facts.catalogue_rows(request, per_page=self.per_page)
        context.update(filter=results.filter, rows=results.rows, query=results.query)
        return context

    class Meta:
        verbose_name = _("catalogue page")
        verbose_name_plural = _("catalogue pages")


class ServicePage(LocalisedPage):
    """A service as staff see it: the catalogue facts, plus how-to and FAQs written here. One page per
    service in each language (checked in `clean`; the translations share the service)."""

    service = models.ForeignKey(
        "catalogue.Service", verbose_name=_("service"), on_delete=models.PROTECT, related_name="pages"
    )
    body = RichTextField(_("body"), blank=True, features=RICH, help_text=_("What the service is, in plain words."))
    how_to = RichTextField(_("how to"), blank=True, features=RICH, help_text=_("Getting started, step by step."))

    content_panels = [
        *Page.content_panels,
        FieldPanel("service"),
        FieldPanel("body"),
        FieldPanel("how_to"),
        InlinePanel("faqs", label=_("Questions and answers")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("body"),
        index.RelatedFields("service", [index.SearchField("name"), index.SearchField("summary")]),
    ]
    parent_page_types = ["cms.CatalogueIndexPage"]
    subpage_types: list[str] = []
    template = "cms/service_page.html"

    @classmethod
    def for_reader(cls, service_id: int) -> ServicePage | None:
        """The service's live page in the reader's language, else the English one, else None."""
        return for_reader(cls.objects.live().filter(service_id=service_id))

    def clean(self):
        super().clean()
        others = ServicePage.objects.filter(service_id=self.service_id, locale_id=self.locale_id).exclude(pk=self.pk)
        if self.service_id and self.locale_id and others.exists():
            raise ValidationError({"service": _("This service already has a page in this language.")})

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(facts.service_facts(self.service_id, request.user))
        return context

    class Meta:
        verbose_name = _("service page")
        verbose_name_plural = _("service pages")


class ServiceFaq(TranslatableMixin, Orderable):
    page = ParentalKey(ServicePage, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(_("question"), max_length=250)
    answer = RichTextField(_("answer"), features=["bold", "italic", "link", "ol", "ul"])

    panels = [FieldPanel("question"), FieldPanel("answer")]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")


class ProjectPage(LocalisedPage):
    """A project: where it stands, who sponsors it and which services it will change."""

    class Phase(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        PLANNING = "planning", _("Planning")
        DELIVERY = "delivery", _("In delivery")
        DONE = "done", _("Done")

    class Health(models.TextChoices):
        ON_TRACK = "on_track", _("On track")
        AT_RISK = "at_risk", _("At risk")
        OFF_TRACK = "off_track", _("Off track")

    summary = models.CharField(_("summary"), max_length=300)
    phase = models.CharField(_("phase"), max_length=10, choices=Phase.choices, default=Phase.PROPOSED)
    status = models.CharField(_("status"), max_length=10, choices=Health.choices, default=Health.ON_TRACK)
    sponsor = models.ForeignKey(
        "helpdesk.User", verbose_name=_("sponsor"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    services = ParentalManyToManyField(
        "catalogue.Service",
        verbose_name=_("services"),
        blank=True,
        related_name="projects",
        help_text=_("The services this project changes."),
    )
    body = RichTextField(_("body"), blank=True, features=RICH)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldRowPanel([FieldPanel("phase"), FieldPanel("status"), FieldPanel("sponsor")]),
        FieldPanel("services"),
        FieldPanel("body"),
        InlinePanel("milestones", label=_("Milestones")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    template = "cms/project_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["changed_services"] = self.services.select_related("category").prefetch_related(
            Prefetch("pages", queryset=ServicePage.objects.live().filter(locale=self.locale_id), to_attr="page_here")
        )
        context["milestone_list"] = self.milestones.all()
        return context

    class Meta:
        verbose_name = _("project page")
        verbose_name_plural = _("project pages")


class Milestone(TranslatableMixin, Orderable):
    page = ParentalKey(ProjectPage, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(_("name"), max_length=200)
    due = models.DateField(_("due"))
    done = models.BooleanField(_("done"), default=False)

    panels = [FieldRowPanel([FieldPanel("name"), FieldPanel("due"), FieldPanel("done")])]

    class Meta(TranslatableMixin.Meta, Orderable.Meta):
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")


class PromisePage(LocalisedPage):
    """The IT Promise: teams, opening hours and service levels, read live from the data tickets are
    measured against. Editors choose what to show; the facts are never typed here."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        MultiFieldPanel([InlinePanel("teams", label=_("Team"))], heading=_("Team structure")),
        MultiFieldPanel([InlinePanel("calendars", label=_("Calendar"))], heading=_("Opening hours")),
        MultiFieldPanel([InlinePanel("policies", label=_("Policy"))], heading=_("Service levels")),
    ]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/promise_page.html"

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(facts.promise_facts(self))
        return context

    class Meta:
        verbose_name = _("IT Promise page")
        verbose_name_plural = _("IT Promise pages")


class PromiseTeam(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="teams")
    team = models.ForeignKey("helpdesk.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("team")]

    class Meta(Orderable.Meta):
        verbose_name = _("team shown")
        verbose_name_plural = _("teams shown")


class PromiseCalendar(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="calendars")
    calendar = models.ForeignKey("sla.Calendar", verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="+")
    panels = [FieldPanel("calendar")]

    class Meta(Orderable.Meta):
        verbose_name = _("calendar shown")
        verbose_name_plural = _("calendars shown")


class PromisePolicy(Orderable):
    page = ParentalKey(PromisePage, on_delete=models.CASCADE, related_name="policies")
    policy = models.ForeignKey(
        "sla.Policy", verbose_name=_("service-level policy"), on_delete=models.CASCADE, related_name="+"
    )
    panels = [FieldPanel("policy")]

    class Meta(Orderable.Meta):
        verbose_name = _("service level shown")
        verbose_name_plural = _("service levels shown")


class StatusPage(LocalisedPage):
    """The service status page as editors present it: their words around the live board (how each service
    stands, major incidents, maintenance), read from helpdesk.status when the page is served. While one is
    published, /status/ leads here (cms/views.py); without one, /status/ shows the board alone."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=RICH,
        help_text=_("What readers should know first: where to call, what counts as an outage."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types: list[str] = []
    max_count = 1
    template = "cms/status_page.html"

    class Meta:
        verbose_name = _("status page")
        verbose_name_plural = _("status pages")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context.update(status.page_context(request.user))
        return context


def for_reader(pages: models.QuerySet) -> Page | None:
    """Of one page's versions in several languages, the one for the reader (cms/languages.py); None when
    there are none."""
    return for_reader_by(pages.select_related("locale"), key=lambda page: None).get(None)


def in_reader_language(model: type[Page]) -> Page | None:
    """The live page of a type that exists once per language (catalogue, IT Promise), for the reader."""
    return for_reader(model.objects.live())
