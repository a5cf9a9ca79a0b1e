import pytest

from helpdesk.models import CostCentre, Division, Grade, Location
from tests import factories


@pytest.fixture
def org(db):
    """The reference data HR's files name, and bob (E2, Junior), who is already here."""
    junior = Grade.objects.create(name="Junior", level=1)
    Grade.objects.create(name="Senior", level=5)
    it = Division.objects.create(name="IT", code="it")
    CostCentre.objects.create(code="CC-100", name="Service desk", division=it)
    Location.objects.create(name="Stockholm", time_zone="Europe/Stockholm")
    return factories.UserFactory(username="bob", employee_id="E2", grade=junior, email="bob@example.org")
