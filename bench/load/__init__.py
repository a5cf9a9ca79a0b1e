"""`make load`: ticket creation at speed, measured with locust against gunicorn and PostgreSQL (run.py)."""
