from django.core.management.base import BaseCommand

from sla.scan import scan


class Command(BaseCommand):
    help = "Mark service-level warnings and breaches that have happened, and send the alerts that may go out now."

    def handle(self, *args, **options):
        result = scan()
        self.stdout.write(f"warned {result.warned}, breached {result.breached}, alerts released {result.alerts_sent}")
