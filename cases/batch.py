"""Bulk case creation: many problems found together become cases in a handful of queries.

Used by inspections (一表巡): each failed item of a submitted inspection becomes a
case, all in the inspection's transaction. ``case_report`` creates one case with
one counter update, one insert per event, and a routing call; for an inspection
with 20 failed items that would be well over a hundred queries. Here the whole
batch takes a fixed number of queries:

1. one SELECT for the client UUIDs that already exist (a retried submit returns them);
2. one locked read and ONE update of the day's ``DailyCounter`` per district —
   the batch's numbers are the consecutive block the update reserved;
3. one INSERT for the cases, one for their events, one for their evidence rows.

Routing (``cases.routing.route``: dispatch's rules) runs once per (category, region)
in the batch and its result is reused for the other cases with the same key: a
route depends only on those and on the registration time, which the whole batch
shares. An inspection's failures share one place, so routing costs one call per
distinct category, not one per case.

Idempotency: every item carries a deterministic ``client_uuid`` (inspections use
``uuid5(inspection.client_uuid, item.code)``), and ``Case.client_uuid`` is unique,
so running the same batch twice — or concurrently — creates each case once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from . import routing
from .models import Case, CaseAttachment, CaseCategory, CaseEvent, DailyCounter

S = Case.Status
# Sources whose reports are registered at once (the others wait for triage by the village).
TRUSTED_SOURCES = frozenset({Case.Source.GRID_WORKER, Case.Source.INSPECTION, Case.Source.HOTLINE})
GRID_LEVEL = 4  # grids.models.Region.Level.GRID


class CaseBatchError(ValidationError):
    """An item of the batch cannot become a case; names the item (0-based index) in ``params``."""


def case_report_batch(
    *,
    reporter,
    items: Sequence[dict],
    source: str = Case.Source.INSPECTION,
    at: dt.datetime | None = None,
) -> list[Case]:
    """Create (or return, when they already exist) one case per item, in input order.

    Each item is a dict with:

    * ``client_uuid`` — deterministic per problem (required);
    * ``category`` — a ``CaseCategory`` sub-class (required);
    * ``description`` (required), ``latitude``, ``longitude`` (required);
    * ``grid`` — the ``Region`` (a grid) the case belongs to (required);
    * ``address``, ``place_name``, ``urgency`` (defaults to the category's);
    * ``self_handled`` — fixed on the spot (发现即办): recorded as a ``self_handled``
      case with its ``self_handle`` event instead of waiting for dispatch;
      ``self_handle_note`` is that event's note;
    * ``evidence`` — already-checked, already-stored photos to link to the case:
      dicts with ``stage`` (a ``CaseAttachment.Stage``), ``file`` and ``thumbnail``
      (storage names under MEDIA_ROOT), ``sha256``, and optionally ``width``,
      ``height``, ``size``, ``latitude``, ``longitude``, ``taken_at``;
    * ``data`` — extra details for the "report" event (e.g. the inspection and item).

    Trusted sources are registered and routed at once (events "report" and
    "register"); others wait for triage ("report", "triage"). ``at`` backdates a
    backfill (demo data, imports); by default the batch happens now.

    Raises ``CaseBatchError`` (nothing written) if an item is unusable.
    """
    items = list(items)
    if not items:
        return []
    for index, item in enumerate(items):
        _check_item(index, item)
    uuids = [item["client_uuid"] for item in items]
    existing = _existing(uuids)
    todo = [item for item in items if item["client_uuid"] not in existing]
    if todo:
        try:
            with transaction.atomic():
                created = _create(reporter=reporter, items=todo, source=source, at=at)
        except IntegrityError:
            # Another run of the same batch committed first: return its cases.
            existing = _existing(uuids)
            if any(u not in existing for u in uuids):
                raise
        else:
            existing.update({c.client_uuid: c for c in created})
    return [existing[u] for u in uuids]


def _existing(uuids) -> dict:
    return {c.client_uuid: c for c in Case.objects.filter(client_uuid__in=uuids).select_related("category", "grid")}


def _check_item(index: int, item: dict) -> None:
    def fail(message, code):
        raise CaseBatchError(message, code=code, params={"index": index})

    for key in ("client_uuid", "category", "description", "latitude", "longitude", "grid"):
        if item.get(key) in (None, ""):
            fail(_("Problem %(n)s has no %(field)s.") % {"n": index + 1, "field": key}, "missing")
    category = item["category"]
    if not isinstance(category, CaseCategory) or category.parent_id is None or not category.is_active:
        fail(_("Problem %(n)s: choose a case category (a sub-class, not a major class).") % {"n": index + 1}, "category")
    if getattr(item["grid"], "level", None) != GRID_LEVEL:
        fail(_("Problem %(n)s is not placed in a grid.") % {"n": index + 1}, "grid")
    if not (-90 <= item["latitude"] <= 90 and -180 <= item["longitude"] <= 180):
        fail(_("Problem %(n)s has an impossible location.") % {"n": index + 1}, "location")


def _allocate_numbers(*, district_code: str, day: dt.date, count: int) -> list[str]:
    """Reserve `count` consecutive case numbers of the day with ONE counter update."""
    key = f"{district_code}-{day:%Y%m%d}"
    counter, _created = DailyCounter.objects.select_for_update().get_or_create(key=key)
    # The row is locked until the transaction ends, so counter.value is current.
    DailyCounter.objects.filter(pk=counter.pk).update(value=F("value") + count)
    start = counter.value + 1
    return [f"{key}-{n:05d}" for n in range(start, start + count)]


def _display_name(user) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.full_name
    return getattr(user, "username", "") or ""


def _create(*, reporter, items: list[dict], source: str, at: dt.datetime | None) -> list[Case]:
    now = at or timezone.now()
    day = timezone.localdate(now)
    user = reporter if getattr(reporter, "is_authenticated", False) else None
    reporter_label = _display_name(reporter)
    trusted = source in TRUSTED_SOURCES

    # Numbers: one block per district in the batch (in practice one district).
    by_district: dict[str, list[int]] = {}
    for index, item in enumerate(items):
        by_district.setdefault(item["grid"].path.split("/", 1)[0], []).append(index)
    numbers: dict[int, str] = {}
    for district_code, indexes in by_district.items():
        for index, number in zip(indexes, _allocate_numbers(district_code=district_code, day=day, count=len(indexes))):
            numbers[index] = number

    routes: dict[tuple, dict] = {}
    cases = []
    for index, item in enumerate(items):
        category = item["category"]
        case = Case(
            number=numbers[index],
            client_uuid=item["client_uuid"],
            source=source,
            category=category,
            description=item["description"].strip(),
            urgency=item.get("urgency") or category.default_urgency,
            status=S.REGISTERED if trusted else S.PENDING_TRIAGE,
            latitude=item["latitude"],
            longitude=item["longitude"],
            address=item.get("address", ""),
            grid=item["grid"],
            region_path=item["grid"].path,
            reporter=user,
            reporter_name=reporter_label,
            place_name=item.get("place_name", ""),
            version=2,  # as if created (1) then moved by one transition: register or triage
        )
        if trusted:
            case.registered_at = now
            key = (category.pk, case.region_path)
            if key not in routes:
                routes[key] = routing.route(case)
            for name, value in routes[key].items():
                setattr(case, name, value)
            if item.get("self_handled"):
                case.status = S.SELF_HANDLED
                case.closed_at = now
                case.version = 3
        cases.append(case)
    Case.objects.bulk_create(cases)

    system = _("System")
    events = []
    for case, item in zip(cases, items):
        events.append(CaseEvent(
            case=case, actor=user, actor_label=reporter_label, action="report", from_status="",
            to_status=S.REPORTED, data=item.get("data") or {},
        ))
        if not trusted:
            events.append(CaseEvent(case=case, actor=None, actor_label=system, action="triage", from_status=S.REPORTED, to_status=S.PENDING_TRIAGE))
            continue
        events.append(CaseEvent(case=case, actor=None, actor_label=system, action="register", from_status=S.REPORTED, to_status=S.REGISTERED))
        if item.get("self_handled"):
            events.append(CaseEvent(
                case=case, actor=user, actor_label=reporter_label, action="self_handle", from_status=S.REGISTERED,
                to_status=S.SELF_HANDLED, note=item.get("self_handle_note", ""), data={"minutes": 0, "overdue": False},
            ))
    CaseEvent.objects.bulk_create(events)

    attachments = []
    for case, item in zip(cases, items):
        seen = set()
        for ev in item.get("evidence") or ():
            key = (ev["stage"], ev["sha256"])
            if key in seen:
                continue
            seen.add(key)
            attachments.append(CaseAttachment(
                case=case, kind=CaseAttachment.Kind.PHOTO, stage=ev["stage"], file=ev["file"],
                thumbnail=ev.get("thumbnail", ""), sha256=ev["sha256"], width=ev.get("width"), height=ev.get("height"),
                size=ev.get("size", 0), latitude=ev.get("latitude"), longitude=ev.get("longitude"),
                taken_at=ev.get("taken_at"), uploaded_by=user,
            ))
    if attachments:
        CaseAttachment.objects.bulk_create(attachments)

    if at is not None:  # backfill: auto_now_add stamped "now"; move the rows to when it happened
        pks = [c.pk for c in cases]
        Case.objects.filter(pk__in=pks).update(created_at=at, updated_at=at)
        CaseEvent.objects.filter(case_id__in=pks).update(at=at)
        if attachments:
            CaseAttachment.objects.filter(case_id__in=pks).update(created_at=at, updated_at=at)
        for case in cases:
            case.created_at = case.updated_at = at
    return cases
