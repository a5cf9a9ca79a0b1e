"""`manage.py rebuild_reports`: every ticket's report facts and every day's figures anew.

The task worker keeps reports up to date on its own (every five minutes); run this after changing
REPORTING_TIME_ZONE (the next refresh would also do it), or to check how long a rebuild takes.
"""

import time

from django.core.management.base import BaseCommand

from helpdesk.reports import facts, published


class Command(BaseCommand):
    help = "Rebuild the report facts of every ticket and the daily figures reports read."

    def handle(self, *args, **options):
        began = time.perf_counter()
        done = facts.rebuild()
        published.publish()
        self.stdout.write(f"Rebuilt the reports from {done['tickets']} tickets in {time.perf_counter() - began:.1f} s.")
