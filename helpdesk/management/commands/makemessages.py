"""`makemessages` as this project runs it (`make messages`): the product's own code and templates only, and
no fuzzy guesses. A changed English sentence comes out untranslated, so CI stops until someone translates it,
rather than carrying a near-match that says something else (locale/GLOSSARY.md has the words to use)."""

from django.core.management.commands import makemessages

# Not the product: the virtualenv, the tests, the benchmarks, demo data and files written at run time.
IGNORED = [".venv/*", "tests/*", "bench/*", "demo/*", "var/*", "node_modules/*", "static/vendor/*"]


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *IGNORED]
        options["no_obsolete"] = True
        options.setdefault("add_location", "file")
        if not options.get("add_location"):
            options["add_location"] = "file"  # file names without line numbers: edits elsewhere in a file do not churn
        return super().handle(*args, **options)
