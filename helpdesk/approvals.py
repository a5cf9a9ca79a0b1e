"""Sign-off before the team starts: who is asked, who may decide, and what a decision does.

The rules, as the request type's editor and an approver read them:

- **When**: a catalogue request whose request type names approvers, unless it is priced below the type's
  "only from this price" (the one-off price quoted plus twelve months of the monthly price) or the
  requester's grade is not among its "only for these grades".
- **Who**: each named role read from the requester's profile when they ask: their line manager, the budget
  holder of their cost centre, the service's owner. A role nobody holds is left out; a role held by the
  requester, or by whoever asked for them, is asked of that person's line manager instead (nobody approves
  a request they made or asked for). When
  nobody is left to ask, the request is asked of the lead of the service's team.
- **Order**: "each, in order" asks one approver at a time, the next when the one before approved; "any
  one" asks them all and the first decision counts. One "not approved" ends the request.
- **While waiting** the ticket is "Waiting for approval": no service-level clock runs and no team queue
  shows it. Approved, it becomes new and its clocks start at that moment; not approved, it is closed with
  the reason, which the requester is sent. The requester can withdraw it meanwhile (cancel).
- **Deciding**: the approver, or whoever stands in for them that day (`Delegation`), from /my/approvals/
  or from the mailed link. The link is signed for one approval, works for LINK_VALID_FOR, only once, and
  only for its approver (signed in as anyone else, it is refused). Opening it changes nothing: the
  decision is a button on the page it opens (mail scanners open links).
- **Reminders**: after REMIND_AFTER working hours of the default service level's calendar without a
  decision, the approver is reminded, and again after as many more.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue.models import ApprovalMode, ApproverRole, Submission
from catalogue.money import written
from helpdesk import notifications, outbox
from helpdesk.languages import writing_for
from helpdesk.models import Approval, Delegation, EventKind, Mail, State, Ticket, User

SALT = "helpdesk.approval"
LINK_VALID_FOR = timedelta(days=14)
REMIND_AFTER = timedelta(hours=8)  # working hours
REASON_LIMIT = Approval._meta.get_field("reason").max_length
Decision = Approval.Decision


class Declined(Exception):
    """A decision that cannot be taken, with the words to show and the status to answer with."""

    def __init__(self, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


# -- who is asked ----------------------------------------------------------------------------------------------


def quoted_price(submission: Submission) -> Decimal:
    """What a request costs for the price threshold: the one-off price plus a year of the monthly one."""
    return submission.one_off_price + 12 * submission.monthly_price


def needed(submission: Submission, requester: User) -> list[tuple[str, User]]:
    """(role, person) to ask, in order, for this request by this requester; empty when none is needed."""
    request_type = submission.request_type
    roles = [row.role for row in request_type.approvers.all()]
    if not roles:
        return []
    if request_type.approval_from_price is not None and quoted_price(submission) < request_type.approval_from_price:
        return []
    grades = {grade.pk for grade in request_type.approval_grades.all()}
    if grades and requester.grade_id not in grades:
        return []
    service = request_type.service
    raised_by = submission.raised_by
    holders = {
        ApproverRole.LINE_MANAGER: requester.line_manager,
        ApproverRole.COST_CENTRE_HOLDER: requester.cost_centre.holder if requester.cost_centre_id else None,
        ApproverRole.SERVICE_OWNER: service.service_owner,
    }
    asked: list[tuple[str, User]] = []
    for role in roles:
        person = holders.get(role)
        if person is not None and person.pk in (requester.pk, raised_by.pk):
            person = person.line_manager  # nobody approves a request they made or asked for
        if person is None or not person.is_active or any(person.pk == p.pk for _r, p in asked):
            continue
        asked.append((role, person))
    if not asked:
        lead = service.owner_team.lead
        if lead is not None and lead.is_active and lead.pk not in (requester.pk, raised_by.pk):
            asked.append((ApproverRole.SERVICE_OWNER, lead))
    return asked


def ask(ticket: Ticket, approvers: list[tuple[str, User]], *, by: User, at: datetime, notify: bool = True) -> None:
    """Record who must approve `ticket` (waiting for approval) and ask the first of them (all of them for
    "any one"). Inside the caller's transaction."""
    any_one = ticket.request_type.approval_mode == ApprovalMode.ANY_ONE
    rows = Approval.objects.bulk_create(
        Approval(
            ticket=ticket,
            step=1 if any_one else number,
            role=role,
            approver=person,
            asked_at=at if any_one or number == 1 else None,
            link_nonce=secrets.token_hex(16) if any_one or number == 1 else "",
        )
        for number, (role, person) in enumerate(approvers, start=1)
    )
    ticket.log(
        EventKind.APPROVAL_ASKED,
        by=by,
        at=at,
        approvers=[{"role": role, "id": person.pk, "name": str(person)} for role, person in approvers],
        mode=ticket.request_type.approval_mode,
    )
    if notify:
        mails = [_asking_mail(row) for row in rows if row.asked_at is not None and row.approver.email]
        names = ", ".join(str(person) for _role, person in approvers)
        mails += notifications.for_person(
            "approval_waiting",
            ticket,
            ticket.requester,
            {"names": names, "ticket": ticket},
            lambda: _("[%(ref)s] Waiting for approval: %(title)s") % {"ref": ticket.reference, "title": ticket.title},
        )
        outbox.queue(mails, now=at)


# -- the link ------------------------------------------------------------------------------------------------


def token_for(approval: Approval) -> str:
    return signing.dumps([approval.pk, approval.link_nonce], salt=SALT, compress=False)


def open_link(token: str, *, user=None, now: datetime | None = None) -> Approval:
    """The approval a mailed link stands for, still to be decided by its approver: else Declined with why
    (404 for anything we did not sign, 410 used or expired, 403 someone else signed in)."""
    now = now or timezone.now()
    try:
        value = signing.loads(token, salt=SALT, max_age=LINK_VALID_FOR)
    except signing.SignatureExpired:
        raise Declined(_("This link has expired. Sign in and decide from your approvals page."), 410) from None
    except (signing.BadSignature, ValueError, UnicodeError):
        raise Declined(_("This link is not one we sent."), 404) from None
    if not (isinstance(value, list) and len(value) == 2 and type(value[0]) is int and isinstance(value[1], str)):
        raise Declined(_("This link is not one we sent."), 404)
    approval = (
        Approval.objects.select_related("ticket__requester", "ticket__request_type", "approver")
        .filter(pk=value[0])
        .first()
    )
    if approval is None:
        raise Declined(_("This link is not one we sent."), 404)
    if not approval.link_nonce or not secrets.compare_digest(approval.link_nonce, value[1]):
        raise Declined(_("This link has been used already."), 410)
    if user is not None and user.is_authenticated and user.pk != approval.approver_id:
        raise Declined(
            _("This link is for %(name)s. Sign out to use it, or decide from your own approvals page.")
            % {"name": approval.approver},
            403,
        )
    return approval


# -- deciding --------------------------------------------------------------------------------------------


def stands_in_for(user: User, approver_id: int, day) -> bool:
    return Delegation.objects.filter(
        person_id=approver_id, delegate=user, starts_on__lte=day, ends_on__gte=day
    ).exists()


def may_decide(approval: Approval, user: User, *, now: datetime) -> bool:
    """The approver, or their stand-in today; never the requester or whoever asked for them; only while
    it waits on them."""
    ticket = approval.ticket
    if not user.is_authenticated or not user.is_active or user.pk in (ticket.requester_id, ticket.raised_by_id):
        return False
    if approval.decision != Decision.WAITING or approval.asked_at is None:
        return False
    return user.pk == approval.approver_id or stands_in_for(user, approval.approver_id, timezone.localdate(now))


def waiting_for(user: User, *, now: datetime | None = None) -> QuerySet[Approval]:
    """What waits on `user`'s decision: as approver, or standing in today; oldest first."""
    day = timezone.localdate(now or timezone.now())
    away = Delegation.objects.filter(delegate=user, starts_on__lte=day, ends_on__gte=day).values("person_id")
    return (
        Approval.objects.filter(Q(approver=user) | Q(approver_id__in=away), decision=Decision.WAITING)
        .exclude(asked_at=None)
        .exclude(ticket__requester=user)
        .exclude(ticket__raised_by=user)
        .filter(ticket__state=State.AWAITING_APPROVAL)
        .select_related("ticket__requester", "ticket__request_type__service", "ticket__submission", "approver")
        .order_by("asked_at", "pk")
    )


def decide(
    approval: Approval,
    *,
    by: User,
    approve: bool,
    reason: str = "",
    at: datetime | None = None,
    link: bool = False,
) -> Approval:
    """Approve or decline as `by` (the approver, or their stand-in). Declining needs a reason. One
    transaction: the decision, the ticket's next step (the next approver, its clocks starting, or its
    close) and the mail all happen, or none does. Declined (403, 409 decided already, 400)."""
    from helpdesk.services import lock, set_going

    at = at or timezone.now()
    reason = reason.strip()
    if not approve and not reason:
        raise Declined(_("Say why it is not approved: the requester will read it."), 400)
    if len(reason) > REASON_LIMIT:
        raise Declined(_("Please keep the reason under %(n)s characters.") % {"n": REASON_LIMIT}, 400)
    with transaction.atomic():
        ticket = approval.ticket
        lock(ticket)
        approval = Approval.objects.select_for_update().select_related("ticket", "approver").get(pk=approval.pk)
        approval.ticket = ticket
        if approval.decision != Decision.WAITING or ticket.state != State.AWAITING_APPROVAL:
            raise Declined(_("This request has been decided already."), 409)
        if not may_decide(approval, by, now=at):
            raise Declined(_("You can't decide on this request."), 403)
        approval.decision = Decision.APPROVED if approve else Decision.REJECTED
        approval.decided_by, approval.decided_at, approval.reason, approval.link_nonce = by, at, reason, ""
        approval.save(update_fields=["decision", "decided_by", "decided_at", "reason", "link_nonce"])
        on_behalf = by.pk != approval.approver_id
        ticket.log(
            EventKind.APPROVED if approve else EventKind.NOT_APPROVED,
            by=by,
            at=at,
            role=approval.role,
            approver=str(approval.approver),
            on_behalf=on_behalf,
            reason=reason,
            link=link,
        )
        rest = Approval.objects.filter(ticket=ticket, decision=Decision.WAITING).exclude(pk=approval.pk)
        mails: list[outbox.Outgoing] = []
        if not approve or ticket.request_type.approval_mode == ApprovalMode.ANY_ONE:
            rest.update(decision=Decision.NOT_NEEDED, link_nonce="")
            upcoming = None
        else:
            upcoming = rest.filter(asked_at=None).order_by("step", "pk").first()
        if upcoming is not None:
            upcoming.asked_at, upcoming.link_nonce = at, secrets.token_hex(16)
            upcoming.save(update_fields=["asked_at", "link_nonce"])
            if upcoming.approver.email:
                mails.append(_asking_mail(upcoming))
        elif approve:
            ticket.approve(by=by, at=at)
            ticket.save(update_fields=["state"])
            ticket.log(
                EventKind.STATE_CHANGED,
                by=by,
                at=at,
                **{"from": State.AWAITING_APPROVAL, "to": State.NEW, "action": "approve", "comment": ""},
            )
            set_going(ticket, at=at)
        else:
            ticket.not_approved(by=by, at=at, reason=reason)
            ticket.save(update_fields=["state", "closed_at"])
            ticket.log(
                EventKind.STATE_CHANGED,
                by=by,
                at=at,
                **{"from": State.AWAITING_APPROVAL, "to": State.REJECTED, "action": "not_approved", "comment": reason},
            )
            mails += notifications.for_person(
                "approval_declined",
                ticket,
                ticket.requester,
                {"approval": approval, "ticket": ticket},
                lambda: _("[%(ref)s] Not approved: %(title)s") % {"ref": ticket.reference, "title": ticket.title},
            )
        outbox.queue(mails, now=at)
    return approval


def withdrawn(ticket: Ticket) -> None:
    """The requester cancelled while it waited: nobody need decide any more (inside their transaction)."""
    Approval.objects.filter(ticket=ticket, decision=Decision.WAITING).update(
        decision=Decision.NOT_NEEDED, link_nonce=""
    )


def reroute_from(leaver: User, *, at: datetime) -> int:
    """Approvals still waiting on someone who left go to the leaver's line manager, else to the lead of
    the service's team (never to the requester or whoever asked for them, nor to someone already asked on
    that ticket); the new approver is asked at once if the step was. Returns how many moved."""
    moved, mails = 0, []
    waiting = Approval.objects.filter(approver=leaver, decision=Decision.WAITING, ticket__state=State.AWAITING_APPROVAL)
    for approval in waiting.select_related("ticket__request_type__service__owner_team__lead", "ticket__requester"):
        ticket = approval.ticket
        taken = set(ticket.approvals.values_list("approver_id", flat=True)) | {ticket.requester_id, ticket.raised_by_id}
        for person in (leaver.line_manager, ticket.request_type.service.owner_team.lead):
            if person is not None and person.is_active and person.pk not in taken:
                break
        else:
            continue  # nobody left to ask: it waits, and the team sees it on the ticket
        approval.approver = person
        fields = ["approver"]
        if approval.asked_at is not None:
            approval.asked_at, approval.reminded_at, approval.link_nonce = at, None, secrets.token_hex(16)
            fields += ["asked_at", "reminded_at", "link_nonce"]
            if person.email:
                mails.append(_asking_mail(approval))
        approval.save(update_fields=fields)
        ticket.log(
            EventKind.APPROVAL_ASKED,
            by=None,
            at=at,
            approvers=[{"role": approval.role, "id": person.pk, "name": str(person)}],
            instead_of=str(leaver),
        )
        moved += 1
    outbox.queue(mails, now=at)
    return moved


def delegate(*, person: User, to: User, starts_on, ends_on, at: datetime | None = None) -> Delegation:
    """`to` may decide `person`'s approvals from `starts_on` to `ends_on` (inclusive)."""
    if to.pk == person.pk:
        raise Declined(_("Choose someone other than yourself."), 400)
    if not to.is_active:
        raise Declined(_("That person can no longer sign in."), 400)
    if ends_on < starts_on:
        raise Declined(_("The last day cannot be before the first."), 400)
    return Delegation.objects.create(
        person=person, delegate=to, starts_on=starts_on, ends_on=ends_on, created_at=at or timezone.now()
    )


# -- reminders -----------------------------------------------------------------------------------------------


def remind(*, now: datetime | None = None) -> int:
    """Remind approvers whose decision has waited REMIND_AFTER working hours since they were asked or
    last reminded. Returns how many were reminded; safe to run any number of times."""
    from sla.models import Policy

    now = now or timezone.now()
    policy = Policy.default()
    hours = policy.calendar.working_hours() if policy and policy.calendar_id else None
    due = []
    waiting = Approval.objects.filter(decision=Decision.WAITING, ticket__state=State.AWAITING_APPROVAL).exclude(
        asked_at=None
    )
    for approval in waiting.select_related("approver", "ticket__requester", "ticket__request_type"):
        since = approval.reminded_at or approval.asked_at
        waited = hours.between(since, now) if hours is not None else now - since
        if waited >= REMIND_AFTER:
            due.append(approval)
    with transaction.atomic():
        for approval in due:
            approval.reminded_at = now
            if not approval.link_nonce:
                approval.link_nonce = secrets.token_hex(16)
            approval.save(update_fields=["reminded_at", "link_nonce"])
        outbox.queue([_asking_mail(a, reminder=True) for a in due if a.approver.email], now=now)
    return len(due)


# -- mail ----------------------------------------------------------------------------------------------------


def link_path(approval: Approval) -> str:
    return reverse("approval-link", args=[token_for(approval)])


def _asking_mail(approval: Approval, *, reminder: bool = False) -> outbox.Outgoing:
    ticket, person = approval.ticket, approval.approver
    with writing_for(person):
        subject = (_("Reminder: approval needed: %(title)s") if reminder else _("Approval needed: %(title)s")) % {
            "title": ticket.title
        }
        body = render_to_string(
            "emails/approval_asked.txt",
            {
                "approval": approval,
                "ticket": ticket,
                "person": person,
                "reminder": reminder,
                "price": written(quoted_price(ticket.submission) or None) if ticket.submission_id else "",
                "link": settings.WAGTAILADMIN_BASE_URL + link_path(approval),
                "list": settings.WAGTAILADMIN_BASE_URL + reverse("my-approvals"),
                "valid_days": LINK_VALID_FOR.days,
            },
        )
    return outbox.Outgoing(
        to=[person.email],
        subject=f"[{ticket.reference}] {subject}",
        body=body,
        purpose=Mail.Purpose.APPROVAL,
        ticket_id=ticket.pk,
    )
