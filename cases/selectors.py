"""Reads of cases; every queryset that reaches a user goes through grids.scoping.scope."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from grids import geo
from grids.need_to_know import case_scope
from grids.scoping import scope

from .models import Case, CaseAttachment, CaseCategory, CaseEvent, PendingUpload
from .workflow import OPEN_STATES, TRANSITIONS, Transition, actions_from

LIST_RELATED = ("category", "grid", "department")
PAGE_SIZE = 50


def case_queryset_for_user(*, user, verb: str = "view") -> QuerySet[Case]:
    """Cases in the user's jurisdiction, plus the cases they reported themselves.

    Department staff see, inside their jurisdiction, only the cases assigned to their
    unit (or, for a district department, to any of its units).
    """
    base = Case.objects.all()
    scoped = case_scope(base, user, verb=verb)  # jurisdiction + need-to-know (grids.need_to_know)
    if getattr(user, "is_authenticated", False):
        scoped = scoped | base.filter(reporter=user)
    return scoped


def case_list(*, user, filters: dict | None = None) -> QuerySet[Case]:
    """Cases the user may see, newest first. Filters: status (value or list), category
    (a 大类 or 小类 code), region_path (a path prefix inside the scope), source, mine."""
    filters = filters or {}
    if filters.get("mine"):
        # The reporter's own cases need no jurisdiction (a grid worker may move grids).
        qs = Case.objects.filter(reporter=user) if getattr(user, "is_authenticated", False) else Case.objects.none()
    else:
        qs = case_queryset_for_user(user=user)
    qs = qs.select_related(*LIST_RELATED)
    if status := filters.get("status"):
        qs = qs.filter(status__in=status if isinstance(status, (list, tuple, set, frozenset)) else [status])
    if category := filters.get("category"):
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    if region_path := filters.get("region_path"):
        qs = qs.filter(region_path__startswith=region_path)
    if source := filters.get("source"):
        qs = qs.filter(source=source)
    # From the dashboard's click-through (dashboard app): reported in [since, until), the
    # department now holding the case, and the dashboard's groups of statuses.
    if since := filters.get("since"):
        qs = qs.filter(created_at__gte=since)
    if until := filters.get("until"):
        qs = qs.filter(created_at__lt=until)
    if department := filters.get("department"):
        qs = qs.filter(department__code=department)
    if group := filters.get("group"):
        qs = qs.filter(CASE_GROUPS[group]())
    return qs.order_by("-created_at", "-id")


# The dashboard's counts as case-list filters (dashboard/facts.py defines them).
_NOT_FOUND = ("merged", "rejected", "cancelled", "pending_triage", "reported")
CASE_GROUPS = {
    "found": lambda: Q(registered_at__isnull=False) & ~Q(status__in=_NOT_FOUND),
    "open": lambda: Q(status__in=OPEN_STATES) & ~Q(status__in=_NOT_FOUND),
    "dispatched": lambda: Q(department__isnull=False) & ~Q(status__in=_NOT_FOUND),
    "overdue": lambda: Q(status__in=OPEN_STATES, handle_deadline__lt=timezone.now()) & ~Q(status__in=_NOT_FOUND),
    "escalated": lambda: Q(escalation_count__gt=0) & ~Q(status__in=_NOT_FOUND),
}


def case_get_for_user(*, user, number: str) -> Case:
    """One case by number, or Http404 when it does not exist or is out of scope."""
    case = (
        case_queryset_for_user(user=user)
        .filter(number=number)
        .select_related(*LIST_RELATED, "category__parent", "grid__parent", "reporter", "merged_into")
        .first()
    )
    if case is None:
        # Same answer for missing and out-of-scope (no existence leak).
        raise Http404(_("Not found, or outside your jurisdiction."))
    return case


def category_choices() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(parent__isnull=False, is_active=True).select_related("parent").order_by("code")


# --- keyset pagination ---------------------------------------------------------------------------

@dataclass
class KeysetPage:
    """One page of a list ordered by (-created_at, -id); ``next_cursor`` continues after it."""

    rows: list
    next_cursor: str | None
    is_first: bool

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def encode_cursor(case: Case) -> str:
    raw = f"{case.created_at.astimezone(dt.timezone.utc).isoformat()}|{case.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    """(created_at, id) from a cursor; None for a missing or tampered one (→ first page)."""
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, pk = raw.split("|", 1)
        created = dt.datetime.fromisoformat(stamp)
        if created.tzinfo is None:
            return None
        return created, int(pk)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


def keyset_page(qs: QuerySet[Case], *, cursor: str = "", size: int = PAGE_SIZE) -> KeysetPage:
    """Rows after `cursor` in (-created_at, -id) order: one query, constant cost at any depth."""
    after = decode_cursor(cursor)
    if after is not None:
        created, pk = after
        # (created_at, id) < (created, pk), written so that "created_at <= created" is an
        # index range condition: page 1,000 costs what page 1 costs.
        qs = qs.filter(created_at__lte=created).exclude(created_at=created, id__gte=pk)
    rows = list(qs.order_by("-created_at", "-id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows=rows, next_cursor=encode_cursor(rows[-1]) if has_more else None, is_first=after is None)


# --- lists -----------------------------------------------------------------------------------------

def case_page(*, user, filters: dict | None = None, cursor: str = "", size: int = PAGE_SIZE) -> KeysetPage:
    """The staff case list (/cases/)."""
    return keyset_page(case_list(user=user, filters=filters), cursor=cursor, size=size)


def case_my_page(*, user, cursor: str = "", size: int = PAGE_SIZE) -> KeysetPage:
    """"My cases": what the user reported, newest first."""
    return keyset_page(case_list(user=user, filters={"mine": True}), cursor=cursor, size=size)


def case_to_verify_page(*, user, cursor: str = "", size: int = PAGE_SIZE) -> KeysetPage:
    """核查: cases handled by a department in the user's grid(s), waiting for the on-site check."""
    qs = scope(Case.objects.filter(status=Case.Status.HANDLED), user).select_related(*LIST_RELATED)
    return keyset_page(qs, cursor=cursor, size=size)


def case_triage_page(*, user, cursor: str = "", size: int = PAGE_SIZE) -> KeysetPage:
    """初筛: volunteer / public / API reports waiting for the village's decision."""
    qs = scope(Case.objects.filter(status=Case.Status.PENDING_TRIAGE), user).select_related(*LIST_RELATED)
    return keyset_page(qs, cursor=cursor, size=size)


def case_count_to_verify(*, user) -> int:
    return scope(Case.objects.filter(status=Case.Status.HANDLED), user).count()


# --- duplicates ------------------------------------------------------------------------------------

def case_duplicates_nearby(
    *, user, category_id: int, latitude: float, longitude: float, radius_m: float | None = None,
    exclude_pk: int | None = None, limit: int = 5,
) -> list[tuple[Case, float]]:
    """Open cases of the same category within `radius_m` (default ECOGRID_DUPLICATE_RADIUS_M),
    nearest first, in the user's scope: an indexed bounding-box filter, then haversine."""
    radius = radius_m if radius_m is not None else settings.ECOGRID_DUPLICATE_RADIUS_M
    d_lat, d_lng = geo.degrees_box(latitude, radius)
    qs = case_scope(  # need-to-know too: the hint names other cases
        Case.objects.filter(
            category_id=category_id, status__in=OPEN_STATES,
            latitude__range=(latitude - d_lat, latitude + d_lat),
            longitude__range=(longitude - d_lng, longitude + d_lng),
        ),
        user,
    ).select_related("category", "grid")
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    found = []
    for case in qs.order_by("-created_at")[:200]:
        distance = geo.distance_m(latitude, longitude, case.latitude, case.longitude)
        if distance <= radius:
            found.append((case, distance))
    found.sort(key=lambda pair: pair[1])
    return found[:limit]


# --- the case page -------------------------------------------------------------------------------

@dataclass
class TimelineEntry:
    event: CaseEvent
    attachments: list = field(default_factory=list)


@dataclass
class CaseDetail:
    case: Case
    timeline: list[TimelineEntry]
    photos: list[CaseAttachment]
    videos: list[CaseAttachment]


def case_detail(*, user, number: str) -> CaseDetail:
    """The case with its timeline and evidence: three queries whatever the history's length."""
    case = case_get_for_user(user=user, number=number)
    attachments = list(case.attachments.order_by("created_at", "id"))
    by_event = defaultdict(list)
    for att in attachments:
        by_event[att.event_id].append(att)
    timeline = [TimelineEntry(event=e, attachments=by_event.get(e.pk, [])) for e in case.events.order_by("at", "id")]
    return CaseDetail(
        case=case,
        timeline=timeline,
        photos=[a for a in attachments if a.kind == CaseAttachment.Kind.PHOTO],
        videos=[a for a in attachments if a.kind == CaseAttachment.Kind.VIDEO],
    )


def case_actions_for_user(*, case: Case, user) -> list[Transition]:
    """The actions `user` may take on `case` now (the table, the role, the jurisdiction)."""
    from .services import CaseActionError, check_case_action

    allowed = []
    for transition in actions_from(case.status):
        try:
            check_case_action(case=case, action=transition.action, actor=user)
        except CaseActionError:
            continue
        allowed.append(transition)
    return allowed


def case_action_allowed(*, case: Case, user, action: str) -> Transition | None:
    return next((t for t in case_actions_for_user(case=case, user=user) if t.action == action), None)


def attachment_get_for_user(*, user, number: str, pk: int) -> CaseAttachment:
    """An evidence file, only through its case's jurisdiction check (404 otherwise)."""
    case = case_queryset_for_user(user=user).filter(number=number).only("pk").first()
    attachment = CaseAttachment.objects.filter(case=case, pk=pk).first() if case else None
    if attachment is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return attachment


# --- the report form -------------------------------------------------------------------------------

@dataclass
class CategoryGroup:
    major: CaseCategory
    subs: list[CaseCategory]


@dataclass(frozen=True)
class CategoryCatalogue:
    """The active 小类 grouped by 大类, as the report form offers them.

    Kept per process (core/refdata.py, stamp ``categories``): a report reads it without a query.
    Its categories are shared by every request of the process: read-only.
    """

    groups: list[CategoryGroup]
    by_id: dict[int, CaseCategory]
    meta: dict[str, dict]  # pk -> the form's phrases / 发现即办 / name (for the page's script)


def category_catalogue() -> CategoryCatalogue:
    from core import refdata

    from .models import CATEGORIES_REFDATA

    return refdata.cached(CATEGORIES_REFDATA, _category_catalogue_build)


def _category_catalogue_build() -> CategoryCatalogue:
    subs = list(category_choices())
    groups: dict[int, CategoryGroup] = {}
    for sub in subs:
        groups.setdefault(sub.parent_id, CategoryGroup(major=sub.parent, subs=[])).subs.append(sub)
    return CategoryCatalogue(
        groups=list(groups.values()),
        by_id={c.pk: c for c in subs},
        meta={str(c.pk): {"phrases": list(c.phrases or []), "od": c.on_discovery, "name": c.name, "code": c.code} for c in subs},
    )


def category_active(pk) -> CaseCategory | None:
    """An active 小类 by primary key, from the per-process catalogue (no query)."""
    try:
        return category_catalogue().by_id.get(int(str(pk)))
    except (TypeError, ValueError):
        return None


def category_picker(*, user) -> tuple[list[CategoryGroup], list[CaseCategory]]:
    """Active 小类 grouped by 大类 (kept per process), and the user's recent choices (one query)."""
    catalogue = category_catalogue()
    recent = [catalogue.by_id[pk] for pk in category_recent_ids(user=user) if pk in catalogue.by_id]
    return catalogue.groups, recent


def category_recent_ids(*, user, limit: int = 6) -> list[int]:
    """The categories the user reported most recently, most recent first."""
    if not getattr(user, "is_authenticated", False):
        return []
    ids = Case.objects.filter(reporter=user).order_by("-created_at", "-id").values_list("category_id", flat=True)[:60]
    seen: list[int] = []
    for pk in ids:
        if pk not in seen:
            seen.append(pk)
            if len(seen) == limit:
                break
    return seen


def category_list() -> list[CategoryGroup]:
    """Every category (active or not), grouped, for the category page."""
    groups: dict[int, CategoryGroup] = {}
    majors = []
    for c in CaseCategory.objects.select_related("parent").order_by("code"):
        if c.parent_id is None:
            groups[c.pk] = CategoryGroup(major=c, subs=[])
            majors.append(groups[c.pk])
        elif c.parent_id in groups:
            groups[c.parent_id].subs.append(c)
    return majors


def pending_uploads_for(*, user, form_uuid, slot: str | None = None) -> list[PendingUpload]:
    qs = PendingUpload.objects.filter(user=user, form_uuid=form_uuid)
    if slot:
        qs = qs.filter(slot=slot)
    return list(qs.order_by("created_at", "id"))


def pending_upload_get_for_user(*, user, pk: int) -> PendingUpload:
    pending = PendingUpload.objects.filter(user=user, pk=pk).first() if getattr(user, "is_authenticated", False) else None
    if pending is None:
        raise Http404(_("Not found."))
    return pending


def case_by_uuid_for_user(*, user, client_uuid) -> Case | None:
    """The case a report form already created (for a retried or reloaded form)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Case.objects.filter(client_uuid=client_uuid, reporter=user).only("number").first()


def transition_labels() -> dict[str, str]:
    return {action: t.label for action, t in TRANSITIONS.items()}


@dataclass
class Deadline:
    label: str
    at: dt.datetime
    overdue: bool


def case_deadlines(*, case: Case, now: dt.datetime) -> list[Deadline]:
    """The deadlines that still matter for the case's status (acceptance while dispatched,
    handling until handled); past ones are overdue."""
    deadlines = []
    if case.accept_deadline and case.status == Case.Status.DISPATCHED:
        deadlines.append(Deadline(_("Accept by"), case.accept_deadline, case.accept_deadline < now))
    if case.handle_deadline and case.status in {Case.Status.REGISTERED, Case.Status.DISPATCHED, Case.Status.ACCEPTED, Case.Status.RETURNED}:
        deadlines.append(Deadline(_("Handle by"), case.handle_deadline, case.handle_deadline < now))
    return deadlines
