"""Reads for the Open311 API. Everything here is public by design (no user, no session),
so the one rule of what the public may see lives in ``public_case_queryset``:

* the case lies in this district (``settings.ECOGRID_DISTRICT_CODE``; the API has no
  user, so this path prefix is its jurisdiction — the same ``region_path LIKE 'prefix%'``
  filter ``grids.scoping.scope`` builds for a user holding the district);
* it was registered (立案): reports still waiting for triage, and those rejected at
  triage, were never taken on and are not listed;
* it is not a duplicate merged into another case (the original is listed);
* its category is public (``Service.is_public``; a category without a row is public).

Records carry no reporter (name, phone, account), and descriptions and addresses
have phone and ID numbers masked (``mask_personal``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Prefetch, QuerySet

from cases.models import Case, CaseCategory
from cases.workflow import OPEN_STATES, TERMINAL_STATES

from .models import ApiKey, Service, ServiceAttribute, ServiceAttributeValue, Submission, hash_key

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000
MAX_SPAN = dt.timedelta(days=90)


def district_code() -> str:
    return settings.ECOGRID_DISTRICT_CODE


# --- services -----------------------------------------------------------------------------------

def non_public_category_ids() -> list[int]:
    return list(Service.objects.filter(is_public=False).values_list("category_id", flat=True))


def public_categories() -> QuerySet[CaseCategory]:
    """Active 小类 not flagged non-public, with their 大类, service row and attributes."""
    return (
        CaseCategory.objects.filter(parent__isnull=False, is_active=True, parent__is_active=True)
        .exclude(open311_service__is_public=False)
        .select_related("parent", "open311_service")
        .order_by("code")
    )


def service_list() -> list[CaseCategory]:
    """Every public category, with ``has_attributes`` set (two queries)."""
    categories = list(public_categories())
    with_attributes = set(
        ServiceAttribute.objects.filter(category__in=[c.pk for c in categories]).values_list("category_id", flat=True).distinct()
    )
    for category in categories:
        category.has_attributes = category.pk in with_attributes
    return categories


def service_get(code: str) -> CaseCategory | None:
    """A public category by code, with its attributes and their values (three queries)."""
    return (
        public_categories()
        .filter(code=code)
        .prefetch_related(
            Prefetch(
                "open311_attributes",
                queryset=ServiceAttribute.objects.order_by("order", "id").prefetch_related(
                    Prefetch("values", queryset=ServiceAttributeValue.objects.order_by("order", "id"))
                ),
                to_attr="attribute_list",
            )
        )
        .first()
    )


def service_of(category: CaseCategory) -> Service | None:
    try:
        return category.open311_service
    except Service.DoesNotExist:
        return None


# --- keys -----------------------------------------------------------------------------------------

def key_for(raw: str) -> ApiKey | None:
    """The usable key with this plain text (stored as its SHA-256), or None."""

    if not raw:
        return None
    key = ApiKey.objects.select_related("client").filter(key_hash=hash_key(raw)).first()
    return key if key is not None and key.is_usable else None


# --- requests -------------------------------------------------------------------------------------

def public_case_queryset() -> QuerySet[Case]:
    """Cases the public may see (the rule in the module docstring)."""
    qs = Case.objects.filter(
        region_path__startswith=f"{district_code()}/", registered_at__isnull=False
    ).exclude(status=Case.Status.MERGED)
    hidden = non_public_category_ids()
    if hidden:
        qs = qs.exclude(category_id__in=hidden)
    return qs


# What a request record reads, as plain rows (no model instances; the grid's boundary and the
# case's other columns stay in the database).
RECORD_FIELDS = (
    "number", "status", "description", "address", "reporter_name", "latitude", "longitude", "created_at", "updated_at",
    "handle_deadline", "category__code", "category__name", "department__name", "grid__code", "grid__name",
)


@dataclass
class RequestQuery:
    ids: list[str] | None = None
    service_codes: list[str] | None = None
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: list[str] | None = None  # "open" / "closed"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def request_search(query: RequestQuery) -> list[dict]:
    """One page of public requests (rows of RECORD_FIELDS), newest first. ``ids`` overrides
    every other filter."""
    qs = public_case_queryset()
    if query.ids is not None:
        return list(qs.filter(number__in=query.ids).order_by("-created_at", "-id").values(*RECORD_FIELDS)[:MAX_PAGE_SIZE])
    if query.service_codes:
        # By id, so that the (category, newest first) index answers "newest of one service":
        # a join on the code scanned the newest cases of every category (20 ms at 1 M, 4 ms now).
        ids = list(CaseCategory.objects.filter(code__in=query.service_codes).values_list("id", flat=True))
        qs = qs.filter(category_id__in=ids)
    if query.start is not None:
        qs = qs.filter(created_at__gte=query.start)
    if query.end is not None:
        qs = qs.filter(created_at__lte=query.end)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        qs = qs.filter(status__in=OPEN_STATES if "open" in query.statuses else TERMINAL_STATES)
    offset = (query.page - 1) * query.page_size
    return list(qs.order_by("-created_at", "-id").values(*RECORD_FIELDS)[offset : offset + query.page_size])


def request_get(number: str) -> dict | None:
    return public_case_queryset().filter(number=number).values(*RECORD_FIELDS).first()


def submission_by_token(token: str) -> Submission | None:
    if not token:
        return None
    return Submission.objects.select_related("case", "case__merged_into").filter(token=token).first()


def submission_for(*, client_id: int, request_id: str) -> Submission | None:
    if not request_id:
        return None
    return Submission.objects.select_related("case").filter(client_id=client_id, request_id=request_id).first()


def public_request_id(case: Case) -> str | None:
    """The service_request_id a token resolves to: the case once registered, or the
    original it was merged into; None while it waits for triage or after a rejection."""
    if case.status == Case.Status.MERGED and case.merged_into_id:
        return case.merged_into.number if case.merged_into.registered_at else None
    return case.number if case.registered_at else None


# --- public-safe text -----------------------------------------------------------------------------

# 18-character resident ID numbers (GB 11643, last character may be X) and 15-digit old ones.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8}|\d{6})(\d{3}[0-9Xx]|\d{1})(?![0-9A-Za-z])")
# Mainland mobile numbers, optionally +86, with or without separators.
_MOBILE = re.compile(r"(?<!\d)((?:\+?86[- ]?)?1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)")
# Landlines with an area code: 0757-8234 5678.
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})[- ]?(\d{3,4})[- ]?(\d{4})(?!\d)")


def mask_personal(text: str, *, names: tuple[str, ...] = ()) -> str:
    """Mask phone and ID numbers written into free text (``138****5678``, ``440604********123X``),
    and the given names (the case's reporter) wherever they occur in it."""
    if not text:
        return text
    for name in names:
        name = (name or "").strip()
        if len(name) >= 2:
            text = text.replace(name, "*" * len(name))
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(3)}", text)
    return text
