"""The people directory: HR's export imported into the custom User (people.py holds the rules,
resources.py the django-import-export glue the command and the admin share)."""
