"""`manage.py import_people FILE [--dry-run]`: HR's export (CSV or XLSX) into the directory.

Prints every change (field: old -> new) and every bad row with its line in the file (the header is
line 1) and the reason. Everything is written or nothing: one bad row refuses the whole file (exit
status 1). With --dry-run nothing is written either way.
"""

from django.core.management.base import BaseCommand, CommandError

from helpdesk.directory.resources import PersonResource, read_file


class Command(BaseCommand):
    help = "Import people from HR's CSV or XLSX export; --dry-run lists the changes and bad rows, writing nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A .csv or .xlsx file whose first row names the columns.")
        parser.add_argument("--dry-run", action="store_true", help="List what would change; write nothing.")

    def handle(self, *, file: str, dry_run: bool, **options):
        try:
            dataset = read_file(file)
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from None
        result = PersonResource().import_data(
            dataset, dry_run=dry_run, use_transactions=True, rollback_on_validation_errors=True
        )
        counts = {"new": 0, "update": 0, "unchanged": 0}
        for row in result.rows:
            change = getattr(row, "change", None)
            if change is None:
                continue
            counts[change.kind] += 1
            if change.kind != "unchanged":
                self.stdout.write(str(change))
        bad = [(row.number + 1, message) for row in result.invalid_rows for message in _messages(row)]
        bad += [(number + 1, str(error.error)) for number, errors in result.row_errors() for error in errors]
        bad += [(None, str(error.error)) for error in result.base_errors]
        for line, message in bad:
            self.stdout.write(f"bad line {line}: {message}" if line else f"bad file: {message}")
        summary = f"{counts['new']} new, {counts['update']} updated, {counts['unchanged']} unchanged, {len(bad)} bad."
        if bad:
            raise CommandError(f"{summary} Nothing written: correct the bad lines and import the file again.")
        self.stdout.write(f"{summary} {'Dry run: nothing written.' if dry_run else 'Written.'}")


def _messages(row) -> list[str]:
    return [
        f"{name}: {message}" if name != "__all__" else message
        for name, messages in row.error_dict.items()
        for message in messages
    ]
