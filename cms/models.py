"""Wagtail page types: presentation only. Facts (hours, prices, targets) are read from other apps."""

from django.db import models
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
    """The front door of the site: a greeting and the way into the catalogue."""

    intro = models.CharField(max_length=250, blank=True, help_text="One or two plain sentences under the title.")
    body = RichTextField(blank=True, features=["h2", "h3", "bold", "italic", "link", "ol", "ul"])

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    max_count = 1
    template = "cms/home_page.html"
