"""`manage.py sync_directory [--dry-run]`: read every person from LDAP or Active Directory now (the
scheduler runs it nightly when LDAP_SERVER_URI is set). Prints every change, every entry it could not
apply (with its DN and the reason) and every leaver; exit status 1 when the directory cannot be read."""

from django.core.management.base import BaseCommand, CommandError

from helpdesk.directory import sync


class Command(BaseCommand):
    help = "Sync people from LDAP/Active Directory: update them, and let go those gone or disabled there."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List what would change; write nothing.")

    def handle(self, *, dry_run: bool, **options):
        if not sync.configured():
            raise CommandError("LDAP_SERVER_URI is not set, so there is no directory to read.")
        import ldap

        try:
            result = sync.sync(dry_run=dry_run)
        except (ldap.LDAPError, ValueError) as error:
            raise CommandError(f"The directory sync stopped: {error}") from None
        for change in result.changes:
            if change.kind != "unchanged":
                self.stdout.write(str(change))
        for person, handed_back in result.gone:
            self.stdout.write(f"gone {person.employee_id}: deactivated, no longer in the directory")
            for ref in handed_back:
                self.stdout.write(f"  {ref} handed back to its team, unassigned")
        for where, reason in result.errors:
            self.stdout.write(f"bad entry {where}: {reason}")
        counts = result.counts()
        self.stdout.write(
            f"{counts['new']} new, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['gone']} gone, {counts['bad']} bad. {'Dry run: nothing written.' if dry_run else 'Written.'}"
        )
