"""Poor signal is normal: the phone pages as an installable web app that works offline.

* ``manifest`` — the web app manifest (name, icons, start URL), public: browsers fetch it without
  cookies.
* ``service_worker`` — ``/sw.js`` at the site root, so its scope is the whole site
  (``Service-Worker-Allowed: /``). It keeps the pages marked with :func:`offline_page` and their
  static files, serves them when there is no network, and keeps a form posted without a signal
  in IndexedDB (the outbox) to send it when the network is back (static/js/offline-store.js).
* ``session`` — what a replay needs: whether someone is logged in, who, and a fresh CSRF token
  (a queued form carries the token of the page it was filled in, which may have rotated).
* ``outbox`` — the "待发送" page: what is waiting on this phone, its state and any error. Public:
  the list lives in the browser, and someone whose session expired must still see it.

The apps declare which pages work offline with :func:`offline_page` (core imports no app), and
which forms are queued with ``data-offline`` on the ``<form>`` (static/js/offline.js).
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from . import navigation
from .roles import GW, user_role

OFFLINE_HEADER = "X-Offline-Page"
THEME_COLOUR = "#1b7f4b"

# Static files every offline page needs (the pages' own scripts are cached as they are seen).
PRECACHE = (
    "css/ecogrid.css",
    "css/offline.css",
    "vendor/htmx/htmx.min.js",
    "js/ecogrid.js",
    "js/offline-store.js",
    "js/offline.js",
    "favicon.svg",
    "icons/icon-192.png",
)
ICONS = (
    ("icons/icon-192.png", "192x192", "any"),
    ("icons/icon-512.png", "512x512", "any"),
    ("icons/icon-maskable-512.png", "512x512", "maskable"),
)


def offline_page(view):
    """Mark a page the service worker keeps for use without a signal (a GET answered 200).

    Only pages a grid worker needs in the field: the report form, the inspection start page and
    the checklist form. They are stored per browser and forgotten at log-out.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if request.method == "GET" and response.status_code == 200 and not response.streaming:
            response[OFFLINE_HEADER] = "1"
            # Whose copy it is: the worker serves a copy only to the account that made it.
            response["X-Offline-User"] = str(request.user.pk) if request.user.is_authenticated else ""
        return response

    return wrapper


@require_GET
def manifest(request):
    data = {
        "id": "/",
        "name": _("EcoGrid"),
        "short_name": _("EcoGrid"),
        "description": _("Report cases and inspect places, also with a poor signal."),
        "lang": getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE),
        "start_url": reverse("home"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "background_color": "#f4f6f5",
        "theme_color": THEME_COLOUR,
        "icons": [{"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose} for path, sizes, purpose in ICONS],
    }
    response = JsonResponse(data, content_type="application/manifest+json", json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _static_fingerprint(paths) -> str:
    """A hash of the precached files' content: the worker's text changes when they change, so
    browsers install the new worker (they compare /sw.js byte for byte)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.encode())
        found = finders.find(path)
        if found:
            with open(found, "rb") as fh:
                digest.update(fh.read())
    return digest.hexdigest()[:16]


@require_GET
def service_worker(request):
    config = {
        "sessionUrl": reverse("core:pwa_session"),
        "outboxUrl": reverse("core:outbox"),
        "staticUrl": static(""),
        "header": OFFLINE_HEADER,
        "precache": [static(p) for p in PRECACHE],
    }
    body = render(request, "core/sw.js", {
        "config": json.dumps(config),
        "store_url": static("js/offline-store.js"),
        "version": _static_fingerprint(PRECACHE + ("js/offline-store.js",)),
        "offline_title": _("No signal"),
        "offline_text": _("No signal, and this page is not saved on the phone."),
        "outbox_label": _("To send"),
    }).content
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
@require_GET
def session(request):
    """For a replay: who is logged in, a fresh CSRF token, and the pages to keep for offline use."""
    user = request.user
    data = {"authenticated": user.is_authenticated, "user": str(user.pk) if user.is_authenticated else "",
            "csrf": get_token(request), "login": reverse("login"), "warm": []}
    if user.is_authenticated:
        role = user_role(user)
        warm = [navigation.role_home(role)]
        if role == GW:
            warm += [t["url"] for t in navigation.tiles()]
        data["warm"] = [u for u in dict.fromkeys(warm) if u]
    return JsonResponse(data)


@offline_page
@require_GET
def outbox(request):
    """待发送: the forms kept on this phone (rendered by static/js/offline.js from IndexedDB)."""
    return render(request, "core/outbox.html", {"login_url": reverse("login")})
