"""Writes of the inspections app: the checklist and its versions, scenes, places, inspections.

* Checklist: a version is created (from JSON or an .xlsx sheet, same path) as a draft,
  composed, then published; a published version never changes (``ChecklistLocked``).
* Inspection: started as a server-side draft, answered item by item (each answer and
  photo saved as the worker goes), then submitted — idempotently by its client UUID,
  under a row lock — in one transaction that bulk-inserts the answers and raises a case
  per failed item through ``cases.batch.case_report_batch``.
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.evidence import EvidenceError, process_image
from grids import geo
from grids.models import Region
from grids.scoping import path_in_scope
from grids.selectors import district, grid_for_point

from . import xlsform
from .selectors import default_scene, published_version, scene_for_place_type, scene_options
from .models import (
    Answer,
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    InspectionPhoto,
    Place,
    PlaceType,
    Result,
    Scene,
    Severity,
)

V = ChecklistVersion.Status
# A submit farther than this outside the inspection's grid is accepted with a visible flag
# (GPS in a street canyon is often 50–200 m off; a kilometre away is another place).
FAR_OUTSIDE_GRID_M = 500
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,31}$")


class ChecklistLocked(ValidationError):
    """The version is published (or retired): it never changes. Make a new draft instead."""


class ChecklistImportError(ValidationError):
    """A checklist (sheet or JSON) with problems; nothing was written. ``problems`` names each one."""

    def __init__(self, problems: list[xlsform.Problem]):
        self.problems = sorted(problems, key=xlsform.Problem.sort_key)
        super().__init__(
            _("The checklist was not imported: %(n)s problem(s) found. Nothing was changed.") % {"n": len(self.problems)},
            code="checklist_import",
        )


class InspectionError(ValidationError):
    """Bad input for an inspection. ``problems`` maps an item code (or "" for the form) to messages."""

    def __init__(self, problems: dict[str, list[str]], code: str = "inspection"):
        self.problems = problems
        messages = [m for ms in problems.values() for m in ms]
        super().__init__(messages or [_("The inspection could not be saved.")], code=code)
        self.code = code  # "stale": the draft changed since the page was loaded

    def __str__(self):
        return "; ".join(m for ms in self.problems.values() for m in ms)


# =========================================================================== checklist

def _check_editable(version: ChecklistVersion) -> None:
    if version.status != V.DRAFT:
        raise ChecklistLocked(
            _("Version %(label)s is %(status)s and can no longer be changed. Make a new draft from it instead.")
            % {"label": version.label, "status": ChecklistVersion.Status(version.status).label},
            code="locked",
        )


def checklist_validate(*, spec: dict, where: xlsform.Where | None = None) -> list[xlsform.Problem]:
    """Check a checklist spec against the departments and categories; return every problem found."""
    from cases.models import CaseCategory
    from dispatch.models import Department

    where = where or xlsform.Where("checklist.json")
    problems: list[xlsform.Problem] = []

    def bad(key, message):
        problems.append(where.problem(key, message))

    label = str(spec.get("version") or "").strip()
    if not label:
        bad(("version",), _("The version is empty."))
    elif len(label) > 32:
        bad(("version",), _("The version may be at most 32 characters."))
    elif ChecklistVersion.objects.filter(label=label).exists():
        bad(("version",), _("Version %(label)s already exists; give the new checklist its own version.") % {"label": label})
    title = str(spec.get("title") or "").strip()
    if not title:
        bad(("title",), _("The title is empty."))
    elif len(title) > 100:
        bad(("title",), _("The title may be at most 100 characters."))

    scene_codes: set[str] = set()
    # A place type has at most one short list, and one full list (a type scene or 综合巡查).
    place_types_seen: dict[tuple[bool, str], str] = {}
    valid_types = set(PlaceType.values)
    for i, scene in enumerate(spec.get("scenes") or []):
        code = str(scene.get("code") or "")
        kind = scene.get("kind") or Scene.Kind.TYPE
        if kind not in Scene.Kind.values:
            bad(("scenes", i, "kind"), _("The kind of the scene %(code)s must be one of: %(kinds)s.") % {"code": code, "kinds": ", ".join(Scene.Kind.values)})
        elif kind == Scene.Kind.ALL and any((s.get("kind") == Scene.Kind.ALL) for s in (spec.get("scenes") or [])[:i]):
            bad(("scenes", i, "kind"), _("Only one scene may hold all items (kind “all”)."))
        if not CODE_RE.match(code):
            bad(("scenes", i, "code"), _("“%(code)s” is not a valid scene code (letters, digits, - _ .).") % {"code": code})
        elif code in scene_codes:
            bad(("scenes", i, "code"), _("The scene %(code)s appears twice.") % {"code": code})
        scene_codes.add(code)
        if not str(scene.get("name") or "").strip():
            bad(("scenes", i, "name"), _("The scene %(code)s has no name.") % {"code": code})
        for place_type in scene.get("place_types") or []:
            if place_type not in valid_types:
                bad(("scenes", i, "place_types"), _("Unknown place type “%(type)s”; use one of: %(types)s.") % {"type": place_type, "types": ", ".join(sorted(valid_types))})
            elif (kind == Scene.Kind.SHORT, place_type) in place_types_seen:
                bad(("scenes", i, "place_types"), _("The place type %(type)s already belongs to the scene %(scene)s.") % {"type": place_type, "scene": place_types_seen[(kind == Scene.Kind.SHORT, place_type)]})
            else:
                place_types_seen[(kind == Scene.Kind.SHORT, place_type)] = code

    items = spec.get("items") or []
    if not items:
        bad(("items",), _("The checklist has no items."))
    departments = {d.code: d for d in Department.objects.filter(parent__isnull=True)}
    categories = {c.code: c for c in CaseCategory.objects.all()}
    codes: set[str] = set()
    for i, item in enumerate(items):
        code = str(item.get("code") or "")
        if not CODE_RE.match(code):
            bad(("items", i, "code"), _("“%(code)s” is not a valid item code (letters, digits, - _ .; at most 32).") % {"code": code})
        elif code in codes:
            bad(("items", i, "code"), _("The item code %(code)s appears twice.") % {"code": code})
        codes.add(code)
        if not str(item.get("title") or "").strip():
            bad(("items", i, "title"), _("Item %(code)s has no wording.") % {"code": code})
        elif len(item["title"]) > 200:
            bad(("items", i, "title"), _("The wording of %(code)s may be at most 200 characters.") % {"code": code})
        if item.get("department") not in departments:
            bad(("items", i, "department"), _("Unknown department “%(value)s”.") % {"value": item.get("department") or ""})
        category = categories.get(str(item.get("category") or ""))
        if category is None:
            bad(("items", i, "category"), _("Unknown case category “%(value)s”.") % {"value": item.get("category") or ""})
        elif category.parent_id is None or not category.is_active:
            bad(("items", i, "category"), _("The case category %(value)s is a major class or inactive; use an active sub-class.") % {"value": category.code})
        if item.get("severity") not in Severity.values:
            bad(("items", i, "severity"), _("The severity must be one of %(values)s.") % {"values": ", ".join(Severity.values)})
        reasons = item.get("fail_reasons")
        if not isinstance(reasons, list) or not reasons:
            bad(("items", i, "fail_reasons"), _("Item %(code)s needs at least one fail reason (a choices list named %(code)s_reasons).") % {"code": code})
        else:
            seen = set()
            for j, reason in enumerate(reasons):
                text = str(reason or "").strip()
                if not text or len(text) > 200:
                    bad(("items", i, "fail_reasons", j), _("A fail reason of %(code)s is empty or longer than 200 characters.") % {"code": code})
                elif text in seen:
                    bad(("items", i, "fail_reasons", j), _("The fail reason “%(reason)s” of %(code)s appears twice.") % {"reason": text, "code": code})
                seen.add(text)
        for flag in ("photo_required_on_fail", "on_discovery"):
            if not isinstance(item.get(flag), bool):
                bad(("items", i, flag), _("Write yes or no."))
        for scene_code in item.get("scenes") or []:
            if scene_code not in scene_codes:
                bad(("items", i, "scenes"), _("Unknown scene “%(scene)s”.") % {"scene": scene_code})
    return problems


@transaction.atomic
def checklist_create(*, spec: dict, by=None, where: xlsform.Where | None = None) -> ChecklistVersion:
    """Create a draft version from a spec (JSON or parsed sheet): all of it, or nothing."""
    problems = checklist_validate(spec=spec, where=where)
    if problems:
        raise ChecklistImportError(problems)
    from cases.models import CaseCategory
    from dispatch.models import Department

    departments = {d.code: d for d in Department.objects.filter(parent__isnull=True)}
    categories = {c.code: c for c in CaseCategory.objects.filter(code__in={i["category"] for i in spec["items"]})}
    version = ChecklistVersion(label=spec["version"].strip(), title=spec["title"].strip(), created_by=by if getattr(by, "is_authenticated", False) else None)
    version.full_clean()
    version.save()
    items = ChecklistItem.objects.bulk_create([
        ChecklistItem(
            version=version,
            code=row["code"],
            department=departments[row["department"]],
            category=categories[row["category"]],
            title=row["title"].strip(),
            guidance=(row.get("guidance") or "").strip(),
            severity=row["severity"],
            legal_basis=(row.get("legal_basis") or "").strip(),
            fail_reasons=[str(r).strip() for r in row["fail_reasons"]],
            photo_required_on_fail=row["photo_required_on_fail"],
            on_discovery=row["on_discovery"],
            required=row.get("required", True),
            order=n,
        )
        for n, row in enumerate(spec["items"], start=1)
    ])
    scenes = Scene.objects.bulk_create([
        Scene(version=version, code=s["code"], name=s["name"].strip(), kind=s.get("kind") or Scene.Kind.TYPE,
              place_types=list(s.get("place_types") or []), order=n)
        for n, s in enumerate(spec.get("scenes") or [], start=1)
    ])
    by_code = {s.code: s for s in scenes}
    everything = [s.code for s in scenes if s.kind == Scene.Kind.ALL]  # 综合巡查 holds every item, listed or not
    Through = Scene.items.through
    Through.objects.bulk_create([
        Through(scene_id=by_code[scene_code].pk, checklistitem_id=item.pk)
        for item, row in zip(items, spec["items"])
        for scene_code in dict.fromkeys([*(row.get("scenes") or []), *everything])
    ])
    return version


def checklist_import_xlsx(*, upload, by, label: str = "") -> ChecklistVersion:
    """Import an XLSForm-shaped workbook as a new draft version; refuse it whole if anything is wrong."""
    spec, where, problems = xlsform.parse_workbook(upload)
    if spec is not None and label.strip():
        spec["version"] = label.strip()
    if spec is not None:
        problems = problems + checklist_validate(spec=spec, where=where)
    if problems:
        raise ChecklistImportError(problems)
    return checklist_create(spec=spec, by=by, where=where)


def checklist_version_publish(*, version: ChecklistVersion, by=None) -> ChecklistVersion:
    """Publish a draft; the version in use until now is retired (its inspections keep pointing at it)."""
    with transaction.atomic():
        locked = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
        _check_editable(locked)
        if not locked.items.exists():
            raise ValidationError(_("A checklist without items cannot be published."), code="empty")
        empty = list(locked.scenes.filter(items__isnull=True).values_list("name", flat=True))
        if empty:
            raise ValidationError(_("These scenes have no items: %(names)s.") % {"names": "、".join(empty)}, code="empty_scene")
        now = timezone.now()
        ChecklistVersion.objects.filter(status=V.PUBLISHED).update(status=V.RETIRED, updated_at=now)
        locked.status = V.PUBLISHED
        locked.published_at = now
        locked.save(update_fields=["status", "published_at", "updated_at"])
    return locked


@transaction.atomic
def checklist_version_copy(*, version: ChecklistVersion, label: str, by=None) -> ChecklistVersion:
    """A new draft with the same items and scenes, to change and publish as the next version."""
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Give the new version a label, e.g. 2023.1.")})
    if ChecklistVersion.objects.filter(label=label).exists():
        raise ValidationError({"label": _("Version %(label)s already exists.") % {"label": label}})
    draft = ChecklistVersion(label=label, title=version.title, based_on=version, created_by=by if getattr(by, "is_authenticated", False) else None)
    draft.full_clean()
    draft.save()
    old_items = list(version.items.order_by("order", "id"))
    new_items = ChecklistItem.objects.bulk_create([
        ChecklistItem(
            version=draft, code=i.code, department_id=i.department_id, category_id=i.category_id, title=i.title,
            guidance=i.guidance, severity=i.severity, legal_basis=i.legal_basis, fail_reasons=list(i.fail_reasons),
            photo_required_on_fail=i.photo_required_on_fail, on_discovery=i.on_discovery, required=i.required, order=i.order,
        )
        for i in old_items
    ])
    new_by_old = {old.pk: new.pk for old, new in zip(old_items, new_items)}
    old_scenes = list(version.scenes.order_by("order", "id"))
    new_scenes = Scene.objects.bulk_create([
        Scene(version=draft, code=s.code, name=s.name, kind=s.kind, place_types=list(s.place_types), order=s.order) for s in old_scenes
    ])
    scene_map = {old.pk: new.pk for old, new in zip(old_scenes, new_scenes)}
    Through = Scene.items.through
    Through.objects.bulk_create([
        Through(scene_id=scene_map[row.scene_id], checklistitem_id=new_by_old[row.checklistitem_id])
        for row in Through.objects.filter(scene__version=version)
    ])
    return draft


@transaction.atomic
def checklist_draft_discard(*, version: ChecklistVersion, by=None) -> None:
    """Delete a draft that was never published (e.g. a wrong import)."""
    locked = ChecklistVersion.objects.select_for_update().get(pk=version.pk)
    _check_editable(locked)
    Scene.items.through.objects.filter(scene__version=locked).delete()
    locked.scenes.all().delete()
    locked.items.all().delete()
    locked.delete()


def checklist_item_update(*, item: ChecklistItem, **fields) -> ChecklistItem:
    """Change an item of a draft version (refused once the version is published)."""
    _check_editable(item.version)
    allowed = {"title", "guidance", "severity", "legal_basis", "fail_reasons", "photo_required_on_fail", "on_discovery",
               "required", "department", "category", "order"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot change {sorted(unknown)}")
    for name, value in fields.items():
        setattr(item, name, value)
    item.full_clean(exclude=["version"])
    item.save(update_fields=sorted(fields))
    return item


def scene_create(*, version: ChecklistVersion, code: str, name: str, place_types: Iterable[str] = (), kind: str = Scene.Kind.TYPE, by=None) -> Scene:
    _check_editable(version)
    code, name, place_types = code.strip(), name.strip(), list(dict.fromkeys(place_types))
    kind = kind or Scene.Kind.TYPE
    errors = {}
    if kind not in Scene.Kind.values:
        errors["kind"] = _("Choose the kind of scene.")
    elif kind == Scene.Kind.ALL and version.scenes.filter(kind=Scene.Kind.ALL).exists():
        errors["kind"] = _("Only one scene may hold all items (kind “all”).")
    if not CODE_RE.match(code):
        errors["code"] = _("Use letters, digits, - _ . (at most 32).")
    elif version.scenes.filter(code=code).exists():
        errors["code"] = _("This version already has a scene %(code)s.") % {"code": code}
    if not name:
        errors["name"] = _("Give the scene a name.")
    short = kind == Scene.Kind.SHORT  # a place type has one short list and one full list
    taken = {t: s.name for s in version.scenes.all() if (s.kind == Scene.Kind.SHORT) == short for t in s.place_types}
    clash = [t for t in place_types if t in taken]
    if clash:
        errors["place_types"] = _("Already used by another scene: %(types)s.") % {
            "types": "、".join(f"{PlaceType(t).label} ({taken[t]})" for t in clash)
        }
    if errors:
        raise ValidationError(errors)
    order = (version.scenes.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    return Scene.objects.create(version=version, code=code, name=name, kind=kind, place_types=place_types, order=order)


@transaction.atomic
def scene_compose(*, scene: Scene, item_ids: Iterable[int], by=None) -> Scene:
    """An officer composes a scene from the version's items (drafts only)."""
    version = ChecklistVersion.objects.select_for_update().get(pk=scene.version_id)
    _check_editable(version)
    ids = {int(i) for i in item_ids}
    valid = set(version.items.filter(pk__in=ids).values_list("pk", flat=True))
    if ids - valid:
        raise ValidationError(_("Some chosen items are not part of version %(label)s.") % {"label": version.label}, code="unknown_item")
    if not valid:
        raise ValidationError(_("A scene needs at least one item."), code="empty_scene")
    scene.items.set(valid)
    return scene


# =========================================================================== places

def place_create(
    *,
    by,
    name: str,
    place_type: str,
    address: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
    grid: Region | None = None,
    enterprise_code: str = "",
    is_free_location: bool = False,
) -> Place:
    """A place in a grid inside `by`'s jurisdiction: the grid comes from the location, or is given."""
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Give the place a name (a shop sign, a site name, or a description of the spot).")
    if place_type not in PlaceType.values:
        errors["place_type"] = _("Choose the kind of place.")
    enterprise_code = (enterprise_code or "").strip().upper()
    if enterprise_code:
        from stdnum.cn import uscc

        if not uscc.is_valid(enterprise_code):
            errors["enterprise_code"] = _("This is not a valid unified social credit code (18 characters, checksum).")
    if latitude is not None and longitude is not None:
        root = district()
        located = grid_for_point(lat=latitude, lng=longitude, within_path=root.path if root else "")
        if located is not None and path_in_scope(by, located.path):
            grid = located
    if grid is None:
        errors["__all__"] = _("The location is not in one of your grids: allow location access, or choose your grid.")
    elif grid.level != Region.Level.GRID or not path_in_scope(by, grid.path):
        errors["__all__"] = _("You can only add places in your own grid.")
    if errors:
        raise ValidationError(errors)
    if latitude is None or longitude is None:
        latitude, longitude = grid.centre_lat, grid.centre_lng
    place = Place(
        name=name, place_type=place_type, address=(address or "").strip(), latitude=latitude, longitude=longitude,
        grid=grid, region_path=grid.path, enterprise_code=enterprise_code, is_free_location=is_free_location,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    place.full_clean(exclude=["region_path"])
    place.save()
    return place


# =========================================================================== inspections

def inspection_start(*, inspector, place: Place, client_uuid=None, scene: str | None = None) -> Inspection:
    """Open (or resume) the worker's draft inspection of `place`.

    ``scene`` is the code of one of the place's scenes in the published version
    (``selectors.scene_options``: its short list, its full list, 综合巡查); without it, the
    default (the short list where the place type has one, so the common case is one tap).

    Idempotent: the same client UUID, or a second start of the same place while a draft is
    open, returns the existing draft. A draft with no answer and no photo yet takes the
    scene asked for (a wrong choice, corrected); one with answers is kept as it is and
    comes back with ``kept_other = True`` when it is not what was asked for.
    """
    existing = _existing_draft(inspector, place, client_uuid)
    if existing is not None and not scene:
        return existing
    if not path_in_scope(inspector, place.region_path):
        raise InspectionError({"": [_("This place is outside your grid.")]})
    version = _version_in_use()
    if scene:
        chosen = next((o.scene for o in scene_options(version=version, place_type=place.place_type) if o.scene.code == scene), None)
        if chosen is None:
            raise InspectionError({"": [_("The checklist “%(scene)s” is not offered for %(place)s. Choose one of the lists shown.")
                                        % {"scene": scene, "place": place.name}]})
    else:
        chosen = default_scene(version=version, place_type=place.place_type)
        if chosen is None:
            raise InspectionError({"": [_("The checklist %(version)s has no scene for “%(type)s”. Change the place's type, or ask the district centre to add the type to a scene.")
                                        % {"version": version.label, "type": PlaceType(place.place_type).label}]})
    return _open_draft(inspector=inspector, place=place, client_uuid=client_uuid, version=version, scene=chosen, existing=existing)


def inspection_reinspect(*, inspector, previous: Inspection, client_uuid=None) -> Inspection:
    """复查: a draft holding only the items that failed in `previous` (a submitted inspection).

    The items are those of the checklist in use with the same codes (codes are stable across
    versions); the new inspection keeps the link (``previous``), shown on both records.
    Idempotent like ``inspection_start``.
    """
    place = previous.place
    if previous.is_draft:
        raise InspectionError({"": [_("Only a submitted inspection can be re-inspected.")]})
    if not path_in_scope(inspector, place.region_path):
        raise InspectionError({"": [_("This place is outside your grid.")]})
    failed = list(
        Answer.objects.filter(inspection=previous, result=Result.FAIL).order_by("item__order", "item_id").values_list("item__code", flat=True)
    )
    if not failed:
        raise InspectionError({"": [_("Nothing failed in the inspection of %(place)s on %(date)s: there is nothing to re-inspect.")
                                    % {"place": place.name, "date": timezone.localtime(previous.submitted_at).strftime("%Y-%m-%d")}]})
    existing = _existing_draft(inspector, place, client_uuid)
    version = _version_in_use()
    current = set(version.items.filter(code__in=failed).values_list("code", flat=True))
    codes = [c for c in failed if c in current]
    if not codes:
        raise InspectionError({"": [_("None of the items that failed is in the checklist in use (%(version)s). Start an ordinary inspection instead.")
                                    % {"version": version.label}]})
    if previous.version_id == version.pk:
        scene = previous.scene
    else:
        scene = scene_for_place_type(version=version, place_type=place.place_type) or default_scene(version=version, place_type=place.place_type)
        if scene is None:
            raise InspectionError({"": [_("The checklist %(version)s has no scene for “%(type)s”. Change the place's type, or ask the district centre to add the type to a scene.")
                                        % {"version": version.label, "type": PlaceType(place.place_type).label}]})
    return _open_draft(inspector=inspector, place=place, client_uuid=client_uuid, version=version, scene=scene,
                       previous=previous, item_codes=codes, existing=existing)


def inspection_reinspect_place(*, inspector, place: Place, client_uuid=None) -> Inspection:
    """复查 from a place: the failed items of its latest submitted inspection."""
    latest = (Inspection.objects.filter(place=place, status=Inspection.Status.SUBMITTED)
              .select_related("place", "scene").order_by("-submitted_at", "-id").first())
    if latest is None:
        raise InspectionError({"": [_("%(place)s has not been inspected yet: there is nothing to re-inspect.") % {"place": place.name}]})
    return inspection_reinspect(inspector=inspector, previous=latest, client_uuid=client_uuid)


def _version_in_use() -> ChecklistVersion:
    version = published_version()
    if version is None:
        raise InspectionError({"": [_("No checklist is published yet. Ask the district centre to publish one.")]})
    return version


def _existing_draft(inspector, place: Place, client_uuid) -> Inspection | None:
    if client_uuid:
        existing = Inspection.objects.filter(client_uuid=client_uuid, inspector=inspector).first()
        if existing is not None:
            return existing
    return Inspection.objects.filter(inspector=inspector, place=place, status=Inspection.Status.DRAFT).first()


def _open_draft(*, inspector, place, client_uuid, version, scene, previous=None, item_codes=(), existing=None) -> Inspection:
    wanted = {"scene_id": scene.pk, "version_id": version.pk, "previous_id": previous.pk if previous else None, "item_codes": list(item_codes)}
    if existing is not None:
        if not existing.is_draft or all(getattr(existing, k) == v for k, v in wanted.items()):
            return existing
        with transaction.atomic():
            locked = _lock_draft(existing, inspector)
            if locked.is_draft and not any(e.get("result") for e in locked.draft.values()) and not locked.photos.exists():
                # Nothing answered yet: the worker picked another list (or 复查) for this place.
                for key, value in wanted.items():
                    setattr(locked, key, value)
                locked.draft, locked.revision = {}, locked.revision + 1
                locked.save(update_fields=["scene", "version", "previous", "item_codes", "draft", "revision", "updated_at"])
                return locked
        existing.kept_other = True
        return existing
    try:
        with transaction.atomic():
            return Inspection.objects.create(
                client_uuid=client_uuid or uuid.uuid4(), place=place, scene=scene, version=version, inspector=inspector,
                grid_id=place.grid_id, region_path=place.region_path, started_at=timezone.now(),
                previous=previous, item_codes=list(item_codes),
            )
    except IntegrityError:  # a double tap: the other request opened the draft
        existing = Inspection.objects.filter(inspector=inspector, place=place, status=Inspection.Status.DRAFT).first()
        if existing is None and client_uuid:
            existing = Inspection.objects.filter(client_uuid=client_uuid, inspector=inspector).first()
        if existing is None:
            raise
        return existing


def _lock_draft(inspection: Inspection, inspector) -> Inspection:
    locked = Inspection.objects.select_for_update(of=("self",)).get(pk=inspection.pk)
    if locked.inspector_id != inspector.pk:
        raise InspectionError({"": [_("Only the worker who started this inspection can change it.")]})
    return locked


def _already_submitted() -> InspectionError:
    return InspectionError({"": [_("This inspection has already been submitted; it can no longer be changed.")]})


def _inspection_item(inspection: Inspection, item_id) -> ChecklistItem:
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        item_id = None
    item = inspection.checklist_items().filter(pk=item_id).first() if item_id is not None else None
    if item is None:
        raise InspectionError({"": [_("Unknown item %(id)s: it is not part of this inspection's checklist.") % {"id": item_id if item_id is not None else "—"}]})
    return item


def _clean_entry(item: ChecklistItem, *, result: str, fail_reason: str = "", remark: str = "", fixed: bool = False) -> dict:
    """Validate one answer as given (partial answers are fine in a draft); raise InspectionError."""
    result = (result or "").strip()
    fail_reason = (fail_reason or "").strip()
    remark = (remark or "").strip()[:1000]
    errors = []
    if result and result not in Result.values:
        errors.append(_("“%(value)s” is not a valid result: choose pass, fail or not applicable.") % {"value": result})
    if fail_reason and fail_reason not in item.fail_reasons:
        errors.append(_("“%(reason)s” is not one of the fail reasons of this item.") % {"reason": fail_reason})
    if fixed and not item.on_discovery:
        errors.append(_("This item cannot be fixed on the spot; it becomes a case for its department."))
    if errors:
        raise InspectionError({item.code: errors})
    entry = {"result": result}
    if result == Result.FAIL:
        entry.update(reason=fail_reason, fixed=bool(fixed))
    if remark:
        entry["remark"] = remark
    return entry


def inspection_answer_save(
    *, inspection: Inspection, inspector, item_id, result: str, fail_reason: str = "", remark: str = "", fixed: bool = False
) -> tuple[Inspection, ChecklistItem]:
    """Save one answer into the draft (an htmx post per tap): the draft loses nothing if the tab closes."""
    item = _inspection_item(inspection, item_id)
    entry = _clean_entry(item, result=result, fail_reason=fail_reason, remark=remark, fixed=fixed)
    with transaction.atomic():
        locked = _lock_draft(inspection, inspector)
        if not locked.is_draft:
            raise _already_submitted()
        if entry.get("result") or entry.get("remark"):
            locked.draft[item.code] = entry
        else:
            locked.draft.pop(item.code, None)
        locked.revision += 1
        locked.save(update_fields=["draft", "revision", "updated_at"])
    return locked, item


def inspection_mark_rest_passed(
    *, inspection: Inspection, inspector, revision: int | None = None, item_ids: Iterable | None = None, answers: dict | None = None,
) -> tuple[Inspection, list[int]]:
    """其余全部合格: every item of the inspection still without a result becomes "pass", in one write.

    Answers already given (fail, not applicable, pass) are never touched; a remark already
    written on an unanswered item is kept. Idempotent: a second call marks nothing.

    * ``revision``: the draft revision the worker's page shows. If the draft changed since
      (another tab or phone) and this call would change anything, it is refused
      (``InspectionError``) and nothing is written: the worker sees the latest answers first.
    * ``item_ids``: only these items (the ones the page shows unanswered); each must belong
      to the inspection.
    * ``answers``: the answers a page without JavaScript posts with the button (the same
      shape as ``inspection_submit``'s); they are applied first, in the same write.

    Returns ``(inspection, ids of the items marked passed)``.
    """
    items = list(inspection.checklist_items().order_by("order", "id"))
    by_id = {item.pk: item for item in items}
    problems: dict[str, list[str]] = {}
    only = None
    if item_ids is not None:
        only = set()
        for raw in item_ids:
            item = _posted_item(by_id, raw, problems)
            if item is not None:
                only.add(item.pk)
    entries = _posted_entries(by_id, answers or {}, problems)
    if any(problems.values()):
        raise InspectionError(problems)
    with transaction.atomic():
        locked = _lock_draft(inspection, inspector)
        if not locked.is_draft:
            raise _already_submitted()
        draft = dict(locked.draft)
        changed = _apply_entries(draft, entries)
        marked = []
        for item in items:
            if (only is None or item.pk in only) and not (draft.get(item.code) or {}).get("result"):
                draft[item.code] = {**(draft.get(item.code) or {}), "result": Result.PASS}
                marked.append(item.pk)
        if not (changed or marked):
            return locked, []
        if revision is not None and int(revision) != locked.revision:
            raise InspectionError({"": [_("This inspection was changed elsewhere (another tab or phone) after this page was loaded, "
                                          "so nothing was marked. The page now shows the latest answers: check them and tap again.")]}, code="stale")
        locked.draft = draft
        locked.revision += 1
        locked.save(update_fields=["draft", "revision", "updated_at"])
    return locked, marked


def _posted_item(by_id: dict, raw_id, problems: dict):
    """The checklist item a posted id names, or None with the problem recorded."""
    try:
        item = by_id.get(int(raw_id))
    except (TypeError, ValueError):
        item = None
    if item is None:
        problems.setdefault("", []).append(_("Unknown item %(id)s: it is not part of this inspection's checklist.") % {"id": raw_id})
    return item


def _posted_entries(by_id: dict, answers: dict, problems: dict) -> dict[str, dict]:
    """Posted answers ({item id: values}) checked and keyed by item code; problems collected."""
    entries = {}
    for raw_id, values in answers.items():
        item = _posted_item(by_id, raw_id, problems)
        if item is None:
            continue
        if not (values.get("result") or values.get("remark")):
            continue
        try:
            entries[item.code] = _clean_entry(item, result=values.get("result", ""), fail_reason=values.get("reason", ""),
                                              remark=values.get("remark", ""), fixed=values.get("fixed", False))
        except InspectionError as exc:
            for key, messages in exc.problems.items():
                problems.setdefault(key, []).extend(messages)
    return entries


def _apply_entries(draft: dict, entries: dict) -> bool:
    """Merge checked entries into a draft dict; True if anything changed."""
    changed = False
    for code, entry in entries.items():
        if entry.get("result"):
            new = entry
        else:  # a remark without a result keeps what the draft already holds
            new = {**draft.get(code, {"result": ""}), "remark": entry["remark"]}
        if draft.get(code) != new:
            draft[code] = new
            changed = True
    return changed


def _store_photo(*, inspection: Inspection, item: ChecklistItem, stage: str, image) -> InspectionPhoto:
    existing = InspectionPhoto.objects.filter(inspection=inspection, item=item, stage=stage, sha256=image.sha256).first()
    if existing is not None:  # the same photo sent twice (a retry) is stored once
        return existing
    photo = InspectionPhoto(
        inspection=inspection, item=item, stage=stage, sha256=image.sha256, width=image.width, height=image.height,
        size=len(image.content), latitude=image.latitude, longitude=image.longitude, taken_at=image.taken_at,
    )
    name = f"{item.code}-{stage}-{image.sha256[:16]}.jpg"
    photo.file.save(name, ContentFile(image.content), save=False)
    photo.thumbnail.save(f"thumb-{name}", ContentFile(image.thumbnail), save=False)
    try:
        with transaction.atomic():
            photo.save()
    except IntegrityError:
        return InspectionPhoto.objects.get(inspection=inspection, item=item, stage=stage, sha256=image.sha256)
    return photo


def inspection_photo_add(*, inspection: Inspection, inspector, item_id, stage: str, upload) -> InspectionPhoto:
    """Check (content, not name) and store a photo for one item of a draft."""
    item = _inspection_item(inspection, item_id)
    if stage not in InspectionPhoto.Stage.values:
        raise InspectionError({item.code: [_("Unknown photo kind.")]})
    if stage == InspectionPhoto.Stage.AFTER and not item.on_discovery:
        raise InspectionError({item.code: [_("This item cannot be fixed on the spot, so it takes no after photo.")]})
    if inspection.inspector_id != inspector.pk:
        raise InspectionError({"": [_("Only the worker who started this inspection can change it.")]})
    if not inspection.is_draft:
        raise _already_submitted()
    try:
        image = process_image(upload, max_bytes=settings.EVIDENCE_MAX_IMAGE_MB * 1024 * 1024)
    except EvidenceError as exc:
        name = getattr(upload, "name", "") or ""
        raise InspectionError({item.code: [_("Photo “%(name)s”: %(error)s") % {"name": name, "error": " ".join(exc.messages)}]}) from exc
    return _store_photo(inspection=inspection, item=item, stage=stage, image=image)


def inspection_photo_remove(*, photo: InspectionPhoto, inspector) -> None:
    inspection = photo.inspection
    if inspection.inspector_id != inspector.pk:
        raise InspectionError({"": [_("Only the worker who started this inspection can change it.")]})
    if not inspection.is_draft:
        raise _already_submitted()
    photo.delete()


@transaction.atomic
def inspection_discard(*, inspection: Inspection, inspector) -> None:
    """Throw away a draft (the wrong place was picked). Submitted inspections are never deleted."""
    locked = _lock_draft(inspection, inspector)
    if not locked.is_draft:
        raise _already_submitted()
    for photo in locked.photos.all():
        photo.file.delete(save=False)
        photo.thumbnail.delete(save=False)
    locked.photos.all().delete()
    locked.delete()


@dataclass(frozen=True)
class PhotoUpload:
    item_id: object
    stage: str
    file: object


def inspection_submit(
    *,
    inspection: Inspection,
    inspector,
    answers: dict | None = None,
    uploads: Iterable[PhotoUpload] = (),
    latitude: float | None = None,
    longitude: float | None = None,
    remark: str = "",
) -> tuple[Inspection, bool]:
    """Submit a draft; idempotent: a retry (or 10 at once) returns the submitted inspection.

    `answers` ({item_id: {"result", "reason", "remark", "fixed"}}) and `uploads` are the
    values the final form post carried; they are merged into the draft first, so a
    refused submit loses nothing. Then, under a row lock on the draft, in one
    transaction: check completeness, bulk-insert the answers, raise a case per failed
    item (self-handled when fixed on the spot) and mark the inspection submitted.

    Returns ``(inspection, submitted_now)``. Raises ``InspectionError`` (draft kept).
    """
    if inspection.inspector_id != inspector.pk:
        raise InspectionError({"": [_("Only the worker who started this inspection can submit it.")]})
    if not inspection.is_draft:
        return inspection, False
    problems: dict[str, list[str]] = {}
    if answers:
        _merge_answers(inspection=inspection, inspector=inspector, answers=answers, problems=problems)
    for up in uploads:
        try:
            inspection_photo_add(inspection=inspection, inspector=inspector, item_id=up.item_id, stage=up.stage, upload=up.file)
        except InspectionError as exc:
            for key, messages in exc.problems.items():
                problems.setdefault(key, []).extend(messages)
    if remark.strip() and inspection.is_draft:
        Inspection.objects.filter(pk=inspection.pk, status=Inspection.Status.DRAFT).update(remark=remark.strip()[:2000])

    with transaction.atomic():
        locked = Inspection.objects.select_for_update(of=("self",)).select_related("place", "grid", "version").get(pk=inspection.pk)
        if not locked.is_draft:
            return locked, False
        items = list(locked.checklist_items().select_related("category").order_by("order", "id"))
        photos: dict[tuple[int, str], list[InspectionPhoto]] = {}
        for photo in locked.photos.all():
            photos.setdefault((photo.item_id, photo.stage), []).append(photo)
        _check_complete(locked, items, photos, problems)
        if any(problems.values()):
            raise InspectionError(problems)
        now = timezone.now()
        if latitude is not None and longitude is not None:
            locked.latitude, locked.longitude = latitude, longitude
        locked.location_flag, locked.location_distance_m = _location_flag(locked.grid, locked.latitude, locked.longitude)
        _write_answers(locked, items, photos, inspector=inspector, at=now)
        locked.status = Inspection.Status.SUBMITTED
        locked.submitted_at = now
        locked.save(update_fields=[
            "status", "submitted_at", "latitude", "longitude", "location_flag", "location_distance_m",
            "pass_count", "fail_count", "na_count", "updated_at",
        ])
    return locked, True


def _merge_answers(*, inspection, inspector, answers: dict, problems: dict) -> None:
    items = {i.pk: i for i in inspection.checklist_items()}
    entries = _posted_entries(items, answers, problems)
    if not entries:
        return
    with transaction.atomic():
        locked = _lock_draft(inspection, inspector)
        if not locked.is_draft:
            return
        if _apply_entries(locked.draft, entries):
            locked.revision += 1
            locked.save(update_fields=["draft", "revision", "updated_at"])


def _check_complete(inspection: Inspection, items, photos, problems: dict) -> None:
    F, A = InspectionPhoto.Stage.FAIL, InspectionPhoto.Stage.AFTER
    missing = []
    for item in items:
        entry = inspection.draft.get(item.code) or {}
        result = entry.get("result")
        if not result:
            if item.required:
                missing.append(item)
            continue
        if result != Result.FAIL:
            continue
        errs = problems.setdefault(item.code, [])
        if item.fail_reasons and not entry.get("reason"):
            errs.append(_("Pick the reason it failed."))
        if item.photo_required_on_fail and not photos.get((item.pk, F)):
            errs.append(_("A photo of the problem is required."))
        if entry.get("fixed") and not photos.get((item.pk, A)):
            errs.append(_("Fixed on the spot needs a photo taken after fixing."))
    for item in missing:
        problems.setdefault(item.code, []).append(_("Answer this item (pass, fail or not applicable)."))
    if missing:
        problems.setdefault("", []).insert(0, _("%(n)s required item(s) are not answered yet.") % {"n": len(missing)})
    for code in [c for c, v in problems.items() if not v]:
        del problems[code]


def _location_flag(grid: Region, latitude, longitude) -> tuple[str, int | None]:
    if latitude is None or longitude is None:
        return Inspection.LocationFlag.MISSING, None
    if not grid.boundary or geo.contains_point(grid.boundary, longitude, latitude):
        return Inspection.LocationFlag.NONE, None
    distance = _distance_to_boundary_m(grid.boundary, latitude, longitude)
    if distance > FAR_OUTSIDE_GRID_M:
        return Inspection.LocationFlag.FAR, int(distance)
    return Inspection.LocationFlag.NONE, int(distance)


def _distance_to_boundary_m(boundary: dict, lat: float, lng: float) -> float:
    """Metres from a point outside a (small) polygon to its nearest edge, on a local flat projection."""
    kx = 111_320.0 * math.cos(math.radians(lat))
    ky = 110_540.0
    best = math.inf
    for ring in (poly[0] for poly in geo.polygons(boundary)):
        for (x1, y1), (x2, y2) in zip(ring, ring[1:]):
            ax, ay = (x1 - lng) * kx, (y1 - lat) * ky
            bx, by_ = (x2 - lng) * kx, (y2 - lat) * ky
            dx, dy = bx - ax, by_ - ay
            seg2 = dx * dx + dy * dy
            t = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / seg2))
            best = min(best, math.hypot(ax + t * dx, ay + t * dy))
    return best


def _write_answers(inspection: Inspection, items, photos, *, inspector, at) -> None:
    """Answers in one INSERT; failed items' cases through cases.batch (a fixed number of queries)."""
    from cases.batch import case_report_batch
    from cases.models import Case, CaseAttachment, Urgency

    place = inspection.place
    lat = place.latitude if place.latitude is not None else (inspection.latitude or inspection.grid.centre_lat)
    lng = place.longitude if place.longitude is not None else (inspection.longitude or inspection.grid.centre_lng)
    answers, case_items, failed = [], [], []
    counts = {Result.PASS: 0, Result.FAIL: 0, Result.NA: 0}
    for item in items:
        entry = inspection.draft.get(item.code) or {}
        result = entry.get("result")
        if not result:
            continue
        counts[result] += 1
        answer = Answer(
            inspection=inspection, item=item, result=result, fail_reason=entry.get("reason", ""), remark=entry.get("remark", ""),
            fixed_on_spot=bool(entry.get("fixed")), department_id=item.department_id, region_path=inspection.region_path, submitted_at=at,
        )
        answers.append(answer)
        if result != Result.FAIL:
            continue
        evidence = []
        for stage, case_stage in ((InspectionPhoto.Stage.FAIL, CaseAttachment.Stage.BEFORE if answer.fixed_on_spot else CaseAttachment.Stage.REPORT),
                                  (InspectionPhoto.Stage.AFTER, CaseAttachment.Stage.AFTER)):
            for photo in photos.get((item.pk, stage), []):
                evidence.append({
                    "stage": case_stage, "file": photo.file.name, "thumbnail": photo.thumbnail.name, "sha256": photo.sha256,
                    "width": photo.width, "height": photo.height, "size": photo.size, "latitude": photo.latitude,
                    "longitude": photo.longitude, "taken_at": photo.taken_at,
                })
        description = f"{item.title}：{answer.fail_reason}" if answer.fail_reason else item.title
        if answer.remark:
            description += f"。{answer.remark}"
        case_items.append({
            "client_uuid": uuid.uuid5(inspection.client_uuid, item.code),
            "category": item.category,
            "description": description,
            "latitude": lat,
            "longitude": lng,
            "grid": inspection.grid,
            "address": place.address,
            "place_name": place.name,
            # A high-severity failure is urgent whatever the category's default.
            "urgency": Urgency.URGENT if item.severity == Severity.HIGH else None,
            "self_handled": answer.fixed_on_spot,
            "self_handle_note": answer.remark,
            "evidence": evidence,
            "data": {"inspection": str(inspection.client_uuid), "item": item.code, "version": inspection.version.label},
        })
        failed.append(answer)
    if case_items:
        cases = case_report_batch(reporter=inspector, items=case_items, source=Case.Source.INSPECTION)
        for answer, case in zip(failed, cases):
            answer.case = case
    Answer.objects.bulk_create(answers)
    inspection.pass_count, inspection.fail_count, inspection.na_count = counts[Result.PASS], counts[Result.FAIL], counts[Result.NA]
