"""Satisfaction (CSAT): the one question asked when a ticket is resolved, and the follow-up a poor answer opens.

The rules, in one place:

- Asking: resolving a ticket asks its requester (unless they resolved it themselves). A new resolution
  asks again on the same row, clearing the old answer; links mailed for an earlier resolution stop working.
- A link in the resolution mail answers without logging in: each link is signed over (satisfaction,
  score, when it was asked), works for LINK_VALID_FOR after asking, and records once. Opening it (GET)
  records nothing, because mail scanners open every link in a mail: its page holds the link's score in
  a form that a small script sends at once (one click for a person), or the person presses Send.
- An answer may be changed (another link, or the ticket page) for CHANGE_WITHIN after it was first given.
- The first answer of 1 or 2 after an asking opens a follow-up for the team's lead, who closes it only by
  saying what was done, and may tell the requester.

Every write here runs in a transaction with its mail (helpdesk.outbox) and marks the ticket as changed
(`TicketQuerySet.touch`), because reports find changed tickets by `updated_at`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk import outbox
from helpdesk.languages import writing_for
from helpdesk.models import FollowUp, Satisfaction, State, Team, Ticket, is_team_analyst
from helpdesk.models.satisfaction import SCORES, UNHAPPY

SALT = "satisfaction"
# Words said in more than one place (here and by the pages' forms).
PICK_A_SCORE = gettext_lazy("Choose a number from 1 to 5.")
SAY_WHAT_WAS_DONE = gettext_lazy("Say what was done before closing the follow-up.")
NOT_OUR_LINK = gettext_lazy("This link is not one of ours, or it was copied incompletely.")
LINK_VALID_FOR = timedelta(days=30)  # a mailed link works this long after the question was asked
CHANGE_WITHIN = timedelta(days=7)  # an answer may be changed this long after it was first given
ANSWERABLE = (State.RESOLVED, State.CLOSED)

SCORE_WORDS = {
    1: gettext_lazy("Very dissatisfied"),
    2: gettext_lazy("Dissatisfied"),
    3: gettext_lazy("Neither satisfied nor dissatisfied"),
    4: gettext_lazy("Satisfied"),
    5: gettext_lazy("Very satisfied"),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Declined(Exception):
    """An answer or a closing we will not record; `status` is the HTTP status to answer with.

    `satisfaction` is the answer as it stands, when there is one to show the person."""

    def __init__(self, message: str, status: int = 409, satisfaction: Satisfaction | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.satisfaction = satisfaction


def score_label(score: int | None) -> str:
    """ "4 – Satisfied": the number and its words, as the question offers them ("" for no answer)."""
    if score not in SCORE_WORDS:
        return ""
    return f"{score} – {SCORE_WORDS[score]}"


def may_change(satisfaction: Satisfaction, now: datetime) -> bool:
    """Unanswered, or first answered less than CHANGE_WITHIN ago."""
    return satisfaction.answered_at is None or now < satisfaction.answered_at + CHANGE_WITHIN


def change_until(satisfaction: Satisfaction) -> datetime | None:
    return satisfaction.answered_at + CHANGE_WITHIN if satisfaction.answered_at else None


# -- asking -----------------------------------------------------------------------------------------------


def ask(ticket: Ticket, *, by, at: datetime) -> Satisfaction | None:
    """Ask the requester how satisfied they are with this resolution (call inside the resolving
    transaction). A ticket resolved again is asked again: the earlier answer is cleared and the links
    mailed for it stop working. Returns None when the requester resolved it themselves."""
    if by is None or by.pk == ticket.requester_id:
        return None
    satisfaction, _created = Satisfaction.objects.update_or_create(
        ticket_id=ticket.pk,
        defaults={"asked_at": at, "score": None, "comment": "", "answered_at": None, "links_used": []},
    )
    Ticket.objects.filter(pk=ticket.pk).touch()
    return satisfaction


def _stamp(at: datetime) -> int:
    """Microseconds since the epoch, in whole numbers: exact, so a re-asked question voids old links."""
    return (at - _EPOCH) // timedelta(microseconds=1)


def token_for(satisfaction: Satisfaction, score: int) -> str:
    return signing.dumps([satisfaction.pk, score, _stamp(satisfaction.asked_at)], salt=SALT, compress=False)


@dataclass(frozen=True)
class Link:
    satisfaction_id: int
    score: int
    asked: int  # _stamp of asked_at when the link was made


def read_token(token: str) -> Link | None:
    """The link a token stands for, or None for anything we did not sign (forged, altered, malformed)."""
    try:
        value = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    if not (isinstance(value, list) and len(value) == 3 and all(type(part) is int for part in value)):
        return None
    satisfaction_id, score, asked = value
    if score not in SCORES:
        return None
    return Link(satisfaction_id, score, asked)


def mail_links(ticket: Ticket) -> list[dict]:
    """The five one-click answers for the resolution mail: score, words and path (empty when this
    resolution was not asked about, e.g. the requester resolved it themselves)."""
    if ticket.resolved_at is None:
        return []
    satisfaction = Satisfaction.objects.filter(ticket_id=ticket.pk, asked_at=ticket.resolved_at).first()
    if satisfaction is None:
        return []
    return [
        {
            "score": score,
            "words": SCORE_WORDS[score],  # lazy: put in the reader's language when the mail is written
            "path": reverse("satisfaction-link", args=[token_for(satisfaction, score)]),
        }
        for score in SCORES
    ]


# -- answering --------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What became of an answer sent from a mailed link's page."""

    satisfaction: Satisfaction
    link_score: int
    recorded: bool  # False: the link had been used already, nothing changed


@dataclass
class Opened:
    """A mailed link, opened: what its page offers. Nothing is written by opening it."""

    satisfaction: Satisfaction
    link_score: int  # the score the person chose in the mail, offered pre-selected
    used: bool  # the link has recorded an answer already: sending it again would change nothing


def _satisfaction_for_link(link: Link | None, now: datetime, *, lock: bool) -> Satisfaction:
    expired = _("This link has expired; open your ticket to answer.")
    if link is None:
        raise Declined(str(NOT_OUR_LINK), status=404)
    rows = Satisfaction.objects.select_related("ticket", "ticket__requester")
    if lock:
        rows = rows.select_for_update(of=("self",))
    satisfaction = rows.filter(pk=link.satisfaction_id).first()
    if satisfaction is None:
        raise Declined(str(NOT_OUR_LINK), status=404)
    if link.asked != _stamp(satisfaction.asked_at) or now >= satisfaction.asked_at + LINK_VALID_FOR:
        raise Declined(expired, status=410, satisfaction=satisfaction)
    if satisfaction.ticket.state not in ANSWERABLE:
        raise Declined(
            _("This ticket was reopened, so there is nothing to rate yet. We will ask again once it is resolved."),
            satisfaction=satisfaction,
        )
    return satisfaction


def satisfaction_for_link(token: str, *, now: datetime | None = None) -> Satisfaction:
    """The answer a mailed link is about, read only; Declined as record_from_link is."""
    return _satisfaction_for_link(read_token(token), now or timezone.now(), lock=False)


def _too_late(satisfaction: Satisfaction) -> Declined:
    return Declined(
        _("Your answer was given more than %(days)d days ago, so it can no longer be changed.")
        % {"days": CHANGE_WITHIN.days},
        satisfaction=satisfaction,
    )


def _link_used(link: Link, satisfaction: Satisfaction, now: datetime) -> bool:
    """True when the link has recorded already (sending it again changes nothing); Declined when an
    answer it would record could no longer change the one given."""
    if link.score in satisfaction.links_used:
        return True
    if not may_change(satisfaction, now):
        raise _too_late(satisfaction)
    return False


def open_link(token: str, *, now: datetime | None = None) -> Opened:
    """What a mailed link's page offers, read only: opening a link must never record anything, because
    mail scanners open every link in a mail. Declined as record_from_link is, so a page that would only
    be refused is refused at once."""
    now = now or timezone.now()
    link = read_token(token)
    satisfaction = _satisfaction_for_link(link, now, lock=False)
    return Opened(satisfaction, link.score, used=_link_used(link, satisfaction, now))


def record_from_link(token: str, *, score: int, comment: str | None = None, now: datetime | None = None) -> Outcome:
    """Record the answer sent (POST) from a mailed link's page, no login needed: the score chosen there
    (the link's own, or another the person picked instead) and the comment (None keeps the one given
    before). A link records once: sent again it changes nothing (recorded=False). Declined when the
    token is not ours (404), the score is not 1 to 5 (400), the link expired or was voided by a new
    question (410), the ticket was reopened or the answer can no longer be changed (409)."""
    now = now or timezone.now()
    link = read_token(token)
    with transaction.atomic():
        satisfaction = _satisfaction_for_link(link, now, lock=True)
        if score not in SCORES:
            raise Declined(str(PICK_A_SCORE), status=400, satisfaction=satisfaction)
        if _link_used(link, satisfaction, now):
            return Outcome(satisfaction, link.score, recorded=False)
        satisfaction.links_used = [*satisfaction.links_used, link.score]
        _answer(satisfaction, score=score, comment=comment, now=now)
    return Outcome(satisfaction, link.score, recorded=True)


def comment_from_link(token: str, *, comment: str, now: datetime | None = None) -> Satisfaction:
    """Add or change the comment of an answer through a mailed link (its signature authorises it),
    while the answer may still be changed. Declined as record_from_link is."""
    now = now or timezone.now()
    link = read_token(token)
    with transaction.atomic():
        satisfaction = _satisfaction_for_link(link, now, lock=True)
        if satisfaction.score is None:
            raise Declined(_("Choose how satisfied you are first."), status=400, satisfaction=satisfaction)
        if not may_change(satisfaction, now):
            raise _too_late(satisfaction)
        _answer(satisfaction, score=satisfaction.score, comment=comment, now=now)
    return satisfaction


def record_from_page(ticket: Ticket, *, by, score: int, comment: str, now: datetime | None = None) -> Satisfaction:
    """The requester answers (or changes their answer) on the ticket page. Declined: not the requester
    (403), a score that is not 1 to 5 (400), not asked or not resolved now, or too late to change (409)."""
    now = now or timezone.now()
    if not by.is_authenticated or by.pk != ticket.requester_id:
        raise Declined(_("Only the person who asked for this can answer."), status=403)
    if score not in SCORES:
        raise Declined(str(PICK_A_SCORE), status=400)
    with transaction.atomic():
        satisfaction = (
            Satisfaction.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .filter(ticket_id=ticket.pk)
            .first()
        )
        if satisfaction is None or satisfaction.ticket.state not in ANSWERABLE:
            raise Declined(_("There is nothing to rate on this ticket until it is resolved."))
        if not may_change(satisfaction, now):
            raise _too_late(satisfaction)
        _answer(satisfaction, score=score, comment=comment, now=now)
    return satisfaction


def _answer(satisfaction: Satisfaction, *, score: int, comment: str | None, now: datetime) -> None:
    """Store the answer (first answered: now; a change keeps the first time) and open a follow-up when
    it is the first poor answer since the question was asked. Inside the caller's transaction."""
    satisfaction.score = score
    if comment is not None:
        satisfaction.comment = comment.strip()
    if satisfaction.answered_at is None:
        satisfaction.answered_at = now
    satisfaction.save(update_fields=["score", "comment", "answered_at", "links_used"])
    if score <= UNHAPPY:
        _open_follow_up(satisfaction, now)
    Ticket.objects.filter(pk=satisfaction.ticket_id).touch()


# -- follow-ups -------------------------------------------------------------------------------------------


def _open_follow_up(satisfaction: Satisfaction, now: datetime) -> FollowUp | None:
    """Open (or, for a question asked again, open anew) the follow-up of a poor answer, and tell the
    team's lead. None when this asking already has one: changing 1 to 2 opens nothing new."""
    existing = FollowUp.objects.filter(satisfaction=satisfaction).first()
    if existing is not None and existing.opened_at >= satisfaction.asked_at:
        return None
    ticket = satisfaction.ticket
    team = Team.objects.select_related("lead").get(pk=ticket.team_id)
    values = {
        "team": team,
        "lead": team.lead,
        "opened_at": now,
        "closed_at": None,
        "closed_by": None,
        "action": "",
        "requester_told": False,
    }
    follow_up, _created = FollowUp.objects.update_or_create(satisfaction=satisfaction, defaults=values)
    context = {"ticket": ticket, "satisfaction": satisfaction, "words": SCORE_WORDS[satisfaction.score], "team": team}

    def subject() -> str:
        return _("[%(ref)s] Unhappy with how it was handled: %(title)s") % {
            "ref": ticket.reference,
            "title": ticket.title,
        }

    if team.lead and team.lead.email:
        mails = _mail("follow_up_opened", [team.lead.email], team.lead, context, subject, ticket)
    else:
        mails = _mail("follow_up_opened", [team.email], None, context, subject, ticket)
    outbox.queue(mails)
    return follow_up


def _mail(template: str, to: list[str], person, context: dict, subject, ticket: Ticket) -> list[outbox.Outgoing]:
    """One mail, written in the reader's time zone and language when we know who reads it (helpdesk/languages.py);
    `subject` is called inside, so it is in that language too."""
    if not any(to):
        return []
    with writing_for(person):
        body = render_to_string(
            f"emails/{template}.txt", {**context, "person": person, "site": settings.WAGTAILADMIN_BASE_URL}
        )
        mail = outbox.Outgoing(to=[a for a in to if a], subject=subject(), body=body, ticket_id=ticket.pk)
    return [mail]


def leads_a_team(user) -> bool:
    """May see the follow-ups page: a manager (all follow-ups) or the lead of a team (their teams')."""
    if not user.is_authenticated:
        return False
    return user.roles.manager or bool(user.led_team_ids)


def may_close(follow_up: FollowUp, user) -> bool:
    """The lead of the follow-up's team now, or a manager."""
    return user.is_authenticated and (user.roles.manager or follow_up.team.lead_id == user.pk)


def follow_ups_for(user) -> QuerySet[FollowUp]:
    """The follow-ups page: a manager's are all; a lead's are their teams'. Open ones first, oldest
    first; then closed ones, latest closed first. With what each row shows, in one query."""
    rows = FollowUp.objects.select_related(
        "team", "lead", "closed_by", "satisfaction", "satisfaction__ticket", "satisfaction__ticket__requester"
    )
    if not user.roles.manager:
        rows = rows.filter(team__lead=user)
    return rows.order_by(F("closed_at").desc(nulls_first=True), "opened_at", "pk")


def close_follow_up(
    follow_up: FollowUp, *, by, action: str, tell_requester: bool = False, now: datetime | None = None
) -> FollowUp:
    """Close a follow-up with what was done; with `tell_requester`, mail them what was done. Declined:
    not the team's lead or a manager (403), nothing said about what was done (400), closed already (409)."""
    now = now or timezone.now()
    if not may_close(follow_up, by):
        raise Declined(_("Only the team's lead or a manager can close this follow-up."), status=403)
    action = action.strip()
    if not action:
        raise Declined(str(SAY_WHAT_WAS_DONE), status=400)
    with transaction.atomic():
        locked = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("satisfaction__ticket__requester")
            .get(pk=follow_up.pk)
        )
        if locked.closed_at is not None:
            raise Declined(_("%(who)s closed this follow-up already.") % {"who": locked.closed_by or _("Someone")})
        locked.closed_at, locked.closed_by, locked.action = now, by, action
        ticket = locked.satisfaction.ticket
        requester = ticket.requester
        locked.requester_told = bool(tell_requester and requester.email)
        locked.save(update_fields=["closed_at", "closed_by", "action", "requester_told"])
        if locked.requester_told:
            context = {"ticket": ticket, "action": action, "satisfaction": locked.satisfaction}
            outbox.queue(
                _mail(
                    "follow_up_closed",
                    [requester.email],
                    requester,
                    context,
                    lambda: _("[%(ref)s] What we did after your answer") % {"ref": ticket.reference},
                    ticket,
                )
            )
        Ticket.objects.filter(pk=ticket.pk).touch()
    return locked


# -- the ticket page ----------------------------------------------------------------------------------------


@dataclass
class Panel:
    """What the ticket page shows about satisfaction, to the person looking."""

    satisfaction: Satisfaction
    answer: str  # "4 – Satisfied", or "" while unanswered
    requester: bool  # the person looking asked for this ticket (others see the answer read-only)
    may_answer: bool  # the requester, who may answer or change it now
    change_until: datetime | None
    choices: list[tuple[int, str]] = field(default_factory=list)
    change_days: int = CHANGE_WITHIN.days


def panel(ticket: Ticket, user, *, now: datetime | None = None) -> Panel | None:
    """The satisfaction section of the ticket page: the question for the requester (answerable within
    the rules), the answer read-only for the team; None for anyone else or when nothing was asked."""
    if ticket.state not in ANSWERABLE or not user.is_authenticated:
        return None
    requester = user.pk == ticket.requester_id
    if not requester and not is_team_analyst(ticket, user):
        return None
    satisfaction = Satisfaction.objects.filter(ticket_id=ticket.pk).first()
    if satisfaction is None:
        return None
    now = now or timezone.now()
    return Panel(
        satisfaction=satisfaction,
        answer=score_label(satisfaction.score),
        requester=requester,
        may_answer=requester and may_change(satisfaction, now),
        change_until=change_until(satisfaction),
        choices=[(score, score_label(score)) for score in SCORES],
    )
