"""The analyst's one composer: a public reply or an internal note that may also take the ticket a step on
and set its priority, all in one transaction (a refused step leaves no reply behind). The steps and
the priority go through the same services as their own buttons do."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpdesk import services
from helpdesk.models import CannedAction, Message, Ticket
from helpdesk.services import Refused

# The steps a composer may take after sending, in the words on the composer's choice.
STEPS = {
    CannedAction.START: gettext_lazy("Start work"),
    CannedAction.WAIT_ON_REQUESTER: gettext_lazy("Ask the requester and wait for their answer"),
    CannedAction.WAIT_ON_PROVIDER: gettext_lazy("Wait on the supplier"),
    CannedAction.RESOLVE: gettext_lazy("Resolve it with these words"),
}
# Steps whose words are the message itself: the requester reads them, so never from an internal note.
SPOKEN = {CannedAction.WAIT_ON_REQUESTER, CannedAction.RESOLVE}


def steps_for(ticket: Ticket, user) -> list[tuple[str, str]]:
    """The composer's steps `user` may take on `ticket` now, from the state machine."""
    available = {t.name for t in ticket.get_available_user_state_transitions(user)}
    return [(name, str(label)) for name, label in STEPS.items() if name in available]


def send(
    ticket: Ticket,
    *,
    by,
    body: str,
    internal: bool = False,
    then: str = "",
    priority: str = "",
    files: Sequence[UploadedFile] = (),
) -> Message | None:
    """Send the composer's text, then take step `then` (one of STEPS, or "") and set `priority` ("" keeps
    it). A question's or a resolution's words are the text itself: asking puts it in the conversation,
    resolving makes it the resolution (with the files, if any, in a reply beside it). Returns the message
    added, or None when the words became the resolution alone. Refused as the services refuse; nothing is
    kept then."""
    if then and then not in STEPS:
        raise Refused(_("That is not something you can do to a ticket."), status=400)
    if internal and then in SPOKEN:
        raise Refused(
            _("The requester reads a question or a resolution, so it can't be an internal note. Send it as a reply."),
            status=400,
        )
    with transaction.atomic():
        if priority:  # first: a resolved ticket's priority is no longer changed
            services.change_priority(ticket, by=by, priority=priority)
        message = None
        if then == CannedAction.WAIT_ON_REQUESTER:
            services.perform(ticket, then, by=by, text=body)
            message = ticket.messages.filter(author=by).latest("created_at", "pk")
            services.attach_files(message, files)
        elif then == CannedAction.RESOLVE:
            if files:
                message = services.reply(ticket, by=by, body=body, files=files, notify=False)
            services.perform(ticket, then, by=by, text=body)
        else:
            message = services.reply(ticket, by=by, body=body, internal=internal, files=files)
            if then:
                services.perform(ticket, then, by=by)
    return message
