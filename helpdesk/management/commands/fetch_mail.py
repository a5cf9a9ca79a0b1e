"""`manage.py fetch_mail`: poll the IMAP mailbox in MAIL_IN_IMAP_* (SSL unless MAIL_IN_IMAP_SSL=0) and
take each unseen message in; `--once` for one round (cron), else a round every `--every` seconds."""

import imaplib
import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from helpdesk.mail_in.imap import Mailbox, fetch_once


class Command(BaseCommand):
    help = "Take the desk's mail from an IMAP mailbox (MAIL_IN_IMAP_HOST, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument("--every", type=int, default=60, help="Seconds between rounds (default 60).")

    def handle(self, *args, once, every, **options):
        box = Mailbox.from_settings()
        if not box.host or not box.user:
            raise CommandError("Set MAIL_IN_IMAP_HOST and MAIL_IN_IMAP_USER (and MAIL_IN_IMAP_PASSWORD).")
        stop = threading.Event()
        if not once:
            for sig in (signal.SIGTERM, signal.SIGINT):
                signal.signal(sig, lambda *_: stop.set())
        while True:
            try:
                done = fetch_once(box)
                self.stdout.write(f"fetch_mail: {done.taken} taken, {done.failed} left for the next round")
            except (imaplib.IMAP4.error, OSError) as error:
                if once:
                    raise CommandError(f"The mailbox cannot be read: {error}") from error
                self.stderr.write(f"fetch_mail: the mailbox cannot be read ({error}); trying again")
            if once or stop.wait(max(every, 1)):
                return
