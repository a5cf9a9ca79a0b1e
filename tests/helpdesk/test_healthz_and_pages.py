from django.db import OperationalError, connection

from cms.models import HomePage


def test_healthz_answers_when_the_database_does(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (body["status"], body["database"], body["worker"]["status"]) == ("ok", "ok", "idle")
    assert "no-cache" in response["Cache-Control"]


def test_healthz_reports_503_when_the_database_does_not(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:  # undone before the test database is torn down
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unavailable"}


def test_home_page_renders_after_migrate(client, db):
    assert HomePage.objects.count() == 1
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Promise Desk</h1>" in html
    assert 'href="#main"' in html and '<main id="main"' in html


def test_unknown_page_is_our_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "find that page" in response.content.decode()


def test_static_css_is_ours_and_no_cdn_is_used(client, db):
    html = client.get("/").content.decode()
    assert '<link rel="stylesheet" href="/static/css/app.css">' in html
    assert "https://" not in html.split("<body", 1)[0]


def test_every_page_names_our_icon_and_favicon_ico_finds_it(client, db):
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/favicon.svg"
