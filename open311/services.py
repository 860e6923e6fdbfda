"""Writes for the Open311 API: keys, the per-key rate limit, and creating a service
request (a case, through ``cases.services.case_report``, source 开放接口)."""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.models import Case, CaseCategory, CaseEvent
from cases.services import CaseActionError, Upload, case_report, case_transition, evidence_check
from grids.models import Region

from . import selectors
from .models import ApiClient, ApiKey, ServiceAttribute, Submission, hash_key

log = logging.getLogger(__name__)

# Timeline label of the event recorded on a case that arrived through the API.
EVENT_LABELS = {"open311": gettext_lazy("Received through the Open API")}

# The client's request ids become case submission ids in this namespace (uuid5), so a
# retry — even two at once — finds the case through the unique Case.client_uuid.
NAMESPACE = uuid.UUID("0b6f4f1e-3d0c-4f6e-9a8e-31100e0f2b11")

MAX_DESCRIPTION = 4000
MAX_MEDIA_FILES = 3
MAX_ATTRIBUTE_TEXT = {ServiceAttribute.Datatype.STRING: 200, ServiceAttribute.Datatype.TEXT: 4000}
MAX_ADDRESS = 200  # Case.address
MAX_REPORTER_NAME = 32  # Case.reporter_name
MAX_PHONE = 20  # Case.reporter_phone
MAX_REQUEST_ID = 100


class ApiError(Exception):
    """One or more errors for the client, in the spec's format, with one HTTP status."""

    def __init__(self, status: int, errors: list[tuple[int, str]], headers: dict | None = None):
        super().__init__(errors)
        self.status = status
        self.errors = errors
        self.headers = headers or {}


# --- keys -----------------------------------------------------------------------------------------

def key_create(*, client: ApiClient, label: str = "", raw: str | None = None) -> tuple[ApiKey, str]:
    """A new key for `client`; returns the row and the plain key (shown once, stored hashed)."""
    raw = raw or f"o311_{secrets.token_urlsafe(24)}"
    if len(raw) < 12:
        raise ValidationError(_("An API key must have at least 12 characters."), code="short_key")
    key = ApiKey(client=client, label=label, prefix=raw[:8], key_hash=hash_key(raw))
    try:
        with transaction.atomic():
            key.save()
    except IntegrityError:
        raise ValidationError(_("This key already exists."), code="duplicate_key") from None
    return key, raw


def key_revoke(*, key: ApiKey) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
    return key


def key_touch(*, key: ApiKey) -> None:
    """Record use, at most once a minute per key (no write on every request)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


def rate_limit_check(*, key: ApiKey, now: float | None = None) -> None:
    """Count one request for `key` in the current minute (shared cache: every web process
    sees the same counter); raise ApiError 429 past the client's limit."""
    now = time.time() if now is None else now
    window = int(now // 60)
    cache_key = f"open311:rate:{key.pk}:{window}"
    try:
        cache.add(cache_key, 0, timeout=120)
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=120)
        count = 1
    except Exception:  # the cache is down: serve rather than refuse everyone
        log.exception("open311 rate limit: cache unavailable")
        return
    limit = key.client.rate_limit
    if count > limit:
        retry = max(1, math.ceil((window + 1) * 60 - now))
        raise ApiError(429, [(429, _(
            "Rate limit exceeded: this key may send %(limit)s requests per minute. Try again in %(seconds)s seconds."
        ) % {"limit": limit, "seconds": retry})], headers={"Retry-After": str(retry)})


# --- parameters -----------------------------------------------------------------------------------

def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def check_jurisdiction(value: str) -> list[tuple[int, str]]:
    value = _text(value)
    if value and value != selectors.district_code():
        return [(400, _("jurisdiction_id “%(given)s” is not served here; this endpoint serves %(code)s.") % {
            "given": value[:40], "code": selectors.district_code()})]
    return []


def parse_moment(value: str, *, end: bool = False) -> dt.datetime | None:
    """An ISO 8601 date-time (with a zone; without one, Asia/Shanghai) or a date; None if invalid.
    A date alone means its start (or, for an end, its last moment)."""
    value = _text(value)
    if not value or "\x00" in value:
        return None
    # An unencoded "+08:00" in a query string arrives as " 08:00": take it as meant.
    value = re.sub(r"(T[0-9:.]+) (\d{2}(:?\d{2})?)$", r"\1+\2", value)
    moment = None
    if len(value) > 10:  # a date alone ("2026-11-30") is a whole day, below
        try:
            moment = parse_datetime(value.replace(" ", "T", 1) if "T" not in value else value)
        except ValueError:
            moment = None
    if moment is None:
        try:
            day = parse_date(value)
        except ValueError:
            day = None
        if day is None:
            return None
        moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass
class Location:
    latitude: float
    longitude: float
    address: str
    grid: Region | None = None  # resolved here for address_string / address_id; else by case_report
    note: str = ""


@dataclass
class CreateInput:
    category: CaseCategory
    location: Location
    description: str
    attributes: dict = field(default_factory=dict)  # code -> value or list of values (keys of lists)
    attribute_labels: list = field(default_factory=list)  # (question, answer text) for the staff
    reporter_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    uploads: list = field(default_factory=list)


def _float(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _grid_in(region: Region) -> Region | None:
    """The region itself when it is a grid, else its first grid (by code)."""
    if region.level == Region.Level.GRID:
        return region
    return Region.objects.filter(path__startswith=region.path, level=Region.Level.GRID).order_by("code").first()


def _grid_point(grid: Region) -> tuple[float, float]:
    if grid.centre_lat is not None and grid.centre_lng is not None:
        return grid.centre_lat, grid.centre_lng
    return (grid.min_lat + grid.max_lat) / 2, (grid.min_lng + grid.max_lng) / 2


def _region_location(region: Region, *, address: str, why: str) -> Location | None:
    grid = _grid_in(region)
    if grid is None:
        return None
    lat, lng = _grid_point(grid)
    return Location(latitude=lat, longitude=lng, address=address or region.name, grid=grid, note=why)


def locate_address(address: str) -> Location | None:
    """The most specific region of the district whose name the address mentions
    (网格 before 村居 before 镇街; a longer name first), placed at its grid's centre."""
    prefix = f"{selectors.district_code()}/"
    best = None
    for region in Region.objects.filter(path__startswith=prefix, level__gte=Region.Level.STREET).only(
        "id", "code", "name", "level", "path", "centre_lat", "centre_lng", "min_lat", "max_lat", "min_lng", "max_lng"
    ):
        if region.name and region.name in address:
            rank = (region.level, len(region.name))
            if best is None or rank > best[0]:
                best = (rank, region)
    if best is None:
        return None
    region = best[1]
    with translation.override(settings.LANGUAGE_CODE):
        why = _("Location approximated from the address (%(region)s); the reporter sent no coordinates.") % {"region": region.name}
    return _region_location(region, address=address, why=why)


def locate_address_id(address_id: str) -> Location | None:
    """``address_id`` is a region code of the district (a grid, village or street)."""
    region = Region.objects.filter(code=address_id, path__startswith=f"{selectors.district_code()}/").first()
    if region is None or region.level < Region.Level.STREET:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        why = _("Location given as the region %(code)s (%(region)s).") % {"code": region.code, "region": region.name}
    return _region_location(region, address="", why=why)


def _location(data, errors) -> Location | None:
    lat_raw, long_raw = _text(data.get("lat")), _text(data.get("long"))
    address = _text(data.get("address_string"))
    address_id = _text(data.get("address_id"))
    if len(address) > MAX_ADDRESS:
        errors.append((400, _("address_string is longer than %(n)s characters.") % {"n": MAX_ADDRESS}))
        return None
    if lat_raw or long_raw:
        lat, lng = _float(lat_raw), _float(long_raw)
        if lat is None or lng is None:
            errors.append((400, _("lat and long must both be given, as decimal degrees (WGS 84).")))
            return None
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            errors.append((400, _("lat must lie between -90 and 90 and long between -180 and 180.")))
            return None
        from grids.selectors import grid_for_point

        grid = grid_for_point(lat=lat, lng=lng, within_path=f"{selectors.district_code()}/")
        if grid is None:
            errors.append((400, _("The location (%(lat)s, %(lng)s) is outside this district's grids.") % {"lat": lat_raw[:20], "lng": long_raw[:20]}))
            return None
        return Location(latitude=lat, longitude=lng, address=address, grid=grid)
    if address:
        found = locate_address(address)
        if found is None:
            errors.append((400, _(
                "address_string could not be placed in the district: name the street, village or grid "
                "(e.g. 石湾镇街道丽豪社区), or send lat and long."
            )))
        return found
    if address_id:
        found = locate_address_id(address_id[:20])
        if found is None:
            errors.append((400, _("address_id “%(id)s” is not a region code of this district.") % {"id": address_id[:20]}))
        return found
    errors.append((400, _("A location is required: lat and long, or address_string, or address_id.")))
    return None


def _attributes(category: CaseCategory, data, errors) -> tuple[dict, list]:
    values, labels = {}, []
    for attribute in category.attribute_list:
        if not attribute.variable:
            continue
        name = f"attribute[{attribute.code}]"
        if attribute.datatype == ServiceAttribute.Datatype.MULTIVALUELIST:
            given = [_text(v) for v in data.getlist(f"{name}[]") + data.getlist(name)]
            given = [v for v in given if v]
        else:
            given = _text(data.get(name))
        if not given:
            if attribute.required:
                errors.append((400, _("attribute[%(code)s] is required (%(question)s).") % {"code": attribute.code, "question": attribute.description}))
            continue
        allowed = {v.key: v.name for v in attribute.values.all()}
        dtype = attribute.datatype
        if dtype == ServiceAttribute.Datatype.SINGLEVALUELIST:
            if given not in allowed:
                errors.append((400, _("attribute[%(code)s]: “%(value)s” is not one of %(keys)s.") % {
                    "code": attribute.code, "value": given[:40], "keys": ", ".join(allowed)}))
                continue
            values[attribute.code], answer = given, allowed[given]
        elif dtype == ServiceAttribute.Datatype.MULTIVALUELIST:
            wrong = [v for v in given if v not in allowed]
            if wrong:
                errors.append((400, _("attribute[%(code)s][]: “%(value)s” is not one of %(keys)s.") % {
                    "code": attribute.code, "value": wrong[0][:40], "keys": ", ".join(allowed)}))
                continue
            given = list(dict.fromkeys(given))
            values[attribute.code], answer = given, "、".join(allowed[v] for v in given)
        elif dtype == ServiceAttribute.Datatype.NUMBER:
            if _float(given) is None:
                errors.append((400, _("attribute[%(code)s] must be a number.") % {"code": attribute.code}))
                continue
            values[attribute.code] = answer = given
        elif dtype == ServiceAttribute.Datatype.DATETIME:
            moment = parse_moment(given)
            if moment is None:
                errors.append((400, _("attribute[%(code)s] must be an ISO 8601 date and time.") % {"code": attribute.code}))
                continue
            values[attribute.code] = answer = moment.isoformat()
        else:
            limit = MAX_ATTRIBUTE_TEXT.get(dtype, 200)
            if len(given) > limit or "\x00" in given:
                errors.append((400, _("attribute[%(code)s] must be text of at most %(n)s characters.") % {"code": attribute.code, "n": limit}))
                continue
            values[attribute.code] = answer = given
        labels.append((attribute.description, answer))
    return values, labels


def _short(data, name: str, limit: int, errors) -> str:
    value = _text(data.get(name))
    if "\x00" in value:
        errors.append((400, _("%(field)s contains a NUL character.") % {"field": name}))
        return ""
    if len(value) > limit:
        errors.append((400, _("%(field)s is longer than %(n)s characters.") % {"field": name, "n": limit}))
        return ""
    return value


def parse_create(data, files) -> CreateInput:
    """Validate a POST requests body (form fields + uploaded ``media``); raise ApiError(400)
    with every problem found, or return the input for ``request_create``."""
    errors: list[tuple[int, str]] = []
    errors += check_jurisdiction(data.get("jurisdiction_id"))
    code = _text(data.get("service_code"))
    category = None
    if not code:
        errors.append((400, _("service_code is required.")))
    else:
        category = selectors.service_get(code[:8])
        if category is None or len(code) > 8:
            errors.append((400, _("service_code “%(code)s” is not a service of this jurisdiction (see services).") % {"code": code[:20]}))
            category = None
    location = _location(data, errors)
    attributes, labels = _attributes(category, data, errors) if category is not None else ({}, [])

    description = data.get("description") or ""
    description = description.strip() if isinstance(description, str) else ""
    if len(description) > MAX_DESCRIPTION:
        errors.append((400, _("description is longer than %(n)s characters.") % {"n": MAX_DESCRIPTION}))
    if "\x00" in description:
        errors.append((400, _("description contains a NUL character.")))
    first = _short(data, "first_name", MAX_REPORTER_NAME, errors)
    last = _short(data, "last_name", MAX_REPORTER_NAME, errors)
    name = f"{last}{first}" if any("\u4e00" <= ch <= "\u9fff" for ch in first + last) else f"{first} {last}".strip()
    if len(name) > MAX_REPORTER_NAME:
        errors.append((400, _("first_name and last_name together are longer than %(n)s characters.") % {"n": MAX_REPORTER_NAME}))
    phone = _short(data, "phone", MAX_PHONE, errors)
    if phone and not all(ch.isdigit() or ch in "+-() " for ch in phone):
        errors.append((400, _("phone may contain only digits, spaces and + - ( ).")))
    email = _short(data, "email", 254, errors)
    if email:
        try:
            EmailValidator()(email)
        except ValidationError:
            errors.append((400, _("email is not a valid e-mail address.")))
    device_id = _short(data, "device_id", 100, errors)
    account_id = _short(data, "account_id", 100, errors)
    media_url = _short(data, "media_url", 500, errors)
    if media_url:
        try:
            URLValidator(schemes=["http", "https"])(media_url)
        except ValidationError:
            errors.append((400, _("media_url must be an http or https URL.")))
    uploads = [f for name in ("media", "media[]") for f in files.getlist(name)]
    if len(uploads) > MAX_MEDIA_FILES:
        errors.append((400, _("At most %(n)s media files can be uploaded with one request.") % {"n": MAX_MEDIA_FILES}))
        uploads = []
    checked = []
    for upload in uploads:
        try:
            checked += evidence_check(uploads=[Upload(file=upload, kind=_sniff(upload))])
        except ValidationError as exc:
            errors.append((400, _("media “%(name)s”: %(error)s") % {"name": (upload.name or "")[:60], "error": " ".join(exc.messages)}))
    if errors:
        raise ApiError(400, errors)
    return CreateInput(
        category=category, location=location, description=description, attributes=attributes, attribute_labels=labels,
        reporter_name=name, phone=phone, email=email, device_id=device_id, account_id=account_id, media_url=media_url,
        uploads=checked,
    )


def _sniff(upload) -> str:
    from cases import evidence

    return evidence.sniff_kind(upload)


# --- creating a request ---------------------------------------------------------------------------

@dataclass
class CreateResult:
    submission: Submission
    created: bool

    @property
    def service_request_id(self) -> str | None:
        return selectors.public_request_id(self.submission.case)


def request_replay(*, key: ApiKey, request_id: str) -> CreateResult | None:
    """The earlier answer to a retried POST (same client, same request id), if any."""
    found = selectors.submission_for(client_id=key.client_id, request_id=request_id)
    return CreateResult(submission=found, created=False) if found else None


def _staff_note(item: CreateInput, client: ApiClient) -> str:
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the deployment's language
        lines = [_("Client: %(client)s") % {"client": client.name}]
        lines += [f"{question}：{answer}" for question, answer in item.attribute_labels]
        if item.media_url:
            lines.append(_("Photo link sent by the client (not fetched): %(url)s") % {"url": item.media_url})
        if item.location.note:
            lines.append(item.location.note)
        return "\n".join(lines)


def request_create(*, key: ApiKey, item: CreateInput, request_id: str = "") -> CreateResult:
    """File a case from a validated request. Idempotent by (client, request id): a retry,
    even a concurrent one, returns the first submission. The case waits for triage like a
    volunteer's report, unless the client is trusted to skip it."""
    client = key.client
    if request_id:
        replay = request_replay(key=key, request_id=request_id)
        if replay:
            return replay
        client_uuid = uuid.uuid5(NAMESPACE, f"{client.pk}/{request_id}")
    else:
        client_uuid = uuid.uuid4()
    description = item.description or _stored_default(item.category)
    try:
        with transaction.atomic():
            case, created = case_report(
                reporter=None, client_uuid=client_uuid, category=item.category, description=description,
                latitude=item.location.latitude, longitude=item.location.longitude, address=item.location.address,
                source=Case.Source.OPEN_API, checked=item.uploads, reporter_name=item.reporter_name,
                reporter_phone=item.phone, grid=item.location.grid,
            )
            if not created:  # a concurrent retry won the race: its submission is (or will be) there
                existing = Submission.objects.filter(case=case).first()
                if existing is not None:
                    return CreateResult(submission=existing, created=False)
            submission = Submission.objects.create(
                client=client, api_key=key, request_id=request_id, token=secrets.token_urlsafe(16), case=case,
                attributes=item.attributes, media_url=item.media_url, email=item.email, device_id=item.device_id,
                account_id=item.account_id,
            )
            CaseEvent.objects.create(
                case=case, actor=None, actor_label=client.name[:64], action="open311", from_status=case.status,
                to_status=case.status, note=_staff_note(item, client),
                data={"client": client.name, "attributes": item.attributes, "request_id": request_id, "media_url": item.media_url},
            )
            if client.skip_triage and case.status == Case.Status.PENDING_TRIAGE:
                case = case_transition(case=case, action="register", actor=None, note=_stored_skip(client))
                submission.case = case
    except IntegrityError:
        # Two retries with the same request id at once: the other one's submission won.
        replay = request_replay(key=key, request_id=request_id) if request_id else None
        if replay is None:
            raise
        return replay
    except CaseActionError as exc:
        raise ApiError(400, [(400, " ".join(exc.messages))]) from None
    return CreateResult(submission=submission, created=True)


def _stored_default(category: CaseCategory) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("%(service)s (reported through the Open API without a description)") % {"service": category.name}


def _stored_skip(client: ApiClient) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Registered at once: %(client)s screens its reports before sending them.") % {"client": client.name}


# --- the bundled service data ---------------------------------------------------------------------

def services_load(*, path=None) -> dict:
    """Load ``open311/data/services.json``: non-public flags and attributes for categories
    that exist. Idempotent: rows already there are left as the admin edited them."""
    import json
    from pathlib import Path

    from .models import Service, ServiceAttributeValue

    data = json.loads(Path(path or Path(__file__).resolve().parent / "data" / "services.json").read_text(encoding="utf-8"))
    categories = {c.code: c for c in CaseCategory.objects.filter(code__in=[*data["not_public"], *data["attributes"]])}
    counts = {"services": 0, "attributes": 0}
    with transaction.atomic():
        for code, why in data["not_public"].items():
            if code in categories:
                _row, created = Service.objects.get_or_create(category=categories[code], defaults={"is_public": False, "description": why})
                counts["services"] += created
        for code, attributes in data["attributes"].items():
            if code not in categories:
                continue
            for spec in attributes:
                attribute, created = ServiceAttribute.objects.get_or_create(
                    category=categories[code], code=spec["code"],
                    defaults={
                        "description": spec["description"], "datatype": spec["datatype"], "required": spec.get("required", False),
                        "order": spec.get("order", 1), "datatype_description": spec.get("datatype_description", ""),
                    },
                )
                if created:
                    counts["attributes"] += 1
                    ServiceAttributeValue.objects.bulk_create([
                        ServiceAttributeValue(attribute=attribute, key=key, name=name, order=i)
                        for i, (key, name) in enumerate(spec.get("values", []), start=1)
                    ])
    return counts
