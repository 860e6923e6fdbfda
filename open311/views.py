"""Open311 GeoReport v2 over HTTP: format by suffix (.xml / .json), errors in the spec's
format. Public by design — no session, no user: GETs are open (CORS allowed, nothing
private in them), POST needs an ``api_key``. Only ``requests`` (POST) is CSRF-exempt:
it is authenticated by the key in the body, never by a cookie, and never reads
``request.user``."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cases.models import Case, CaseCategory
from cases.workflow import TERMINAL_STATES

from . import render, selectors, services
from .models import Service, ServiceAttribute
from .services import ApiError

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
MAX_IDS = 1000


def _language(request) -> str:
    """API clients say what they want in Accept-Language (no cookie, no UI switch)."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    return "en" if header.lower().startswith("en") else settings.LANGUAGE_CODE


def api_view(methods=("GET",)):
    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, fmt="xml", **kwargs):
            with translation.override(_language(request)):
                try:
                    if request.method not in methods:
                        raise ApiError(405, [(405, _("Method %(method)s is not allowed here; use %(allowed)s.") % {
                            "method": request.method[:10], "allowed": ", ".join(methods)})], headers={"Allow": ", ".join(methods)})
                    response = view(request, fmt, **kwargs)
                except ApiError as exc:
                    response = render.errors_response(fmt, exc.errors, exc.status)
                    for name, value in exc.headers.items():
                        response[name] = value
                except (RequestDataTooBig, TooManyFieldsSent):
                    response = render.errors_response(fmt, [(400, _("The request body is too large or has too many fields."))], 400)
                except SuspiciousOperation:
                    response = render.errors_response(fmt, [(400, _("The request could not be read."))], 400)
            if request.method == "GET":
                response["Access-Control-Allow-Origin"] = "*"
            response["Cache-Control"] = "no-cache"
            return response

        return wrapper

    return decorator


def _param(request, name: str) -> str:
    """An optional parameter; empty is the same as absent (the spec's rule)."""
    value = request.GET.get(name, "")
    return value.strip() if "\x00" not in value else ""


def _check_jurisdiction(request):
    errors = services.check_jurisdiction(_param(request, "jurisdiction_id"))
    if errors:
        raise ApiError(400, errors)


# --- discovery and services -----------------------------------------------------------------------

def _changeset():
    moments = [
        CaseCategory.objects.aggregate(m=Max("updated_at"))["m"],
        Service.objects.aggregate(m=Max("updated_at"))["m"],
        ServiceAttribute.objects.aggregate(m=Max("updated_at"))["m"],
    ]
    moments = [m for m in moments if m is not None]
    return max(moments) if moments else timezone.now()


@api_view()
def discovery(request, fmt):
    changeset = _changeset()
    endpoint_type = getattr(settings, "ECOGRID_OPEN311_ENDPOINT_TYPE", "test" if settings.DEBUG else "production")
    data = {
        "changeset": changeset,
        "contact": getattr(settings, "ECOGRID_OPEN311_CONTACT", "") or _("Grid management service centre of the district"),
        "key_service": getattr(settings, "ECOGRID_OPEN311_KEY_SERVICE", "")
        or _("API keys are issued by the district's grid management service centre (system administrator)."),
        "endpoints": [{
            "specification": SPECIFICATION,
            "url": request.build_absolute_uri(reverse("open311:root")),
            "changeset": changeset,
            "type": endpoint_type,
            "formats": ["text/xml", "application/json"],
        }],
    }
    return render.respond(fmt, data, root="discovery")


def service_record(category) -> dict:
    service = selectors.service_of(category)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": (service.description if service and service.description else category.name),
        "metadata": bool(category.has_attributes),
        "type": "batch",  # requests wait for triage: the answer is a token (see tokens/)
        "keywords": service.keywords if service else "",
        "group": category.parent.name,
    }


@api_view()
def service_list(request, fmt):
    _check_jurisdiction(request)
    data = [service_record(c) for c in selectors.service_list()]
    return render.respond(fmt, data, root="services", item="service")


@api_view()
def service_definition(request, fmt, code: str):
    _check_jurisdiction(request)
    category = selectors.service_get(code[:8]) if len(code) <= 8 else None
    if category is None:
        raise ApiError(404, [(404, _("No service with the code “%(code)s”.") % {"code": code[:20]})])
    attributes = []
    for a in category.attribute_list:
        listed = a.datatype in ServiceAttribute.LIST_TYPES
        attributes.append({
            "variable": a.variable,
            "code": a.code,
            "datatype": a.datatype,
            "required": a.required,
            "datatype_description": a.datatype_description or None,
            "order": a.order,
            "description": a.description,
            "values": [{"key": v.key, "name": v.name} for v in a.values.all()] if listed else None,
        })
    return render.respond(fmt, {"service_code": category.code, "attributes": attributes}, root="service_definition")


# --- requests -------------------------------------------------------------------------------------

def request_record(row: dict) -> dict:
    """The spec's record from a row of selectors.RECORD_FIELDS (public-safe fields only)."""
    closed = row["status"] in TERMINAL_STATES
    names = (row["reporter_name"],)
    return {
        "service_request_id": row["number"],
        "status": "closed" if closed else "open",
        "status_notes": str(STATUS_LABELS.get(row["status"], row["status"])),
        "service_name": row["category__name"],
        "service_code": row["category__code"],
        "description": selectors.mask_personal(row["description"], names=names),
        "agency_responsible": row["department__name"],
        "requested_datetime": row["created_at"],
        "updated_datetime": row["updated_at"],
        "expected_datetime": None if closed else row["handle_deadline"],
        "address": selectors.mask_personal(row["address"], names=names) or row["grid__name"],
        "address_id": row["grid__code"],
        "lat": round(row["latitude"], 6),
        "long": round(row["longitude"], 6),
    }


STATUS_LABELS = dict(Case.Status.choices)


def _list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _search_query(request) -> selectors.RequestQuery:
    errors = services.check_jurisdiction(_param(request, "jurisdiction_id"))
    query = selectors.RequestQuery()
    ids = _list(_param(request, "service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            errors.append((400, _("At most %(n)s service_request_id values at once.") % {"n": MAX_IDS}))
        query.ids = [i[:32] for i in ids[:MAX_IDS]]
    codes = _list(_param(request, "service_code"))
    query.service_codes = [c[:8] for c in codes[:200]] or None
    start_raw, end_raw = _param(request, "start_date"), _param(request, "end_date")
    start = services.parse_moment(start_raw) if start_raw else None
    end = services.parse_moment(end_raw, end=True) if end_raw else None
    if start_raw and start is None:
        errors.append((400, _("start_date is not an ISO 8601 date-time (e.g. 2026-11-01T00:00:00+08:00).")))
    if end_raw and end is None:
        errors.append((400, _("end_date is not an ISO 8601 date-time (e.g. 2026-11-30T23:59:59+08:00).")))
    if start and end:
        if end < start:
            errors.append((400, _("end_date is before start_date.")))
        elif end - start > selectors.MAX_SPAN:
            errors.append((400, _("start_date and end_date may span at most 90 days.")))
    elif start and not end_raw:
        end = start + selectors.MAX_SPAN
    elif end and not start_raw:
        start = end - selectors.MAX_SPAN
    elif not start_raw and not end_raw:
        start = timezone.now() - selectors.MAX_SPAN
    query.start, query.end = start, end
    statuses = [s.lower() for s in _list(_param(request, "status"))]
    wrong = [s for s in statuses if s not in ("open", "closed")]
    if wrong:
        errors.append((400, _("status must be open, closed or both (comma-separated), not “%(value)s”.") % {"value": wrong[0][:20]}))
    query.statuses = statuses or None
    for name, low, high, default in (("page", 1, 100_000, 1), ("page_size", 1, selectors.MAX_PAGE_SIZE, selectors.DEFAULT_PAGE_SIZE)):
        raw = _param(request, name)
        if not raw:
            setattr(query, name, default)
            continue
        try:
            number = int(raw)
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            errors.append((400, _("%(name)s must be a whole number from %(low)s to %(high)s.") % {"name": name, "low": low, "high": f"{high:,}"}))
        else:
            setattr(query, name, number)
    if errors:
        raise ApiError(400, errors)
    return query


def _request_id(request) -> str:
    value = (request.META.get("HTTP_X_REQUEST_ID") or request.POST.get("client_request_id") or "").strip()
    if "\x00" in value or len(value) > services.MAX_REQUEST_ID:
        raise ApiError(400, [(400, _("X-Request-Id / client_request_id must be at most %(n)s characters.") % {"n": services.MAX_REQUEST_ID})])
    return value


def _created(fmt, result: services.CreateResult, account_id: str):
    request_id = result.service_request_id
    record = {"service_request_id": request_id} if request_id else {
        "token": result.submission.token,
        "service_notice": _("The request waits for review by the community (triage); look up the token at tokens/{token} for its service_request_id."),
    }
    record["account_id"] = account_id or None
    return render.respond(fmt, [record], root="service_requests", item="request", status=201 if result.created else 200)


def _create(request, fmt):
    api_key = (request.POST.get("api_key") or "").strip()
    if not api_key:
        raise ApiError(403, [(403, _("api_key is required to create a request."))])
    key = selectors.key_for(api_key[:200])
    if key is None:
        raise ApiError(403, [(403, _("api_key is not valid (unknown, revoked, or its client is disabled)."))])
    services.rate_limit_check(key=key)
    services.key_touch(key=key)
    request_id = _request_id(request)
    account_id = (request.POST.get("account_id") or "").strip()[:100]
    if request_id:
        replay = services.request_replay(key=key, request_id=request_id)
        if replay is not None:
            return _created(fmt, replay, account_id)
    item = services.parse_create(request.POST, request.FILES)
    result = services.request_create(key=key, item=item, request_id=request_id)
    return _created(fmt, result, item.account_id)


@csrf_exempt
@api_view(methods=("GET", "POST"))
def requests(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    query = _search_query(request)
    data = [request_record(c) for c in selectors.request_search(query)]
    return render.respond(fmt, data, root="service_requests", item="request")


@api_view()
def request_detail(request, fmt, request_id: str):
    _check_jurisdiction(request)
    row = selectors.request_get(request_id[:32])
    if row is None:
        raise ApiError(404, [(404, _("No public service request with the id “%(id)s”.") % {"id": request_id[:32]})])
    return render.respond(fmt, [request_record(row)], root="service_requests", item="request")


@api_view()
def token(request, fmt, token: str):
    _check_jurisdiction(request)
    submission = selectors.submission_by_token(token[:40])
    if submission is None:
        raise ApiError(404, [(404, _("Unknown token."))])
    case = submission.case
    record = {"service_request_id": selectors.public_request_id(case), "token": submission.token}
    if record["service_request_id"] is None and case.status in (Case.Status.REJECTED, Case.Status.CANCELLED):
        record["service_notice"] = _("The request was not accepted as a case.")
    return render.respond(fmt, [record], root="service_requests", item="request")


@api_view()
def not_found(request, fmt="xml", rest: str = ""):
    raise ApiError(404, [(404, _("No such Open311 resource; see discovery.xml."))])
