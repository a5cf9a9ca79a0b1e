"""Demo data for `make run` (`manage.py seed_demo`): it may import every app; no product app imports it."""
