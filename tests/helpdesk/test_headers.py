"""Content-Security-Policy: strict on our pages, a looser policy of its own on the two admin sites."""

import re
from pathlib import Path

import pytest

from tests import factories
from tests.test_settings import PRODUCTION, run_manage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def directives(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


STRICT = {
    "default-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


@pytest.mark.parametrize("path", ["/accounts/login/", "/my/", "/healthz", "/no-such-page/", "/my/tickets/%00/"])
def test_our_pages_get_the_strict_policy(client_for, people, path):
    response = client_for(people.requester).get(path)
    policy = directives(response)
    assert {name: policy.get(name) for name in STRICT} == STRICT
    # No inline script or style is allowed anywhere: nothing but the defaults ('self') for either.
    assert "script-src" not in policy and "style-src" not in policy
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/admin/", "/admin/login/", "/django-admin/login/"])
def test_the_admin_sites_get_their_own_policy_still_this_origin_only(client_for, people, path):
    response = client_for(people.editor).get(path)
    assert response.status_code in (200, 302)
    policy = directives(response)
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'self'"]  # Wagtail's preview frames its own pages
    assert policy["form-action"] == ["'self'"]


def test_a_report_address_from_the_environment_joins_both_policies():
    show = (
        "from django.conf import settings as s; "
        "print(s.CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri'], "
        "s.ADMIN_CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri'])"
    )
    result = run_manage("shell", "-c", show, env={**PRODUCTION, "CSP_REPORT_URI": "https://reports.example.org/csp"})
    assert result.returncode == 0, result.stderr
    reported = "['https://reports.example.org/csp']"
    assert result.stdout.strip().splitlines()[-1] == f"{reported} {reported}"


def test_the_admin_dashboard_loads_for_an_editor_under_its_policy(client_for, db):
    editor = factories.editor(username="ed")
    response = client_for(editor).get("/admin/")
    assert response.status_code == 200
    assert "'unsafe-inline'" in response.headers["Content-Security-Policy"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> block"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an on...= handler"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
]


def test_no_template_of_ours_carries_inline_script_or_style():
    """The browser journeys prove it page by page; this names the file when someone adds one."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in TEMPLATES.rglob("*.html")
        if "admin" not in path.relative_to(TEMPLATES).parts  # extends Wagtail's admin: its own policy
        and "pdf" not in path.relative_to(TEMPLATES).parts  # turned into a PDF by WeasyPrint, never served
        for pattern, what in INLINE
        if pattern.search(path.read_text())
    ]
    assert found == []
