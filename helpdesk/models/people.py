"""People and teams: who asks, who answers, and what entitlement and cost allocation read from them."""

import zoneinfo
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

from helpdesk.roles import EDITORS, MANAGERS, Roles


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known time zone (for example Europe/Stockholm)."), params={"value": value}
        )


def validate_language(value: str) -> None:
    if value and value not in dict(settings.LANGUAGES):
        raise ValidationError(_("%(value)s is not a language this site offers."), params={"value": value})


class Grade(models.Model):
    """A pay grade or seniority band; entitlement rules say "at least level N"."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, help_text=_("Higher is more senior. Entitlement rules compare levels.")
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("grade")
        verbose_name_plural = _("grades")

    def __str__(self) -> str:
        return f"{self.name} (level {self.level})"


class Division(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    code = models.SlugField(_("code"), max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("division")
        verbose_name_plural = _("divisions")

    def __str__(self) -> str:
        return self.name


class CostCentre(models.Model):
    """Where a service's cost is charged; belongs to a division."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, related_name="cost_centres", verbose_name=_("division")
    )
    holder = models.ForeignKey(
        "helpdesk.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="held_cost_centres",
        verbose_name=_("budget holder"),
        help_text=_("Sees this cost centre's monthly statements."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("cost centre")
        verbose_name_plural = _("cost centres")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Location(models.Model):
    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC", validators=[validate_time_zone])

    class Meta:
        ordering = ["name"]
        verbose_name = _("location")
        verbose_name_plural = _("locations")

    def __str__(self) -> str:
        return self.name


def display_name(first_name: str, last_name: str, username: str) -> str:
    """How a person is named on every page: their full name, or their username when they gave none."""
    return f"{first_name} {last_name}".strip() or username


class User(AbstractUser):
    """Everyone who can log in. Deleting reference data that people still point at is refused."""

    grade = models.ForeignKey(
        Grade, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("grade")
    )
    division = models.ForeignKey(
        Division, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("division")
    )
    cost_centre = models.ForeignKey(
        CostCentre,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("cost centre"),
    )
    location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="people", verbose_name=_("location")
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Dates and times are shown to you in this zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        validators=[validate_language],
        help_text=_("Leave empty to follow your browser."),
    )
    # With no language chosen, the one their browser last asked for when it differs from the site's
    # (empty: the site's), so mail reaches them in the language they read the site in (helpdesk/languages.py).
    browser_language = models.CharField(_("browser's language"), max_length=10, blank=True, editable=False)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # Where the profile comes from: the identity provider's subject for single sign-on, HR's number for
    # the directory import and sync; a leaver is deactivated, never deleted (their history stays).
    sso_subject = models.CharField(
        _("single sign-on subject"),
        max_length=255,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The person's identifier at the identity provider (OpenID Connect 'sub'). Set at first sign-on."),
    )
    employee_id = models.CharField(
        _("employee number"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("HR's number for this person: the directory import and sync match people on it."),
    )
    left_on = models.DateField(
        _("left on"), null=True, blank=True, help_text=_("The day the directory said this person left.")
    )
    line_manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports",
        verbose_name=_("line manager"),
        help_text=_("May ask for things on this person's behalf."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return display_name(self.first_name, self.last_name, self.username)

    @cached_property
    def _memberships(self) -> tuple[frozenset[int], frozenset[str], frozenset[int], frozenset[int]]:
        """The teams this person works in, the role groups they hold, the teams they lead and the cost
        centres whose budget they hold: one query (a union of the link tables, the teams' leads and the
        cost centres' holders), read on every page and kept until `refresh_from_db`."""
        if not self.pk:
            return frozenset(), frozenset(), frozenset(), frozenset()
        teams = Team.members.through.objects.filter(user_id=self.pk).values_list(Value("team"), "team_id", Value(""))
        groups = self.groups.through.objects.filter(user_id=self.pk, group__name__in=[MANAGERS, EDITORS])
        led = Team.objects.filter(lead_id=self.pk).order_by().values_list(Value("lead"), "pk", Value(""))
        held = CostCentre.objects.filter(holder_id=self.pk).order_by().values_list(Value("held"), "pk", Value(""))
        rows = list(teams.union(groups.values_list(Value("group"), Value(0), "group__name"), led, held, all=True))
        return (
            frozenset(team for link, team, _ in rows if link == "team"),
            frozenset(group for link, _, group in rows if link == "group"),
            frozenset(team for link, team, _ in rows if link == "lead"),
            frozenset(centre for link, centre, _ in rows if link == "held"),
        )

    def refresh_from_db(self, *args, **kwargs) -> None:
        super().refresh_from_db(*args, **kwargs)
        self.__dict__.pop("_memberships", None)  # teams and roles are read again

    @property
    def team_ids(self) -> frozenset[int]:
        """The teams this person works in as an analyst."""
        return self._memberships[0]

    @property
    def led_team_ids(self) -> frozenset[int]:
        """The teams whose lead this person is (they follow up poor satisfaction answers)."""
        return self._memberships[2]

    @property
    def held_cost_centre_ids(self) -> frozenset[int]:
        """The cost centres whose budget this person holds (they see those chargeback statements)."""
        return self._memberships[3]

    @property
    def roles(self) -> Roles:
        """Analyst (in a team), manager and editor (role groups; a superuser is both)."""
        groups = self._memberships[1]
        return Roles(
            analyst=bool(self.team_ids),
            manager=MANAGERS in groups or self.is_superuser,
            editor=EDITORS in groups or self.is_superuser,
        )


class AutoAssign(models.TextChoices):
    ROUND_ROBIN = "round_robin", _("each analyst in turn")
    LEAST_OPEN = "least_open", _("the analyst with the least open work")


class Team(models.Model):
    """A group of analysts who own services and work a queue."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    slug = models.SlugField(_("short name"), max_length=60, unique=True)
    remit = models.TextField(
        _("remit"), blank=True, max_length=2_000, help_text=_("What this team looks after, in plain words.")
    )
    email = models.EmailField(_("contact email"), blank=True)
    phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("part of")
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="teams", blank=True, verbose_name=_("analysts")
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team lead"),
        help_text=_("Follows up poor satisfaction answers. Empty: the team's managers do."),
    )
    auto_assign = models.CharField(
        _("give new tickets to"),
        max_length=12,
        choices=AutoAssign.choices,
        blank=True,
        help_text=_("Empty: new tickets wait in the queue until someone takes them."),
    )
    # Round robin's place: the analyst who was given the last new ticket.
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("last given a new ticket"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name


class SavedView(models.Model):
    """A desk filter an analyst named, to come back to with one click."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views", verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=60)
    query = models.CharField(
        _("filters"),
        max_length=1000,
        help_text=_("The desk's filters as its address shows them, e.g. state=open&priority=P1."),
    )
    # Shared with one of the owner's teams: its analysts see it beside their own views.
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="saved_views",
        verbose_name=_("shared with"),
    )

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["owner", "name"], name="saved_view_name_per_owner")]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")

    def __str__(self) -> str:
        return self.name
