"""Reads of the inspections app. Everything region-bound goes through grids.scoping.scope.

The checklist itself (versions, items, scenes) is district-wide reference data, like
case categories: it is not region-scoped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.paginator import Paginator
from django.db.models import Count, F, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grids.need_to_know import case_visible, department_unit_ids
from grids.scoping import get_in_scope_or_404, scope

from . import xlsform
from .models import Answer, ChecklistItem, ChecklistVersion, Inspection, InspectionPhoto, Place, PlaceType, Result, Scene

DUE_AFTER_DAYS = 30  # the interval of places that are not a rated enterprise (credit.policy "unrated"; shown on the page)


# =========================================================================== checklist

def published_version() -> ChecklistVersion | None:
    """The version new inspections use (at most one is published)."""
    return ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()


def scene_for_place_type(*, version: ChecklistVersion, place_type: str) -> Scene | None:
    """The version's full scene for a kind of place: its type scene, or 综合巡查 if that lists the type."""
    scenes = [s for s in version.scenes.all() if place_type in s.place_types and s.kind != Scene.Kind.SHORT]
    return next((s for s in scenes if s.kind == Scene.Kind.TYPE), None) or (scenes[0] if scenes else None)


@dataclass
class SceneOption:
    """One list a worker may start at a place: its short list, its full list, 综合巡查."""

    scene: Scene
    item_count: int
    is_default: bool = False

    @property
    def kind(self) -> str:
        return self.scene.kind


def scene_options(*, version: ChecklistVersion, place_type: str) -> list[SceneOption]:
    """The lists offered at a kind of place, the default first (one query).

    The short list of the type (the default where there is one), the full list of the type,
    then 综合巡查 (every item), offered at every place. A type without a scene of its own
    gets 综合巡查 as its default.
    """
    scenes = list(version.scenes.annotate(item_count=Count("items")).order_by("order", "id"))
    short = next((s for s in scenes if s.kind == Scene.Kind.SHORT and place_type in s.place_types), None)
    full = next((s for s in scenes if s.kind == Scene.Kind.TYPE and place_type in s.place_types), None)
    everything = next((s for s in scenes if s.kind == Scene.Kind.ALL), None)
    chosen = [s for s in (short, full, everything) if s is not None]
    options = [SceneOption(scene=s, item_count=s.item_count) for s in chosen]
    if options:
        options[0].is_default = True
    return options


def default_scene(*, version: ChecklistVersion, place_type: str) -> Scene | None:
    """The list one tap on "Inspect" starts: the type's short list, else its full list, else 综合巡查."""
    options = scene_options(version=version, place_type=place_type)
    return options[0].scene if options else None


def checklist_versions() -> QuerySet[ChecklistVersion]:
    return ChecklistVersion.objects.annotate(item_count=Count("items", distinct=True)).order_by("-created_at", "-id")


def checklist_version_get(*, pk: int) -> ChecklistVersion:
    version = ChecklistVersion.objects.filter(pk=pk).first()
    if version is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return version


def checklist_sections(*, version: ChecklistVersion, items: QuerySet | None = None) -> list[tuple[object, list[ChecklistItem]]]:
    """Items grouped by department, in checklist order (one query)."""
    items = items if items is not None else version.items.all()
    sections: list[tuple[object, list[ChecklistItem]]] = []
    for item in items.select_related("department", "category").order_by("order", "id"):
        if not sections or sections[-1][0].pk != item.department_id:
            sections.append((item.department, []))
        sections[-1][1].append(item)
    return sections


def scene_list(*, version: ChecklistVersion) -> QuerySet[Scene]:
    return version.scenes.annotate(item_count=Count("items")).order_by("order", "id")


def scene_get(*, version: ChecklistVersion, code: str) -> Scene:
    scene = version.scenes.filter(code=code).first()
    if scene is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return scene


def checklist_spec(*, version: ChecklistVersion) -> dict:
    """The version as a spec dict (the checklist.json shape), in three queries."""
    scenes = list(version.scenes.order_by("order", "id"))
    Through = Scene.items.through
    scenes_of: dict[int, list[str]] = {}
    scene_code = {s.pk: s.code for s in scenes}
    for row in Through.objects.filter(scene__version=version).order_by("scene__order", "scene_id"):
        scenes_of.setdefault(row.checklistitem_id, []).append(scene_code[row.scene_id])
    items = []
    for item in version.items.select_related("department", "category").order_by("order", "id"):
        items.append({
            "code": item.code, "department": item.department.code, "category": item.category.code, "title": item.title,
            "severity": item.severity, "legal_basis": item.legal_basis, "guidance": item.guidance,
            "fail_reasons": list(item.fail_reasons), "photo_required_on_fail": item.photo_required_on_fail,
            "on_discovery": item.on_discovery, "required": item.required, "scenes": scenes_of.get(item.pk, []),
        })
    return {
        "version": version.label,
        "title": version.title,
        "scenes": [{"code": s.code, "name": s.name, "kind": s.kind, "place_types": list(s.place_types)} for s in scenes],
        "items": items,
    }


def checklist_export_xlsx(*, version: ChecklistVersion) -> bytes:
    from dispatch.models import Department

    spec = checklist_spec(version=version)
    names = dict(Department.objects.filter(parent__isnull=True).values_list("code", "short_name"))
    labels = {
        "pass": str(Result.PASS.label), "fail": str(Result.FAIL.label), "na": str(Result.NA.label),
        "reason": _("Reason for failure"), "photo": _("Photo of the problem"), "remark": _("Remark"),
        "location": _("Location"), "language": "zh", "departments": names,
    }
    return xlsform.build_workbook(spec, labels=labels)


# =========================================================================== places

def place_queryset(*, user) -> QuerySet[Place]:
    return scope(Place.objects.all(), user)


def place_list(*, user, q: str = "", grid_code: str = "", place_type: str = "") -> QuerySet[Place]:
    qs = place_queryset(user=user).select_related("grid").annotate(
        last_inspected_at=Max("inspections__submitted_at", filter=Q(inspections__status=Inspection.Status.SUBMITTED)),
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(address__icontains=q))
    if grid_code:
        qs = qs.filter(grid__code=grid_code)
    if place_type:
        qs = qs.filter(place_type=place_type)
    return qs.order_by("name", "id")


def with_last_inspection(qs: QuerySet[Place]) -> QuerySet[Place]:
    """Each place with its latest submitted inspection's id and failures (``last_inspection_uuid``,
    ``last_fail_count``): the 复查 button of the place's card (subqueries, no extra round trip)."""
    latest = Inspection.objects.filter(place=OuterRef("pk"), status=Inspection.Status.SUBMITTED).order_by("-submitted_at", "-id")
    return qs.annotate(
        last_inspection_uuid=Subquery(latest.values("client_uuid")[:1]),
        last_fail_count=Subquery(latest.values("fail_count")[:1]),
    )


MOBILE_PAGE = 20


@dataclass
class MobilePlaces:
    """The phone's place list: the due places first, then the others (paged), of one type or all."""

    due: list
    others: object  # a Paginator page
    types: list  # [(value, label, count)] of the types in the worker's grids
    place_type: str

    @property
    def total(self) -> int:
        return sum(n for _v, _l, n in self.types)

    @property
    def remaining(self) -> int:
        """Places after this page (the "show more" button)."""
        return self.others.paginator.count - self.others.end_index()


def mobile_places(*, user, place_type: str = "", page=1) -> MobilePlaces:
    """Every place in the worker's grid(s), due first: a place that is not due is one tap away too.

    Constant queries: the type counts, the due places, the others' count and page.
    """
    labels = dict(PlaceType.choices)
    counts = dict(place_queryset(user=user).order_by().values_list("place_type").annotate(n=Count("id")))
    types = [(value, label, counts[value]) for value, label in labels.items() if counts.get(value)]
    if place_type not in labels:
        place_type = ""
    due = places_due(user=user, place_type=place_type)
    # The others: not due, or due beyond the first 20 (they are not lost), by name.
    others = with_last_inspection(place_list(user=user, place_type=place_type)).exclude(pk__in=[p.pk for p in due])
    others_page = Paginator(others, MOBILE_PAGE).get_page(page)
    return MobilePlaces(due=due if others_page.number == 1 else [], others=others_page, types=types, place_type=place_type)


def place_get_for_user(*, user, pk: int) -> Place:
    return get_in_scope_or_404(Place.objects.select_related("grid", "grid__parent"), user, pk=pk)


# Which places fall due is a policy another capability may own: by default a place is due
# DUE_AFTER_DAYS after its last inspection; credit replaces that with the interval of the colour
# of the enterprise at the place (credit/apps.py registers credit.selectors.due_places), so that
# inspections, on the floor below, never imports credit.
_due_policy = None


def set_due_policy(policy) -> None:
    """``policy(places, limit=)`` → the due places of a scoped, annotated queryset, in order."""
    global _due_policy
    _due_policy = policy


def _due_after_fixed_days(places: QuerySet[Place], *, limit: int | None = 20) -> list[Place]:
    cutoff = timezone.now() - dt.timedelta(days=DUE_AFTER_DAYS)
    qs = places.filter(Q(last_inspected_at__isnull=True) | Q(last_inspected_at__lt=cutoff))
    return list(qs.order_by(F("last_inspected_at").asc(nulls_first=True), "name")[:limit])


def places_due(*, user, limit: int = 20, place_type: str = "") -> list[Place]:
    """Places in the user's grid(s) due for inspection, most overdue first (never inspected first).

    With credit installed the interval is set by the colour of the enterprise at the place
    (green 90 / yellow 30 / red 7 days; other places 30) and each place carries
    ``credit_colour`` and ``days_overdue``. Each also carries its latest inspection's
    failures (``with_last_inspection``)."""
    places = with_last_inspection(place_list(user=user, place_type=place_type))
    return (_due_policy or _due_after_fixed_days)(places, limit=limit)


def place_start(*, user, place: Place) -> dict:
    """What the phone's place page offers: the lists to start (default first), 复查 of the latest
    inspection's failures, the worker's open draft here, and the latest inspections."""
    version = published_version()
    recent = list(
        scope(place.inspections.filter(status=Inspection.Status.SUBMITTED), user)
        .select_related("scene", "inspector__profile").order_by("-submitted_at", "-id")[:5]
    )
    draft = Inspection.objects.filter(inspector=user, place=place, status=Inspection.Status.DRAFT).select_related("scene").first()
    return {
        "options": scene_options(version=version, place_type=place.place_type) if version else [],
        "recent": recent,
        "last": recent[0] if recent else None,
        "draft": draft,
    }


@dataclass
class DepartmentRate:
    department: str
    passed: int
    failed: int
    na: int

    @property
    def rate(self) -> float | None:
        judged = self.passed + self.failed
        return round(100 * self.passed / judged, 1) if judged else None


def place_history(*, user, place: Place) -> dict:
    """A place's past inspections (newest first) and its pass rate per department."""
    inspections = list(
        scope(place.inspections.filter(status=Inspection.Status.SUBMITTED), user)
        .select_related("inspector__profile", "scene", "version")
        .order_by("-submitted_at", "-id")[:100]
    )
    rows = (
        scope(Answer.objects.filter(inspection__place=place), user)
        .values("department__short_name", "department__code")
        .annotate(
            passed=Count("id", filter=Q(result=Result.PASS)),
            failed=Count("id", filter=Q(result=Result.FAIL)),
            na=Count("id", filter=Q(result=Result.NA)),
        )
        .order_by("department__code")
    )
    rates = [DepartmentRate(r["department__short_name"], r["passed"], r["failed"], r["na"]) for r in rows]
    return {"inspections": inspections, "rates": rates}


# =========================================================================== inspections

def inspection_list(*, user, filters: dict | None = None) -> QuerySet[Inspection]:
    filters = filters or {}
    qs = scope(Inspection.objects.filter(status=Inspection.Status.SUBMITTED), user).select_related(
        "place", "scene", "grid", "inspector__profile"
    )
    if grid := filters.get("grid"):
        qs = qs.filter(grid__code=grid)
    if filters.get("flagged"):
        qs = qs.exclude(location_flag="")
    return qs.order_by("-submitted_at", "-id")


def inspection_get_for_user(*, user, client_uuid) -> Inspection:
    """A submitted inspection in the user's jurisdiction, or the user's own draft; else 404."""
    qs = Inspection.objects.select_related("place", "scene", "version", "grid", "inspector__profile", "previous")
    inspection = scope(qs, user).filter(client_uuid=client_uuid).first()
    if inspection is None or (inspection.is_draft and inspection.inspector_id != user.pk):
        raise Http404(_("Not found, or outside your jurisdiction."))
    return inspection


def reinspections_of(*, user, inspection: Inspection) -> list[Inspection]:
    """The submitted re-inspections (复查) of an inspection, oldest first."""
    return list(scope(inspection.reinspections.filter(status=Inspection.Status.SUBMITTED), user).order_by("submitted_at", "id"))


def drafts_for(*, user) -> QuerySet[Inspection]:
    return scope(Inspection.objects.filter(inspector=user, status=Inspection.Status.DRAFT), user).select_related("place", "scene").order_by("-updated_at")


@dataclass
class ItemRow:
    item: ChecklistItem
    entry: dict
    photos: list = field(default_factory=list)
    after_photos: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    before: Answer | None = None  # 复查: the failed answer of the inspection re-inspected

    @property
    def result(self) -> str:
        return self.entry.get("result", "")


@dataclass
class FormSection:
    department: object
    rows: list[ItemRow]

    @property
    def answered(self) -> int:
        return sum(1 for r in self.rows if r.result)

    @property
    def has_errors(self) -> bool:
        return any(r.errors for r in self.rows)


def inspection_form(*, inspection: Inspection, problems: dict | None = None) -> dict:
    """What the mobile form shows: the scene's items by department with the draft's answers and photos.

    Two queries whatever the number of items: the scene's items (with departments),
    and the draft's photos.
    """
    problems = problems or {}
    photos: dict[tuple[int, str], list[InspectionPhoto]] = {}
    items = list(inspection.checklist_items().select_related("department").order_by("order", "id"))
    # 复查: what each item's failure was last time (one more query, only for a re-inspection).
    before = {}
    if inspection.previous_id:
        before = {a.item.code: a for a in Answer.objects.filter(inspection_id=inspection.previous_id, result=Result.FAIL).select_related("item")}
    for photo in inspection.photos.all() if inspection.pk else ():  # a blank form (no signal) has none
        photos.setdefault((photo.item_id, photo.stage), []).append(photo)
    sections: list[FormSection] = []
    answered = 0
    for item in items:
        entry = inspection.draft.get(item.code) or {}
        row = ItemRow(
            item=item, entry=entry, photos=photos.get((item.pk, InspectionPhoto.Stage.FAIL), []),
            after_photos=photos.get((item.pk, InspectionPhoto.Stage.AFTER), []), errors=problems.get(item.code, []),
            before=before.get(item.code),
        )
        if row.result:
            answered += 1
        if not sections or sections[-1].department.pk != item.department_id:
            sections.append(FormSection(item.department, []))
        sections[-1].rows.append(row)
    return {"sections": sections, "answered": answered, "total": len(items), "rest": len(items) - answered,
            "form_errors": problems.get("", [])}


BLANK_UUID = "00000000-0000-4000-8000-000000000000"


def inspection_blank(*, user, place: Place, scene_code: str) -> Inspection:
    """An unsaved draft of `place` with the list `scene_code` (one the place page offers), for the
    copy of the checklist form kept on the phone: started without a signal, its start is queued with
    a client UUID the page puts in place of ``BLANK_UUID``. Nothing is written. 404 when the list is
    not offered here (or nothing is published)."""
    version = published_version()
    options = scene_options(version=version, place_type=place.place_type) if version else []
    scene = next((o.scene for o in options if o.scene.code == scene_code), None)
    if scene is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return Inspection(place=place, grid_id=place.grid_id, scene=scene, version=version, inspector=user, client_uuid=BLANK_UUID)


def inspection_item_row(*, inspection: Inspection, item: ChecklistItem, errors=None) -> ItemRow:
    photos = list(inspection.photos.filter(item=item))
    before = None
    if inspection.previous_id:
        before = Answer.objects.filter(inspection_id=inspection.previous_id, item__code=item.code, result=Result.FAIL).first()
    return ItemRow(
        item=item, entry=inspection.draft.get(item.code) or {},
        photos=[p for p in photos if p.stage == InspectionPhoto.Stage.FAIL],
        after_photos=[p for p in photos if p.stage == InspectionPhoto.Stage.AFTER], errors=errors or [], before=before,
    )


def inspection_progress(*, inspection: Inspection) -> tuple[int, int]:
    total = inspection.checklist_items().count()
    return sum(1 for e in inspection.draft.values() if e.get("result")), total


def inspection_answers(*, inspection: Inspection, user=None) -> list[tuple[object, list[Answer]]]:
    """A submitted inspection's answers by department, with the wording they were answered against.

    The cases the answers raised are shown only when the user may see them (need-to-know:
    department staff see their own unit's cases, not the numbers of other departments')."""
    photos: dict[int, list[InspectionPhoto]] = {}
    for photo in inspection.photos.all():
        photos.setdefault(photo.item_id, []).append(photo)
    sections: list[tuple[object, list[Answer]]] = []
    for answer in inspection.answers.select_related("item", "item__department", "case").order_by("item__order", "id"):
        answer.photo_list = photos.get(answer.item_id, [])
        if answer.case_id and user is not None and not case_visible(answer.case, user):
            answer.case = None
        if not sections or sections[-1][0].pk != answer.item.department_id:
            sections.append((answer.item.department, []))
        sections[-1][1].append(answer)
    return sections


def photo_get_for_user(*, user, pk: int) -> InspectionPhoto:
    photo = get_in_scope_or_404(InspectionPhoto.objects.select_related("inspection"), user, pk=pk)
    if photo.inspection.is_draft and photo.inspection.inspector_id != user.pk:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return photo


# =========================================================================== 一次采集、多方利用

def user_department(user):
    """The district department whose items a department user reads (a street unit reads its parent's)."""
    profile = getattr(user, "profile", None)
    dept = getattr(profile, "department", None)
    if dept is None:
        return None
    return dept.parent if dept.parent_id else dept


def department_answers(*, user, department, filters: dict | None = None) -> QuerySet[Answer]:
    """Answers to `department`'s items in the user's jurisdiction, newest first, filtered."""
    filters = filters or {}
    qs = scope(Answer.objects.filter(department=department), user)
    if grid := filters.get("grid"):
        qs = qs.filter(region_path__startswith=grid.path)
    if scene := filters.get("scene"):
        qs = qs.filter(inspection__scene__code=scene)
    if item := filters.get("item"):
        qs = qs.filter(item__code=item)
    if result := filters.get("result"):
        qs = qs.filter(result=result)
    if date_from := filters.get("date_from"):
        qs = qs.filter(submitted_at__gte=_day_start(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(submitted_at__lt=_day_start(date_to + dt.timedelta(days=1)))
    return qs.order_by("-submitted_at", "-id")


def department_answer_page_rows(qs: QuerySet[Answer]) -> QuerySet[Answer]:
    return qs.select_related("item", "inspection__place", "inspection__scene", "inspection__grid", "case")


def hide_cases_not_known(answers, *, user):
    """Blank the raised case on answers whose case the user may not see (need-to-know)."""
    for answer in answers:
        if answer.case_id and not case_visible(answer.case, user):
            answer.case = None
    return answers


def department_summary(qs: QuerySet[Answer]) -> dict:
    return qs.order_by().aggregate(
        total=Count("id"), passed=Count("id", filter=Q(result=Result.PASS)),
        failed=Count("id", filter=Q(result=Result.FAIL)), na=Count("id", filter=Q(result=Result.NA)),
    )


def department_items(*, department) -> QuerySet[ChecklistItem]:
    """The department's items in the published version (the item filter's choices)."""
    return ChecklistItem.objects.filter(department=department, version__status=ChecklistVersion.Status.PUBLISHED).order_by("order", "id")


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def department_export_rows(qs: QuerySet[Answer], *, user=None) -> Iterator[tuple]:
    """Rows for the .xlsx export, read in chunks from the database (never all in memory).
    A raised case's number is left out when the user may not see that case (need-to-know)."""
    units = department_unit_ids(user) if user is not None else None
    rows = qs.values_list(
        "id", "submitted_at", "inspection__grid__name", "inspection__place__name", "inspection__place__address",
        "inspection__scene__name", "item__code", "item__title", "result", "fail_reason", "remark", "fixed_on_spot",
        "case__number", "inspection__inspector__profile__full_name", "case__department_id",
    )
    labels = dict(Result.choices)
    tz = timezone.get_current_timezone()
    for row in rows.iterator(chunk_size=2000):
        (pk, at, grid, place, address, scene, code, title, result, reason, remark, fixed, number, inspector, case_department) = row
        if number and units is not None and case_department not in units:
            number = ""
        yield pk, (
            timezone.localtime(at, tz).strftime("%Y-%m-%d %H:%M"), grid, place, address, scene, code, title,
            str(labels.get(result, result)), reason, remark, _("Yes") if fixed else "", number or "", inspector or "",
        )


def place_type_choices():
    return PlaceType.choices
