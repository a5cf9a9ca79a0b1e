"""`manage.py mail_in`: the LMTP server (SMTP with `--smtp`) the organisation's mail server delivers to.

Postfix: `transport_maps` with `desk.example.org lmtp:inet:127.0.0.1:8024` (see the README). Each
recipient of each message goes through helpdesk.mail_in.intake; the answer per recipient is 250, or
550/552 with the reason. Runs until SIGTERM or Ctrl-C.
"""

import signal
import threading

from django.core.management.base import BaseCommand

from helpdesk.mail_in.lmtp import Receiver


class Command(BaseCommand):
    help = "Receive mail for the desk over LMTP (or SMTP with --smtp) and take each message in."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8024, help="Port to listen on (default 8024).")
        parser.add_argument("--smtp", action="store_true", help="Speak SMTP instead of LMTP.")

    def handle(self, *args, host, port, smtp, **options):
        receiver = Receiver(host=host, port=port, lmtp=not smtp)
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        receiver.start()
        self.stdout.write(f"mail_in: {'SMTP' if smtp else 'LMTP'} on {host}:{port}")
        try:
            stop.wait()
        finally:
            receiver.stop()
            self.stdout.write("mail_in: stopped")
