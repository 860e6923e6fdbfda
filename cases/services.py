"""Writes to cases. Every change of state goes through ``case_transition``, which
checks who may act, locks the row, refuses stale forms, and appends an event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grids.scoping import path_in_scope
from grids.selectors import grid_for_point

from . import evidence, routing
from .models import Case, CaseAttachment, CaseCategory, CaseEvent, DailyCounter, PendingUpload, Urgency
from .workflow import OFFICERS, REPORTER, SYSTEM, TRANSITIONS, Transition

S = Case.Status
TRUSTED_SOURCES = {Case.Source.GRID_WORKER, Case.Source.INSPECTION, Case.Source.HOTLINE}


class CaseActionError(ValidationError):
    """An action that is not allowed (wrong state, wrong role, missing input)."""


class CaseConflict(CaseActionError):
    """Someone else changed the case since the user loaded it."""


@dataclass(frozen=True)
class Upload:
    """A file to attach: the uploaded file object and its kind (photo/video)."""

    file: object
    kind: str = CaseAttachment.Kind.PHOTO


@dataclass(frozen=True)
class CheckedEvidence:
    kind: str
    name: str
    content: bytes
    thumbnail: bytes
    sha256: str
    width: int | None = None
    height: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    taken_at: dt.datetime | None = None


# --- evidence --------------------------------------------------------------------------------

def evidence_check(*, uploads: Iterable[Upload]) -> list[CheckedEvidence]:
    """Validate and re-encode every upload before anything is written (raises EvidenceError)."""
    checked = []
    for up in uploads:
        if up.kind == CaseAttachment.Kind.VIDEO:
            video = evidence.check_video(up.file, max_bytes=settings.EVIDENCE_MAX_VIDEO_MB * 1024 * 1024)
            up.file.seek(0)
            checked.append(CheckedEvidence(kind=up.kind, name=f"{video.sha256[:16]}.{video.container}", content=up.file.read(), thumbnail=b"", sha256=video.sha256))
        else:
            image = evidence.process_image(up.file, max_bytes=settings.EVIDENCE_MAX_IMAGE_MB * 1024 * 1024)
            checked.append(CheckedEvidence(
                kind=CaseAttachment.Kind.PHOTO, name=f"{image.sha256[:16]}.jpg", content=image.content, thumbnail=image.thumbnail,
                sha256=image.sha256, width=image.width, height=image.height, latitude=image.latitude, longitude=image.longitude, taken_at=image.taken_at,
            ))
    return checked


def _attach(*, case: Case, event: CaseEvent | None, items: Sequence[CheckedEvidence], stage: str, by) -> list[CaseAttachment]:
    saved = []
    if not items:
        return saved
    existing = set(case.attachments.filter(stage=stage).values_list("sha256", flat=True))
    for item in items:
        if item.sha256 in existing:  # the same photo sent twice (a retry) is stored once
            continue
        existing.add(item.sha256)
        att = CaseAttachment(
            case=case, event=event, kind=item.kind, stage=stage, sha256=item.sha256, width=item.width, height=item.height,
            size=len(item.content), latitude=item.latitude, longitude=item.longitude, taken_at=item.taken_at, uploaded_by=by,
        )
        att.file.save(f"{stage}-{item.name}", ContentFile(item.content), save=False)
        if item.thumbnail:
            att.thumbnail.save(f"{stage}-thumb-{item.name}", ContentFile(item.thumbnail), save=False)
        att.save()
        saved.append(att)
    return saved


# --- numbering -------------------------------------------------------------------------------

def _next_number(*, district_code: str, day: dt.date) -> str:
    """Allocate the next number of the day in ONE statement (an upsert that locks the
    counter row until the transaction ends, so concurrent reports never share a number)."""
    key = f"{district_code}-{day:%Y%m%d}"
    table = connection.ops.quote_name(DailyCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, value) VALUES (%s, 1) "
            f"ON CONFLICT (key) DO UPDATE SET value = {table}.value + 1 RETURNING value",
            [key],
        )
        (value,) = cursor.fetchone()
    return f"{key}-{value:05d}"


# --- reporting -------------------------------------------------------------------------------

def case_report(
    *,
    reporter,
    client_uuid,
    category: CaseCategory,
    description: str,
    latitude: float,
    longitude: float,
    address: str = "",
    source: str = Case.Source.GRID_WORKER,
    urgency: str | None = None,
    uploads: Iterable[Upload] = (),
    checked: Sequence[CheckedEvidence] | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    place_name: str = "",
    grid=None,
) -> tuple[Case, bool]:
    """Report a case; idempotent by ``client_uuid`` (a retry returns the first case).

    Returns ``(case, created)``. Trusted sources (grid workers, inspections,
    hotline staff) are registered and routed at once; volunteer, public and API
    reports wait for triage by the village.
    """
    existing = Case.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _replayed(existing, reporter), False
    return _case_report_new(
        reporter=reporter, client_uuid=client_uuid, category=category, description=description, latitude=latitude,
        longitude=longitude, address=address, source=source, urgency=urgency, uploads=uploads, checked=checked,
        reporter_name=reporter_name, reporter_phone=reporter_phone, place_name=place_name, grid=grid,
    )


def _case_report_new(
    *, reporter, client_uuid, category, description, latitude, longitude, address, source, urgency, uploads, checked,
    reporter_name, reporter_phone, place_name, grid,
) -> tuple[Case, bool]:
    """case_report once the caller has looked for an existing case with this UUID (a race
    that slips past that look is caught by the unique constraint)."""
    if category is None or category.is_major or not category.is_active:
        raise CaseActionError(_("Choose a case category (a sub-class, not a major class)."), code="category")
    if not description or not description.strip():
        raise CaseActionError(_("Describe the problem."), code="description")
    grid = grid or _resolve_grid(latitude=latitude, longitude=longitude)
    if checked is None:
        checked = evidence_check(uploads=uploads)
    location_flag = _photo_location_flag(items=checked, latitude=latitude, longitude=longitude)
    # The first step after the report comes from the transition table like every other
    # step; it is applied to the row before it is inserted (one INSERT, not INSERT+UPDATE).
    first = TRANSITIONS["register" if source in TRUSTED_SOURCES else "triage"]
    if S.REPORTED not in first.sources or SYSTEM not in first.roles:  # the table is the authority
        raise CaseActionError(_("Unknown action."), code="unknown_action")
    now = timezone.now()
    try:
        with transaction.atomic():
            case = Case(
                number=_next_number(district_code=_district_code(grid), day=timezone.localdate(now)),
                client_uuid=client_uuid,
                source=source,
                category=category,
                description=description.strip(),
                urgency=urgency or category.default_urgency,
                latitude=latitude,
                longitude=longitude,
                address=address,
                grid=grid,
                region_path=grid.path,
                reporter=reporter if getattr(reporter, "is_authenticated", False) else None,
                reporter_name=reporter_name or _display_name(reporter),
                reporter_phone=reporter_phone,
                place_name=place_name,
                location_flag=location_flag,
                status=first.target,
                version=2,  # the report, then the first transition: one version per status change
            )
            if first.target == S.REGISTERED:
                case.registered_at = now
                for name, value in routing.route(case, now=now).items():
                    setattr(case, name, value)
            case.save(force_insert=True)
            report_event, _first_event = CaseEvent.objects.bulk_create([
                _event_row(case=case, actor=reporter, action="report", from_status="", to_status=S.REPORTED, label=reporter_name),
                _event_row(case=case, actor=None, action=first.action, from_status=S.REPORTED, to_status=first.target),
            ])
            _attach(case=case, event=report_event, items=checked, stage=CaseAttachment.Stage.REPORT, by=case.reporter)
    except IntegrityError:
        existing = Case.objects.filter(client_uuid=client_uuid).first()
        if existing is None:
            raise
        return _replayed(existing, reporter), False
    return case, True


def _replayed(existing: Case, reporter) -> Case:
    """A retry of a submission returns its case, but only to the person who sent it."""
    reporter_id = getattr(reporter, "pk", None) if getattr(reporter, "is_authenticated", False) else None
    if existing.reporter_id != reporter_id:
        raise CaseActionError(_("This form was already submitted by someone else. Open a new report form."), code="uuid_taken")
    return existing


# A photo whose EXIF position is further than this from the reported point is flagged.
PHOTO_DISTANCE_FLAG_M = 500


def _photo_location_flag(*, items: Sequence[CheckedEvidence], latitude: float, longitude: float) -> str:
    """A note for the case page when a photo was taken far from the reported place."""
    from grids.geo import distance_m

    distances = [
        distance_m(latitude, longitude, item.latitude, item.longitude)
        for item in items if item.latitude is not None and item.longitude is not None
    ]
    if not distances or max(distances) <= PHOTO_DISTANCE_FLAG_M:
        return ""
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the deployment's language
        return _("A photo was taken %(m)s m from the reported place.") % {"m": f"{max(distances):,.0f}"}


def _stored(message, **params) -> str:
    """A text stored on the case (not shown once): in the deployment's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(message) % params


def _resolve_grid(*, latitude: float, longitude: float):
    if latitude is None or longitude is None:
        raise CaseActionError(_("The location is missing: allow location access or pick the place on the map."), code="location")
    # The district is the root of the tree, so its path is its code (no query needed).
    grid = grid_for_point(lat=latitude, lng=longitude, within_path=f"{settings.ECOGRID_DISTRICT_CODE}/")
    if grid is None:
        raise CaseActionError(
            _("The location (%(lat).5f, %(lng).5f) is outside the district's grids.") % {"lat": latitude, "lng": longitude},
            code="location",
        )
    return grid


def _district_code(grid) -> str:
    return grid.path.split("/", 1)[0]


def _display_name(user) -> str:
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.full_name
    return getattr(user, "username", "") or ""


def _event_row(*, case, actor, action, from_status, to_status, note="", data=None, label="") -> CaseEvent:
    """An unsaved event (for bulk_create); CaseEvent.at is auto_now_add, set on insert."""
    return CaseEvent(
        case=case,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_label=label or (_display_name(actor) if actor is not None else _("System")),
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _event(*, case, actor, action, from_status, to_status, note="", data=None, label="") -> CaseEvent:
    event = _event_row(case=case, actor=actor, action=action, from_status=from_status, to_status=to_status, note=note, data=data, label=label)
    event.save(force_insert=True)
    return event


# --- transitions -----------------------------------------------------------------------------

def actor_roles(*, case: Case, actor) -> set[str]:
    """The roles `actor` holds *for this case* (system, reporter, plus their staff role)."""
    if actor is None:
        return {SYSTEM}
    roles = set()
    if case.reporter_id and case.reporter_id == getattr(actor, "pk", None):
        roles.add(REPORTER)
    profile = getattr(actor, "profile", None)
    if profile is not None:
        roles.add(profile.role)
    if getattr(actor, "is_superuser", False):
        roles.add("administrator")
    return roles


def check_case_action(*, case: Case, action: str, actor) -> Transition:
    """Raise CaseActionError unless `actor` may perform `action` on `case` now."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise CaseActionError(_("Unknown action."), code="unknown_action")
    if case.status not in transition.sources:
        raise CaseActionError(
            _("This case is now “%(status)s”, so “%(action)s” is not possible.")
            % {"status": Case.Status(case.status).label, "action": transition.label},
            code="illegal_transition",
        )
    roles = actor_roles(case=case, actor=actor)
    if not roles & transition.roles:
        raise CaseActionError(_("Your role may not “%(action)s” this case.") % {"action": transition.label}, code="role")
    if actor is None:
        return transition
    # Jurisdiction: staff act only inside their scope (the reporter may act on their own case).
    verb = "dispatch" if roles & OFFICERS and action in {"dispatch", "reassign", "reopen", "close"} else "view"
    if REPORTER not in roles and not path_in_scope(actor, case.region_path, verb=verb):
        raise CaseActionError(_("This case is outside your jurisdiction."), code="scope")
    if "department_staff" in roles and action in {"accept", "return", "handle"}:
        dept = actor.profile.department
        if case.department_id is None or (case.department_id != dept.pk and case.department.parent_id != dept.pk):
            raise CaseActionError(_("This case is not assigned to your department."), code="department")
    if action == "self_handle" and not case.category.on_discovery:
        raise CaseActionError(_("This category cannot be handled on the spot; it must be dispatched."), code="not_on_discovery")
    return transition


def case_lock(*, case: Case, expected_version: int | None = None) -> Case:
    """Re-read `case` under a row lock (inside the caller's transaction); refuse a stale form.

    `expected_version` is the version the user's page showed: if the case changed
    since, the user is told instead of silently overwriting someone else's step.
    """
    locked = Case.objects.select_for_update(of=("self",)).select_related("category", "department").get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise CaseConflict(
            _("Case %(number)s was changed by someone else while you were working on it (it is now “%(status)s”). Reload it and try again.")
            % {"number": locked.number, "status": Case.Status(locked.status).label},
            code="conflict",
        )
    return locked


def case_transition(
    *,
    case: Case,
    action: str,
    actor,
    expected_version: int | None = None,
    note: str = "",
    data: dict | None = None,
    updates: dict | None = None,
    evidence_items: Sequence[CheckedEvidence] = (),
    evidence_stage: str = CaseAttachment.Stage.HANDLING,
) -> Case:
    """Apply one transition from the table, under a row lock, and append its event.

    `expected_version` is the version the user's form was rendered from: if the
    case changed since, the user is told instead of silently overwriting.
    `updates` are extra fields the caller's service sets (department, deadlines …).
    """
    with transaction.atomic():
        locked = case_lock(case=case, expected_version=expected_version)
        transition = check_case_action(case=locked, action=action, actor=actor)
        if transition.needs_note and not note.strip():
            raise CaseActionError(_("Give a reason for “%(action)s”.") % {"action": transition.label}, code="note_required")
        from_status = locked.status
        fields = {"status", "version", "updated_at"}
        locked.status = transition.target
        locked.version += 1
        now = timezone.now()
        if transition.target == S.REGISTERED and locked.registered_at is None:
            locked.registered_at = now
            for name, value in routing.route(locked).items():
                setattr(locked, name, value)
                fields.add(name)
            fields.add("registered_at")
        if transition.target in {S.CLOSED, S.SELF_HANDLED, S.REJECTED, S.MERGED, S.CANCELLED}:
            locked.closed_at = now
            fields.add("closed_at")
        if transition.target == S.DISPATCHED and from_status in {S.VERIFIED, S.CLOSED, S.HANDLED}:
            locked.closed_at = None
            fields.add("closed_at")
        for name, value in (updates or {}).items():
            setattr(locked, name, value)
            fields.add(name)
        locked.save(update_fields=sorted(fields))
        event = _event(case=locked, actor=actor, action=action, from_status=from_status, to_status=locked.status, note=note.strip(), data=data)
        if evidence_items:
            _attach(case=locked, event=event, items=evidence_items, stage=evidence_stage, by=actor)
    return locked


def case_self_handle(*, case: Case, actor, before: Sequence[CheckedEvidence], after: Sequence[CheckedEvidence], note: str = "", expected_version=None) -> Case:
    """发现即办: the reporting grid worker fixes it on the spot, with before/after photos.

    More than ECOGRID_SELF_HANDLE_MINUTES between report and resolution is
    flagged on the case (``self_handle_overdue``) and on the event.
    """
    check_case_action(case=case, action="self_handle", actor=actor)
    has_before = bool(before) or case.attachments.filter(stage__in=[CaseAttachment.Stage.REPORT, CaseAttachment.Stage.BEFORE], kind=CaseAttachment.Kind.PHOTO).exists()
    if not has_before:
        raise CaseActionError(_("Add a photo taken before handling."), code="before_photo")
    if not after:
        raise CaseActionError(_("Add a photo taken after handling."), code="after_photo")
    minutes = (timezone.now() - case.created_at).total_seconds() / 60
    overdue = minutes > settings.ECOGRID_SELF_HANDLE_MINUTES
    with transaction.atomic():
        case = case_transition(
            case=case, action="self_handle", actor=actor, expected_version=expected_version, note=note,
            data={"minutes": round(minutes, 1), "overdue": overdue},
            updates={"self_handle_overdue": overdue},
            evidence_items=after, evidence_stage=CaseAttachment.Stage.AFTER,
        )
        if before:
            _attach(case=case, event=None, items=before, stage=CaseAttachment.Stage.BEFORE, by=actor)
    return case


def case_merge(*, case: Case, into: Case, actor, note: str = "", expected_version=None) -> Case:
    """Close a duplicate as merged, linked to the original (which must be open and not itself merged)."""
    if into.pk == case.pk:
        raise CaseActionError(_("A case cannot be merged into itself."), code="merge_self")
    if into.status in {S.MERGED, S.REJECTED, S.CANCELLED}:
        raise CaseActionError(_("Merge into an open case, not one that is merged, rejected or cancelled."), code="merge_target")
    if into.merged_into_id == case.pk:
        raise CaseActionError(_("A case cannot be merged into its own duplicate."), code="merge_target")
    if actor is not None and not path_in_scope(actor, into.region_path):
        raise CaseActionError(_("The original case is outside your jurisdiction."), code="scope")
    with transaction.atomic():
        case = case_transition(
            case=case, action="merge", actor=actor, expected_version=expected_version,
            note=note or _stored(gettext_lazy("Duplicate of %(number)s"), number=into.number),
            data={"into": into.number}, updates={"merged_into": into},
        )
        _event(case=into, actor=actor, action="merged_in", from_status=into.status, to_status=into.status, note=case.number, data={"duplicate": case.number})
    return case


# --- pending uploads (photos sent while the form is still being filled in) ----------------------

MAX_UPLOADS_PER_FORM = 12

def _check_one(*, file, kind: str | None = None) -> CheckedEvidence:
    kind = kind or evidence.sniff_kind(file)
    return evidence_check(uploads=[Upload(file=file, kind=kind)])[0]


def pending_upload_create(*, user, form_uuid, slot: str, file) -> PendingUpload:
    """Check one uploaded photo/video (by content) and keep it for the form `form_uuid`.

    Raises EvidenceError with a clear message for a bad file. The same photo
    sent twice for the same form and slot is stored once.
    """
    if slot not in PendingUpload.Slot.values:
        raise CaseActionError(_("Unknown upload slot."), code="slot")
    item = _check_one(file=file)
    existing = PendingUpload.objects.filter(user=user, form_uuid=form_uuid, slot=slot, sha256=item.sha256).first()
    if existing is not None:
        return existing
    if PendingUpload.objects.filter(user=user, form_uuid=form_uuid).count() >= MAX_UPLOADS_PER_FORM:
        raise CaseActionError(
            _("At most %(n)s photos and videos can be attached to one form.") % {"n": MAX_UPLOADS_PER_FORM},
            code="too_many_files",
        )
    pending = PendingUpload(
        user=user, form_uuid=form_uuid, slot=slot, kind=item.kind, original_name=(getattr(file, "name", "") or "")[:120],
        sha256=item.sha256, width=item.width, height=item.height, size=len(item.content),
        latitude=item.latitude, longitude=item.longitude, taken_at=item.taken_at,
    )
    pending.file.save(item.name, ContentFile(item.content), save=False)
    if item.thumbnail:
        pending.thumbnail.save(f"thumb-{item.name}", ContentFile(item.thumbnail), save=False)
    try:
        with transaction.atomic():
            pending.save()
    except IntegrityError:  # the same photo raced in twice
        _delete_files([pending])
        return PendingUpload.objects.get(user=user, form_uuid=form_uuid, slot=slot, sha256=item.sha256)
    return pending


def pending_upload_stash(*, user, form_uuid, slot: str, files: Iterable) -> list[str]:
    """Keep every good file posted with a form (no-JS path); return one message per bad file.

    Good files are kept even when the form has other errors, so a re-rendered
    form loses no photo. A replay of a form that already became a case (the phone's outbox
    re-sending after a lost answer) stores nothing: its photos are on the case already.
    """
    if Case.objects.filter(client_uuid=form_uuid).exists():
        return []
    errors = []
    for file in files:
        try:
            pending_upload_create(user=user, form_uuid=form_uuid, slot=slot, file=file)
        except ValidationError as exc:
            name = getattr(file, "name", "") or _("file")
            errors.append(_("%(name)s: %(error)s") % {"name": name, "error": " ".join(exc.messages)})
    return errors


def pending_upload_delete(*, user, upload_id: int) -> bool:
    pending = PendingUpload.objects.filter(user=user, pk=upload_id).first()
    if pending is None:
        return False
    pending.delete()
    transaction.on_commit(lambda: _delete_files([pending]))
    return True


def pending_upload_sweep(*, older_than: dt.timedelta = dt.timedelta(hours=24)) -> int:
    """Delete pending uploads of forms abandoned for `older_than` (run by a periodic task)."""
    cutoff = timezone.now() - older_than
    stale = list(PendingUpload.objects.filter(created_at__lt=cutoff)[:1000])
    if not stale:
        return 0
    deleted, _detail = PendingUpload.objects.filter(pk__in=[p.pk for p in stale]).delete()
    _delete_files(stale)
    return deleted


def _delete_files(items) -> None:
    for item in items:
        for f in (item.file, item.thumbnail):
            if f:
                try:
                    f.storage.delete(f.name)
                except OSError:
                    pass


def _pending_checked(pendings) -> list[CheckedEvidence]:
    items = []
    for p in pendings:
        with p.file.open("rb") as fh:
            content = fh.read()
        thumbnail = b""
        if p.thumbnail:
            with p.thumbnail.open("rb") as fh:
                thumbnail = fh.read()
        items.append(CheckedEvidence(
            kind=p.kind, name=p.file.name.rsplit("/", 1)[-1], content=content, thumbnail=thumbnail, sha256=p.sha256,
            width=p.width, height=p.height, latitude=p.latitude, longitude=p.longitude, taken_at=p.taken_at,
        ))
    return items


def _consume_pending(pendings) -> None:
    """Delete pending rows in the caller's transaction; their files once it commits."""
    if not pendings:
        return
    PendingUpload.objects.filter(pk__in=[p.pk for p in pendings]).delete()
    transaction.on_commit(lambda: _delete_files(pendings))


# --- the report form -----------------------------------------------------------------------------

def case_submit(
    *,
    reporter,
    client_uuid,
    category: CaseCategory | None,
    description: str,
    latitude: float | None,
    longitude: float | None,
    address: str = "",
    urgency: str | None = None,
    place_name: str = "",
    source: str = Case.Source.GRID_WORKER,
    fixed_on_spot: bool = False,
    handling_note: str = "",
    looked_up: bool = False,
) -> tuple[Case, bool]:
    """The phone's report form: report with the photos uploaded for this form, and
    optionally close it at once as handled on the spot (发现即办) with the after-photos.

    Idempotent by ``client_uuid``: a double tap or a retry returns the same case.
    Nothing is written unless everything succeeds; pending photos stay for a retry.
    ``looked_up``: the caller has just found no case of this reporter with this UUID (the
    report view does, to answer a replay), so the look-up is not made twice; someone else's
    case with it is still refused, by the unique constraint (see _case_report_new).
    """
    existing = None if looked_up else Case.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        return _replayed(existing, reporter), False
    pendings = list(PendingUpload.objects.filter(user=reporter, form_uuid=client_uuid).order_by("created_at", "id"))
    report_items = [p for p in pendings if p.slot == PendingUpload.Slot.REPORT]
    after_items = [p for p in pendings if p.slot == PendingUpload.Slot.AFTER]
    if fixed_on_spot:
        if category is not None and not category.on_discovery:
            raise CaseActionError(_("This category cannot be handled on the spot; it must be dispatched."), code="not_on_discovery")
        if not any(p.kind == CaseAttachment.Kind.PHOTO for p in report_items):
            raise CaseActionError(_("Add a photo taken before handling."), code="before_photo")
        if not any(p.kind == CaseAttachment.Kind.PHOTO for p in after_items):
            raise CaseActionError(_("Add a photo taken after handling."), code="after_photo")
    report_kwargs = dict(
        reporter=reporter, client_uuid=client_uuid, category=category, description=description,
        latitude=latitude, longitude=longitude, address=address, source=source, urgency=urgency or None,
        uploads=(), checked=_pending_checked(report_items), place_name=place_name, reporter_name="",
        reporter_phone="", grid=None,
    )
    if not pendings and not fixed_on_spot:
        # Nothing else to do in the same transaction: the report's own is enough.
        return _case_report_new(**report_kwargs)
    with transaction.atomic():
        case, created = _case_report_new(**report_kwargs)
        if created and fixed_on_spot:
            case = case_self_handle(case=case, actor=reporter, before=[], after=_pending_checked(after_items), note=handling_note)
        if created:
            _consume_pending(report_items + (after_items if fixed_on_spot else []))
    return case, created


# --- actions from the case page -------------------------------------------------------------------

def case_act(
    *,
    case: Case,
    action: str,
    actor,
    note: str = "",
    expected_version: int | None = None,
    into: Case | None = None,
    photos: Sequence[CheckedEvidence] = (),
) -> Case:
    """One action from the generic action page: the right service for each action."""
    if action == "merge":
        if into is None:
            raise CaseActionError(_("Choose the original case to merge into."), code="into")
        return case_merge(case=case, into=into, actor=actor, note=note, expected_version=expected_version)
    if action == "self_handle":
        return case_self_handle(case=case, actor=actor, before=[], after=photos, note=note, expected_version=expected_version)
    stage = CaseAttachment.Stage.VERIFICATION if action in {"verify", "verify_fail"} else CaseAttachment.Stage.HANDLING
    return case_transition(
        case=case, action=action, actor=actor, expected_version=expected_version, note=note,
        evidence_items=photos, evidence_stage=stage,
    )


def case_act_submit(
    *,
    case: Case,
    action: str,
    actor,
    form_uuid,
    note: str = "",
    expected_version: int | None = None,
    into: Case | None = None,
    require_photo: bool = False,
) -> Case:
    """The action form: the action with the photos uploaded for this form.

    A double submit of the same form is harmless: if the case moved on because
    of this very actor's same action, the case is returned instead of a conflict.
    """
    pendings = list(PendingUpload.objects.filter(user=actor, form_uuid=form_uuid, slot=PendingUpload.Slot.ACTION))
    try:
        with transaction.atomic():
            if require_photo and not any(p.kind == CaseAttachment.Kind.PHOTO for p in pendings):
                check_case_action(case=case, action=action, actor=actor)
                raise CaseActionError(_("Add a photo of the site."), code="photo_required")
            updated = case_act(
                case=case, action=action, actor=actor, note=note, expected_version=expected_version, into=into,
                photos=_pending_checked(pendings),
            )
            _consume_pending(pendings)
            return updated
    except CaseConflict:
        fresh = Case.objects.get(pk=case.pk)
        last = fresh.events.order_by("-at", "-id").first()
        if (
            expected_version is not None and fresh.version == expected_version + 1 and last is not None
            and last.action == action and last.actor_id == getattr(actor, "pk", None)
        ):
            return fresh  # this actor's own earlier submit of the same form
        raise


# --- categories (事件分类) --------------------------------------------------------------------------

@dataclass
class CategoryImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list = field(default_factory=list)  # categories.RowError; non-empty means nothing was imported

    @property
    def ok(self) -> bool:
        return not self.errors


def category_import_parsed(*, parsed) -> CategoryImportResult:
    """Apply a parsed category file: all rows or none (a single transaction).

    Categories are matched by code; a category missing from the file is left as
    it is (cases refer to it) — deactivate it with the 启用 column instead.
    """
    if parsed.errors:
        return CategoryImportResult(errors=list(parsed.errors))
    result = CategoryImportResult()
    with transaction.atomic():
        existing = {c.code: c for c in CaseCategory.objects.select_related("parent").select_for_update(of=("self",))}
        majors = {
            code: _upsert_category(existing, result, code=code, fields={"name": name, "parent": None})
            for code, name in parsed.majors.items()
        }
        for row in parsed.rows:
            _upsert_category(existing, result, code=row["code"], fields={
                "name": row["name"], "parent": majors[row["major_code"]], "on_discovery": row["on_discovery"],
                "default_urgency": row["urgency"], "phrases": row["phrases"], "is_active": row["is_active"],
            })
    return result


def _upsert_category(existing: dict, result: CategoryImportResult, *, code: str, fields: dict) -> CaseCategory:
    category = existing.get(code)
    if category is None:
        category = CaseCategory(code=code, **fields)
        category.full_clean()
        category.save()
        existing[code] = category
        result.created += 1
        return category
    changed = [name for name, value in fields.items() if getattr(category, name) != value]
    if not changed:
        result.unchanged += 1
        return category
    for name in changed:
        setattr(category, name, fields[name])
    category.full_clean()
    category.save(update_fields=[*changed, "updated_at"])
    result.updated += 1
    return category


def category_import_file(*, file, name: str = "") -> CategoryImportResult:
    """Import categories from a .json or .xlsx file (path or file object); whole file or nothing."""
    from .categories import CategoryFileError, RowError, parse_file

    try:
        parsed = parse_file(file, name=name)
    except CategoryFileError as exc:
        return CategoryImportResult(errors=[RowError(_("file"), str(exc))])
    return category_import_parsed(parsed=parsed)


def category_import_json(*, path=None) -> CategoryImportResult:
    """Load the bundled cases/data/categories.json (or another JSON file)."""
    from pathlib import Path

    return category_import_file(file=Path(path) if path else Path(__file__).resolve().parent / "data" / "categories.json")


def category_import_xlsx(*, file, name: str = "categories.xlsx") -> CategoryImportResult:
    return category_import_file(file=file, name=name)


def category_export_xlsx() -> bytes:
    """Every category as an .xlsx the importer takes back (routing columns from dispatch, if registered)."""
    from .categories import ROUTING_EXPORT_PROVIDERS, export_rows

    subs = list(CaseCategory.objects.filter(parent__isnull=False).select_related("parent").order_by("code"))
    routing = {}
    for provider in ROUTING_EXPORT_PROVIDERS:
        routing.update(provider([c.code for c in subs]))
    rows = [
        {
            "major_code": c.parent.code, "major_name": c.parent.name, "code": c.code, "name": c.name,
            "on_discovery": c.on_discovery, "urgency": c.default_urgency, "phrases": c.phrases, "is_active": c.is_active,
            **routing.get(c.code, {}),
        }
        for c in subs
    ]
    return export_rows(rows)
