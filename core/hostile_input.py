"""Clean input at the edge: no view ever sees a NUL byte or a control character.

PostgreSQL refuses NUL in text and jsonb ("A string literal cannot contain NUL
characters" → a 500 after part of a request may already have been written), and no
field of this application legitimately carries a C0 control character other than tab,
line feed and carriage return. Instead of trusting every view to check
``request.GET``/``request.POST`` (many read them directly), this middleware refuses the
whole request with a translated 400 page before any view runs: nothing is written, and
the user is told which field to correct.

Checked: the path, query-string keys and values, form keys and values, uploaded files'
names, and JSON bodies. Over-long query values are refused too (no filter needs more
than ``MAX_QUERY_VALUE``). Cookies with control characters are dropped rather than
refused, so a damaged cookie cannot lock a user out.
"""

from __future__ import annotations

import re

from django.http import JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.translation import gettext as _

# C0 controls except \t \n \r, DEL, and the C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
MAX_QUERY_VALUE = 2000  # characters in one query-string value
MAX_FIELD_NAME = 200  # characters in one GET/POST key
JSON_NUL = re.compile(rb"\x00|\\u0000", re.IGNORECASE)


class HostileInput(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _describe(field: str) -> str:
    """A field name safe to show back (it may itself be hostile)."""
    shown = CONTROL.sub("\N{REPLACEMENT CHARACTER}", field)
    return shown[:40] + ("…" if len(shown) > 40 else "")


def _check_text(field: str, value: str, *, max_length: int | None = None) -> None:
    if "\x00" in value:
        raise HostileInput(field, _("“%(field)s” contains a NUL character (\\0), which cannot be stored. Remove it and send again.") % {"field": _describe(field)})
    if CONTROL.search(value):
        raise HostileInput(field, _("“%(field)s” contains an invisible control character. Remove it (retype the text rather than pasting it) and send again.") % {"field": _describe(field)})
    if max_length is not None and len(value) > max_length:
        raise HostileInput(field, _("“%(field)s” is too long (%(length)s characters; at most %(max)s).") % {
            "field": _describe(field), "length": len(value), "max": max_length})


def _check_mapping(data, *, max_value: int | None) -> None:
    for key, values in data.lists():
        _check_text(key, key, max_length=MAX_FIELD_NAME)
        for value in values:
            if isinstance(value, str):
                _check_text(key, value, max_length=max_value)


def check_request(request) -> None:
    """Raise HostileInput for the first hostile part of `request`."""
    _check_text(_("address"), request.path)
    _check_mapping(request.GET, max_value=MAX_QUERY_VALUE)
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            _check_mapping(request.POST, max_value=None)  # lengths are the forms' business
            for key, files in request.FILES.lists():
                for upload in files:
                    _check_text(key, upload.name or "")
        elif content_type.endswith("json") and JSON_NUL.search(request.body or b""):
            raise HostileInput("json", _("The request contains a NUL character (\\0), which cannot be stored. Remove it and send again."))


class HostileInputMiddleware:
    """Refuse requests carrying NUL / control characters with a translated 400 (see module doc)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [k for k, v in request.COOKIES.items() if CONTROL.search(k) or CONTROL.search(v)]:
            del request.COOKIES[name]
        try:
            check_request(request)
        except HostileInput as exc:
            return self.refuse(request, exc)
        except MultiPartParserError:
            return self.refuse(request, HostileInput("", _("The form could not be read. Reload the page and send it again.")))
        return self.get_response(request)

    @staticmethod
    def refuse(request, exc: HostileInput):
        wants_json = "json" in (request.content_type or "") or "application/json" in request.headers.get("Accept", "")
        if wants_json:
            return JsonResponse({"error": exc.message, "field": _describe(exc.field)}, status=400)
        if request.headers.get("HX-Request") or request.headers.get("X-Requested-With") == "fetch":
            response = render(request, "_bad_input.html", {"message": exc.message}, status=400)
        else:
            response = render(request, "bad_input.html", {"message": exc.message}, status=400)
        response["X-Bad-Input"] = "1"
        return response
