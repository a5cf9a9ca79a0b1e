"""`make bench`: prints speed figures, never asserts them. Each bench module adds a `run()` to BENCHES."""

import os
import sys

import django


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from bench import BENCHES

    if not BENCHES:
        print("No benchmarks yet: each feature that has a speed target adds one to bench/.")
        return 0
    only = sys.argv[1:]  # python -m bench desk: just the benches whose names contain "desk"
    for bench in BENCHES:
        if not only or any(name in bench.__name__ for name in only):
            bench()
    return 0


if __name__ == "__main__":
    sys.exit(main())
