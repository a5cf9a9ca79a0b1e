"""The OpenAPI schema and the docs page: served without a token, the docs from our own static files
under a policy that allows no inline script and no other origin."""

from django.contrib.staticfiles import finders

from tests.crawling import body_of


def test_the_schema_is_openapi_3_and_documents_our_api_only(client, db):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert set(schema["paths"]) >= {"/api/tickets/", "/api/tickets/{reference}/", "/api/reports/"}
    assert all(path.startswith("/api/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal token made on /my/tokens/.",
    }


def test_the_docs_page_runs_only_our_own_scripts(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["default-src"] == "'self'"
    page = body_of(response)
    assert "<script>" not in page  # every script has a src
    for path in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{path}" in page
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{path}")
    script = client.get("/api/docs/", {"script": ""})
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()
    assert "http" not in page.replace("http-equiv", "")
