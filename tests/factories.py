"""Factories that build consistent graphs: a person's cost centre belongs to their division."""

import factory
from django.contrib.auth.models import Group

from helpdesk.models import CostCentre, Division, Grade, Location, Team, User
from helpdesk.roles import EDITORS, MANAGERS

PASSWORD = "correct horse battery staple"


class GradeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Grade
        django_get_or_create = ("level",)

    level = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: f"Grade {o.level}")


class DivisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Division

    name = factory.Sequence(lambda n: f"Division {n}")
    code = factory.Sequence(lambda n: f"division-{n}")


class CostCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CostCentre

    code = factory.Sequence(lambda n: f"CC-{n:04d}")
    name = factory.Sequence(lambda n: f"Cost centre {n}")
    division = factory.SubFactory(DivisionFactory)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Office {n}")
    time_zone = "Europe/Stockholm"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    grade = factory.SubFactory(GradeFactory, level=2)
    cost_centre = factory.SubFactory(CostCentreFactory)
    division = factory.SelfAttribute("cost_centre.division")
    location = factory.SubFactory(LocationFactory)
    time_zone = factory.SelfAttribute("location.time_zone")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create, names, **kwargs):
        if create and names:
            self.groups.set([Group.objects.get_or_create(name=name)[0] for name in names])


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")
    remit = "Keeps things running."
    email = factory.LazyAttribute(lambda o: f"{o.slug}@example.org")

    @factory.post_generation
    def members(self, create, people, **kwargs):
        if create and people:
            self.members.set(people)


def manager(**kwargs) -> User:
    return UserFactory(groups=[MANAGERS], **kwargs)


def editor(**kwargs) -> User:
    return UserFactory(groups=[EDITORS], **kwargs)
