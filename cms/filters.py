import django_filters
from django.utils.translation import gettext_lazy as _

from catalogue.demand import record_search_miss
from catalogue.models import Category, Part, Service
from catalogue.models.search import words_in
from catalogue.search import MAX_WORDS, expanded


class CatalogueFilter(django_filters.FilterSet):
    """Search words, a part of the promise and a category, all in the URL so a view can be shared."""

    q = django_filters.CharFilter(label=_("Search"), method="search")
    part = django_filters.ChoiceFilter(
        label=_("Part"), field_name="category__part", choices=Part.choices, empty_label=_("All parts")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"), queryset=Category.objects.all(), to_field_name="slug", empty_label=_("All categories")
    )

    class Meta:
        model = Service
        fields = ["q", "part", "category"]

    def search(self, queryset, name, value):
        """Wagtail's search backend (PostgreSQL full text, stemmed in English; SQLite's FTS5 for the demo,
        unstemmed) over the typed words and the editors' synonyms for them (catalogue.search.expanded);
        matches come back as ids to keep the joins."""
        from wagtail.search.backends import get_search_backend

        words = expanded(value)
        if not words:
            return queryset
        backend = get_search_backend()
        offered = Service.objects.offered()
        # Whole words and their synonyms (stemmed where the backend can), plus the start of a typed word
        # for half-typed searches.
        found = {s.pk for s in backend.search(" ".join(words), offered, operator="or")}
        found |= {s.pk for s in backend.autocomplete(" ".join(words_in(value)[:MAX_WORDS]), offered)}
        if not found:  # demand the catalogue does not meet (catalogue.demand); nothing read to know it
            record_search_miss(value, person=getattr(self.request, "user", None))
        return queryset.filter(pk__in=found)
