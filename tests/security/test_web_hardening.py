"""Web hardening: the Content-Security-Policy and the templates that must satisfy it, security
headers, password hashing, session expiry, evidence served safely; and hotline entry for every
office role (the report page answered 500 for all of them)."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .conftest import R

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def login(client, user):
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    out = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            out[words[0]] = words[1:]
    return out


def test_pages_carry_the_content_security_policy_and_security_headers(world, client):
    response = login(client, world.users["street_officer"]).get(reverse("cases:list"))
    assert response.status_code == 200
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"], "scripts only from our own static files: no inline, no eval"
    assert csp["default-src"] == ["'self'"] and csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src-elem"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    # The log-in page too (no user yet).
    client.logout()
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]


def template_files():
    dirs = [ROOT / "templates", *ROOT.glob("*/templates")]
    for d in dirs:
        if ".venv" in d.parts:
            continue
        yield from d.rglob("*.html")


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)


def test_no_template_needs_an_unsafe_inline_policy():
    """What the CSP would block: inline event handlers, inline <script> code, <style> elements,
    javascript: URLs. Data blocks (<script type="application/json">) are not scripts."""
    problems = []
    for path in template_files():
        text = path.read_text(encoding="utf-8")
        rel = path.relative_to(ROOT)
        if INLINE_HANDLER.search(text):
            problems.append(f"{rel}: inline event handler (on…=); use a data attribute and static/js")
        for attrs in SCRIPT_TAG.findall(text):
            if "src=" not in attrs and "application/json" not in attrs:
                problems.append(f"{rel}: inline <script> code; move it to a static .js file")
        if STYLE_ELEMENT.search(text):
            problems.append(f"{rel}: <style> element; move it to a static .css file")
        if "javascript:" in text.lower():
            problems.append(f"{rel}: javascript: URL")
    assert not problems, "\n".join(problems)


def test_passwords_are_hashed_with_argon2_everywhere_but_the_tests():
    import config.settings.base as base
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "PASSWORD_HASHERS" not in (ROOT / "config/settings/production.py").read_text(), "production inherits base's"

    hasher = Argon2PasswordHasher()  # argon2-cffi is installed
    encoded = hasher.encode("s3cret-密码", hasher.salt())
    assert encoded.startswith("argon2$argon2id$") and hasher.verify("s3cret-密码", encoded)


def test_sessions_end_with_the_browser_and_within_a_working_day(world, client):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert 60 * 60 <= settings.SESSION_COOKIE_AGE <= 12 * 60 * 60
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(pk=world.users["village_staff"].pk)  # not the shared object
    user.set_password("pw-for-the-log-in-1")
    user.save()
    response = client.post(reverse("login"), {"username": user.username, "password": "pw-for-the-log-in-1"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and not cookie["expires"] and not cookie["max-age"], "a browser-session cookie"
    assert settings.CSRF_COOKIE_HTTPONLY is True


def test_evidence_is_served_only_as_images_with_nosniff_and_a_disposition(world, client):
    case_file = next(o for o in world.of_kind("case_file") if o.location == "own")
    photo = next(o for o in world.of_kind("inspection_photo") if o.location == "own")
    login(client, world.users["village_staff"])
    for url in (reverse("cases:file", kwargs=case_file.kwargs), reverse("cases:thumb", kwargs=case_file.kwargs),
                reverse("inspections:photo_file", kwargs=photo.kwargs)):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "image/jpeg" and response["X-Content-Type-Options"] == "nosniff", url
        assert response.get("Content-Disposition", "").startswith(("inline", "attachment")), url
        assert "private" in response["Cache-Control"], url


@pytest.mark.parametrize("role", ["village_staff", "street_officer", "district_officer", "administrator"])
def test_every_office_role_can_enter_a_hotline_report(role, world, client):
    """The report page answered 500 for office roles (_map_region_code); now each enters a hotline case."""
    from cases.models import Case, CaseCategory

    user = world.users[role]
    login(client, user)
    page = client.get(reverse("cases:report"))
    assert page.status_code == 200
    assert 'data-region="' in page.content.decode() or "map" in page.content.decode()
    form_uuid = uuid.uuid4()
    response = client.post(reverse("cases:report"), {
        "client_uuid": str(form_uuid), "category": CaseCategory.objects.get(code="0101").pk,
        "description": "市民来电：人行道被占用", "latitude": "22.95", "longitude": "113.11", "address": "丽豪路1号",
        "urgency": "", "place_name": "", "handling_note": "",
    })
    case = Case.objects.get(client_uuid=form_uuid)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.number])
    assert case.source == Case.Source.HOTLINE and case.reporter == user


def test_department_staff_may_not_enter_reports(world, client):
    assert login(client, world.users["department_staff"]).get(reverse("cases:report")).status_code == 403
    assert R.DEPARTMENT_STAFF == "department_staff"
