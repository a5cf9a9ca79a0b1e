"""The ticket list: the desk's filters, a cursor that walks every sort without gaps or repeats, and a
number of queries that does not grow with the rows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from helpdesk.models import Ticket
from tests import factories


@pytest.fixture
def tickets(people, policy):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    made = []
    start = timezone.now() - timedelta(days=3)
    for i, state in enumerate(["new", "in_progress", "resolved", "new", "waiting_requester", "cancelled", "new"]):
        made.append(
            factories.ticket(
                requester=people.requester,
                team=people.team,
                service=service,
                state=state,
                title=f"Ticket {i}",
                at=start + timedelta(hours=i),
                impact=["high", "low", "medium"][i % 3],
            )
        )
    return made


def _walk(api, params: dict) -> list[str]:
    seen, path, query = [], "/api/tickets/", {**params, "page_size": "2"}
    while path:
        response = api.get(path, query)
        assert response.status_code == 200, response.content
        page = response.json()
        assert len(page["results"]) <= 2
        seen += [row["reference"] for row in page["results"]]
        path, query = page["next"], None
    return seen


@pytest.mark.parametrize("sort", ["", "-created", "created", "priority", "-updated"])
def test_the_cursor_walks_each_sort_in_the_desks_order(people, api_for, tickets, sort):
    from helpdesk.filters import SORTS

    api = api_for(people.analyst)
    walked = _walk(api, {"sort": sort, "state": ""} if sort else {"state": ""})
    expected = list(Ticket.objects.order_by(*SORTS[sort or "due"]).values_list("reference", flat=True))
    assert walked == expected


def test_the_desks_filters_apply(people, api_for, tickets):
    api = api_for(people.analyst)

    def refs(**params):
        return {row["reference"] for row in api.get("/api/tickets/", params).json()["results"]}

    assert refs() == refs(state="open") == {t.reference for t in tickets if t.is_open}
    assert refs(state="") == {t.reference for t in tickets}
    assert refs(q=tickets[2].reference) == {tickets[2].reference}  # a reference, in any state
    assert refs(state="resolved") == {tickets[2].reference}
    assert refs(q=tickets[3].reference) == {tickets[3].reference}
    assert refs(priority=tickets[0].priority) == {t.reference for t in tickets if t.priority == tickets[0].priority}
    assert refs(team=str(people.team.pk), state="") == {t.reference for t in tickets}
    assert refs(kind="request") == set()
    assert refs(state="open", assignee="none") == {t.reference for t in tickets if t.is_open and not t.assignee_id}


def test_a_staff_member_cannot_filter_by_a_team_they_are_not_in(people, api_for, tickets):
    assert api_for(people.requester).get("/api/tickets/", {"team": str(people.team.pk)}).status_code == 400


@pytest.mark.parametrize("role", ["requester", "analyst", "manager"])
def test_list_queries_do_not_grow_with_rows(role, people, api_for, policy, django_assert_max_num_queries):
    service = factories.ServiceFactory(owner_team=people.team, policy=policy)
    api = api_for(getattr(people, role))
    api.get("/api/services/")  # the token's use is recorded once a minute: not within what is counted
    counts = []
    for batch in (3, 30):
        for i in range(batch):
            factories.ticket(requester=people.requester, team=people.team, service=service, title=f"T{i}")
        with django_assert_max_num_queries(8) as captured:
            response = api.get("/api/tickets/")
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
