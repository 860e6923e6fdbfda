"""Spec-format refusals for the API's hostile input.

``core.hostile_input.HostileInputMiddleware`` refuses NUL / control characters with an
HTML page (or its own JSON); an Open311 client must get the spec's ``<errors>`` (or JSON
list) instead. This middleware sits just before it, runs the same check for
``/open311/v2/`` paths only, and answers in the format the path's suffix asks for; other
paths pass through untouched (and the core middleware then finds nothing left to refuse
on the API's paths).
"""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.http.multipartparser import MultiPartParserError
from django.utils import translation
from django.utils.translation import gettext as _

from . import render

PREFIX = "/open311/"


class Open311InputMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        from core.hostile_input import HostileInput, check_request

        from .views import _language

        fmt = "json" if request.path.endswith(".json") else "xml"
        with translation.override(_language(request)):
            try:
                check_request(request)
            except HostileInput as exc:
                return render.errors_response(fmt, [(400, exc.message)], 400)
            except (RequestDataTooBig, TooManyFieldsSent):
                return render.errors_response(fmt, [(400, _("The request body is too large or has too many fields."))], 400)
            except (MultiPartParserError, SuspiciousOperation):
                return render.errors_response(fmt, [(400, _("The request could not be read."))], 400)
        return self.get_response(request)
