"""Reads for dispatch. Every queryset that reaches a user goes through grids.scoping.scope.

The two workbench lists put the most urgent first: the deadline that runs now (acceptance
before 签收, handling after; overdue ones are the earliest), then the newest. They are
keyset-paginated on (that deadline, -id), so a deep page issues the same queries as the first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case as DbCase, Count, DateTimeField, F, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from cases.models import Case, CaseCategory, Tier
from grids.models import Region, StaffProfile
from grids.need_to_know import need_to_know
from grids.scoping import get_in_scope_or_404, scope

from .models import (
    CalendarOverride,
    Consultation,
    Department,
    PartyKind,
    RectificationNotice,
    RoutingRule,
)

S = Case.Status
R = StaffProfile.Role
# Open statuses a dispatcher watches (the partial index's condition on cases.Case).
QUEUE_STATUSES = (S.REGISTERED, S.RETURNED, S.DISPATCHED, S.ACCEPTED, S.HANDLED, S.VERIFIED)
# Before acceptance the acceptance deadline runs; after it, the handling deadline.
PRE_ACCEPT = (S.REGISTERED, S.RETURNED, S.DISPATCHED)
DEPARTMENT_STATUSES = (S.DISPATCHED, S.ACCEPTED, S.HANDLED, S.VERIFIED, S.CLOSED)
PAGE_SIZE = 50
LIST_RELATED = ("category", "grid", "department")

# Which tiers each role dispatches at (小事不出村、大事不出镇、难事区镇会商), top tier first.
ROLE_TIERS = {
    R.VILLAGE_STAFF: (Tier.VILLAGE, Tier.GRID),
    R.STREET_OFFICER: (Tier.STREET,),
    R.DISTRICT_OFFICER: (Tier.DISTRICT,),
    R.ADMINISTRATOR: (Tier.DISTRICT,),
}
DISPATCHER_ROLES = tuple(ROLE_TIERS)


def role_of(user) -> str | None:
    profile = getattr(user, "profile", None)
    if profile is not None:
        return profile.role
    return R.ADMINISTRATOR if getattr(user, "is_superuser", False) else None


def dispatch_verb(user) -> str:
    """The jurisdiction verb a dispatcher acts with: officers hold "dispatch"; village staff
    route their village's small cases with "manage" (小事不出村)."""
    return "manage" if role_of(user) == R.VILLAGE_STAFF else "dispatch"


def role_tiers(user) -> tuple[int, ...]:
    return ROLE_TIERS.get(role_of(user), ())


def queue_tiers(user) -> tuple[int, ...]:
    """The tiers a dispatcher's queue shows by default: every tier they may act on (theirs and
    the ones below it), so a new village-tier case in a street officer's street is in view."""
    return tuple(value for value, _label in tier_choices(user))


def tier_choices(user) -> list[tuple[int, str]]:
    """Tiers the user may look at: their own and the ones below it."""
    tiers = role_tiers(user)
    if not tiers:
        return []
    top = min(tiers)
    return [(t.value, t.label) for t in Tier if t.value >= top]


# --- keyset pagination ------------------------------------------------------------------------

# Cases without a running deadline (handled, verified, closed) sort after every dated one.
NO_DEADLINE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def urgency_key():
    """The deadline that runs now, as the lists sort by it: acceptance before 签收 (an unrouted
    case counts from its report: it waits for a dispatcher), handling after; none afterwards."""
    return Coalesce(
        DbCase(
            When(status__in=PRE_ACCEPT, then=Coalesce("accept_deadline", "created_at")),
            When(status=S.ACCEPTED, then=F("handle_deadline")),
            default=Value(None, output_field=DateTimeField()),
            output_field=DateTimeField(),
        ),
        Value(NO_DEADLINE, output_field=DateTimeField()),
        output_field=DateTimeField(),
    )


def most_urgent_first(qs: QuerySet[Case]) -> QuerySet[Case]:
    """The lists' order: (running deadline, -id), with the key as ``urgency_key`` (for cursors)."""
    return qs.annotate(urgency_key=urgency_key()).order_by("urgency_key", "-id")


@dataclass
class Page:
    rows: list
    next_cursor: str = ""

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)


def encode_cursor(case: Case) -> str:
    return f"{case.urgency_key.astimezone(dt.UTC).isoformat()}|{case.pk}"


def decode_cursor(cursor: str) -> tuple[dt.datetime, int] | None:
    try:
        when, pk = cursor.rsplit("|", 1)
        parsed = parse_datetime(when)
        return (parsed, int(pk)) if parsed is not None and parsed.tzinfo is not None else None
    except (TypeError, ValueError):
        return None


def keyset_page(qs: QuerySet[Case], *, cursor: str = "", size: int = PAGE_SIZE) -> Page:
    """One page, most urgent first: ordered by (running deadline, -id), i.e. overdue and nearest
    deadline first, the newest first among equals and among cases without a running deadline.
    One query, the same for page 1 and page 10 000 (a damaged cursor starts from the top)."""
    qs = most_urgent_first(qs)
    key = decode_cursor(cursor) if cursor else None
    if key is not None:
        when, pk = key
        qs = qs.filter(Q(urgency_key__gt=when) | Q(urgency_key=when, id__lt=pk))
    rows = list(qs[: size + 1])
    page = Page(rows=rows[:size])
    if len(rows) > size:
        page.next_cursor = encode_cursor(rows[size - 1])
    return page


# --- dispatcher queue -------------------------------------------------------------------------

@dataclass
class QueueFilters:
    tier: int | None = None
    status: str = ""
    category: str = ""  # a 大类 or 小类 code
    department: str = ""  # a department code (its units included)
    region: Region | None = None  # grid / village / street inside the user's scope
    overdue: bool = False
    source: str = ""


# Status filters that stand for several statuses (a counter card links to its own list).
STATUS_GROUPS = {
    "to_dispatch": (S.REGISTERED, S.RETURNED),
}


def overdue_q(now: dt.datetime) -> Q:
    """The case's running deadline has passed (acceptance before 签收, handling after)."""
    return Q(status__in=PRE_ACCEPT, accept_deadline__lt=now) | Q(status=S.ACCEPTED, handle_deadline__lt=now)


def dispatcher_cases(*, user) -> QuerySet[Case]:
    """Open cases in the user's dispatch jurisdiction (any tier)."""
    return scope(Case.objects.filter(status__in=QUEUE_STATUSES), user, verb=dispatch_verb(user))


def running_deadline(case: Case):
    """The deadline that counts now: acceptance before 签收, handling after."""
    if case.status in PRE_ACCEPT:
        return case.accept_deadline
    if case.status == S.ACCEPTED:
        return case.handle_deadline
    return None


def mark_deadline(case: Case, *, now) -> Case:
    case.running_deadline = running_deadline(case)
    case.is_overdue = bool(case.running_deadline and case.running_deadline < now)
    return case


def decorate_rows(rows, *, user, now) -> None:
    """What each workbench row shows and offers (computed here, not in the template)."""
    role = role_of(user)
    top = min(role_tiers(user), default=Tier.GRID)
    officer = role in (R.STREET_OFFICER, R.DISTRICT_OFFICER, R.ADMINISTRATOR)
    for case in rows:
        deadline = running_deadline(case)
        case.running_deadline = deadline
        case.bulk_value = f"{case.number}:{case.version}"
        case.accept_stage = case.status in PRE_ACCEPT
        case.is_overdue = bool(deadline and deadline < now)
        case.is_warned = bool(case.deadline_warned_at) and not case.is_overdue
        case.can_dispatch = case.status in (S.REGISTERED, S.RETURNED)
        case.can_reassign = case.status == S.DISPATCHED
        case.can_close = case.status == S.VERIFIED
        case.can_escalate = case.status in PRE_ACCEPT + (S.ACCEPTED,) and (case.tier or Tier.STREET) > Tier.DISTRICT and (case.tier or Tier.STREET) >= top
        case.can_consult = officer and case.tier in (Tier.STREET, Tier.DISTRICT)


# What a workbench row shows: the list query reads only these columns.
QUEUE_FIELDS = (
    "number", "source", "status", "tier", "version", "region_path", "accept_deadline", "handle_deadline", "deadline_warned_at",
    "category__code", "category__name", "grid__name", "department__name",
)


def dispatcher_queue(*, user, filters: QueueFilters, cursor: str = "", size: int = PAGE_SIZE, now=None) -> Page:
    """What I may act on in my jurisdiction (every tier I may act on, or the tier chosen),
    filtered, most urgent first: overdue and nearest running deadline, then newest (keyset)."""
    now = now or timezone.now()
    tiers = (filters.tier,) if filters.tier else queue_tiers(user)
    qs = dispatcher_cases(user=user).filter(tier__in=tiers).select_related(*LIST_RELATED).only(*QUEUE_FIELDS)
    if filters.status:
        qs = qs.filter(status__in=STATUS_GROUPS.get(filters.status, (filters.status,)))
    if filters.category:
        qs = qs.filter(category__code__startswith=filters.category)
    if filters.department:
        qs = qs.filter(Q(department__code=filters.department) | Q(department__parent__code=filters.department))
    if filters.region is not None:
        qs = qs.filter(region_path__startswith=filters.region.path)
    if filters.overdue:
        qs = qs.filter(overdue_q(now))
    if filters.source:
        qs = qs.filter(source=filters.source)
    page = keyset_page(qs, cursor=cursor, size=size)
    decorate_rows(page.rows, user=user, now=now)
    return page


def dispatcher_counters(*, user, tier: int | None = None, now=None) -> dict[str, int]:
    """Counts for the workbench header, in one query (over the same tiers as the queue)."""
    now = now or timezone.now()
    tiers = (tier,) if tier else queue_tiers(user)
    qs = dispatcher_cases(user=user).filter(tier__in=tiers)
    return qs.aggregate(
        to_dispatch=Count("id", filter=Q(status__in=[S.REGISTERED, S.RETURNED])),
        returned=Count("id", filter=Q(status=S.RETURNED)),
        awaiting_accept=Count("id", filter=Q(status=S.DISPATCHED)),
        in_progress=Count("id", filter=Q(status=S.ACCEPTED)),
        to_verify=Count("id", filter=Q(status=S.HANDLED)),
        to_close=Count("id", filter=Q(status=S.VERIFIED)),
        overdue=Count("id", filter=overdue_q(now)),
        warned=Count("id", filter=Q(deadline_warned_at__isnull=False) & ~overdue_q(now)),
    )


def case_for_dispatcher(*, user, number: str) -> Case:
    """A case in the user's dispatch jurisdiction, or 404."""
    return get_in_scope_or_404(
        Case.objects.select_related(*LIST_RELATED, "department__parent", "department__region", "reporter"),
        user, verb=dispatch_verb(user), number=number,
    )


# --- department workbench ---------------------------------------------------------------------

def department_ids_q(department: Department) -> Q:
    """Cases assigned to this department or, for a district department, to any of its units."""
    if department.parent_id:
        return Q(department_id=department.pk)
    return Q(department_id__in=Department.objects.filter(Q(pk=department.pk) | Q(parent_id=department.pk)).values("pk"))


def department_case_queryset(*, user) -> QuerySet[Case]:
    """A department user's cases: assigned to their unit (or its child units) inside their jurisdiction."""
    profile = getattr(user, "profile", None)
    department = getattr(profile, "department", None)
    if department is None:
        return Case.objects.none()
    return scope(Case.objects.filter(department_ids_q(department)), user, verb="view")


# Each tab of the department workbench and the condition of its list; each counter card
# counts exactly its tab's list (department_counters) and links to it.
DEPARTMENT_TABS = {
    "to_accept": lambda now: Q(status=S.DISPATCHED),
    "in_progress": lambda now: Q(status=S.ACCEPTED),
    "handled": lambda now: Q(status=S.HANDLED),
    "overdue": lambda now: overdue_q(now) & Q(status__in=[S.DISPATCHED, S.ACCEPTED]),
    "done": lambda now: Q(status__in=[S.VERIFIED, S.CLOSED]),
}


DEPARTMENT_TAB_LABELS = [
    ("to_accept", _lazy("To accept")),
    ("in_progress", _lazy("Being handled")),
    ("handled", _lazy("Awaiting verification")),
    ("overdue", _lazy("Overdue")),
    ("done", _lazy("Verified / closed")),
]


def department_queue(*, user, tab: str = "to_accept", cursor: str = "", size: int = PAGE_SIZE, now=None) -> Page:
    """One tab of the department's cases, most urgent first (overdue, nearest deadline, newest)."""
    now = now or timezone.now()
    condition = DEPARTMENT_TABS.get(tab, DEPARTMENT_TABS["to_accept"])(now)
    qs = department_case_queryset(user=user).filter(condition).select_related(*LIST_RELATED)
    page = keyset_page(qs, cursor=cursor, size=size)
    for case in page.rows:
        mark_deadline(case, now=now)
    return page


def department_counters(*, user, now=None) -> dict[str, int]:
    """The counter cards, in one query: each counts its tab's list."""
    now = now or timezone.now()
    return department_case_queryset(user=user).aggregate(**{
        tab: Count("id", filter=DEPARTMENT_TABS[tab](now)) for tab in ("to_accept", "in_progress", "handled", "overdue")
    })


def case_for_department(*, user, number: str) -> Case:
    """A case assigned to the user's department inside their jurisdiction, or 404 (never 403)."""
    case = (
        department_case_queryset(user=user)
        .select_related(*LIST_RELATED, "department__parent", "reporter")
        .filter(number=number)
        .first()
    )
    if case is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return case


def case_for_actor(*, user, number: str) -> Case:
    """The case for an action page: department staff see their department's cases, others
    their dispatch jurisdiction."""
    if role_of(user) == R.DEPARTMENT_STAFF:
        return case_for_department(user=user, number=number)
    return case_for_dispatcher(user=user, number=number)


def department_choices(*, case: Case) -> QuerySet[Department]:
    """Departments serving the case's region: district departments and the units of its street."""
    from .routing import ancestor_paths

    return (
        Department.objects.filter(is_active=True, region__path__in=ancestor_paths(case.region_path))
        .select_related("parent", "region")
        .order_by("code")
    )


def suggested_department(*, case: Case) -> Department | None:
    """The rule's suggestion for this case, resolved to the unit serving its street."""
    from .routing import rule_for, unit_for

    rule = rule_for(category_id=case.category_id, region_path=case.region_path)
    if rule is None:
        return case.department
    return unit_for(department=rule.department, region_path=case.region_path)


def top_departments() -> QuerySet[Department]:
    return Department.objects.filter(parent__isnull=True, is_active=True).order_by("code")


PARTY_LABELS = PartyKind.choices


def event_label(action: str) -> str:
    """The timeline label: cases.workflow.EVENT_LABELS (dispatch adds its own there in apps.ready)."""
    from cases.workflow import EVENT_LABELS as labels

    from .timeline import EVENT_LABELS

    return str(labels.get(action) or EVENT_LABELS.get(action) or action)


def case_events(*, case: Case) -> list:
    """The case's timeline, oldest first, each event with a label."""
    events = list(case.events.order_by("at", "id"))
    for event in events:
        event.label = event_label(event.action)
    return events


def with_next(url: str, next_url: str = "") -> str:
    """`url` carrying the page to come back to (a checked same-site path), so a workbench's
    filters survive the action."""
    from django.utils.http import urlencode

    return f"{url}{'&' if '?' in url else '?'}{urlencode({'next': next_url})}" if next_url else url


def dispatch_actions(*, case: Case, user, next_url: str = "") -> list[dict]:
    """The dispatch actions the user may take on the case now (links to their pages)."""
    from django.urls import reverse

    role = role_of(user)
    out = []

    def add(name, label, style=""):
        out.append({"url": with_next(reverse(name, args=[case.number]), next_url), "label": label, "style": style})

    if role == R.DEPARTMENT_STAFF:
        if case.status == S.DISPATCHED:
            add("dispatch:case_accept", _("Accept"))
            add("dispatch:case_return", _("Return"), "danger")
        elif case.status == S.ACCEPTED:
            add("dispatch:case_handle", _("Report handling result"))
            add("dispatch:notice_new", _("Issue a rectification notice"), "secondary")
        return out
    decorate_rows([case], user=user, now=timezone.now())
    if case.can_dispatch:
        add("dispatch:case_dispatch", _("Dispatch"))
    if case.can_reassign:
        add("dispatch:case_dispatch", _("Reassign"), "secondary")
    if case.can_close:
        add("dispatch:case_close", _("Close the case"))
    if case.can_escalate:
        add("dispatch:case_escalate", _("Escalate"), "secondary")
    if case.can_consult and case.is_open:
        add("dispatch:consultation_new", _("Open a consultation"), "secondary")
    return out


# --- notices and consultations ----------------------------------------------------------------

def notice_queryset(*, user) -> QuerySet[RectificationNotice]:
    # Department staff: only the notices of their own unit (or, for a district department, of
    # its units) — need-to-know, the one rule in grids.need_to_know.
    return need_to_know(scope(RectificationNotice.objects.all(), user), user, "department")


def notice_get_for_user(*, user, pk: int) -> RectificationNotice:
    notice = notice_queryset(user=user).select_related("case", "department", "department__parent", "issued_by__profile").filter(pk=pk).first()
    if notice is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return notice


def notice_list(*, user, status: str = "") -> QuerySet[RectificationNotice]:
    qs = notice_queryset(user=user).select_related("case", "department")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("deadline", "id")


def consultation_queryset(*, user) -> QuerySet[Consultation]:
    """Consultations in the user's jurisdiction; department staff only those their unit is party to
    (invited, decided to, or holding the case) — need-to-know, grids.need_to_know."""
    return need_to_know(scope(Consultation.objects.all(), user), user, "departments", "decided_department", "case__department")


def consultation_get_for_user(*, user, pk: int) -> Consultation:
    consultation = (
        consultation_queryset(user=user)
        .select_related("case", "case__category", "case__department", "opened_by__profile", "decided_department", "decided_by__profile")
        .prefetch_related("departments", "actions")
        .filter(pk=pk)
        .first()
    )
    if consultation is None:
        raise Http404(_("Not found, or outside your jurisdiction."))
    return consultation


def consultation_list(*, user) -> QuerySet[Consultation]:
    return consultation_queryset(user=user).select_related("case").order_by("-meeting_at", "-id")


def case_dispatch_extras(*, case: Case, user) -> dict:
    """Notices and consultations on a case, and its photos (before / after), for its page."""
    from cases.photo_groups import photo_groups

    return {
        "notices": list(notice_queryset(user=user).filter(case=case).order_by("-id")),
        "consultations": list(consultation_queryset(user=user).filter(case=case).order_by("-id")),
        "photo_groups": photo_groups(case.attachments.order_by("created_at", "id")),
    }


# --- routing rules and calendar ---------------------------------------------------------------

def rule_list(*, q: str = "") -> QuerySet[RoutingRule]:
    qs = RoutingRule.objects.select_related("category", "category__parent", "region", "department")
    if q:
        qs = qs.filter(Q(category__code__startswith=q) | Q(category__name__icontains=q) | Q(department__code=q.upper()))
    return qs.order_by("category__code", F("region__path").asc(nulls_first=True))


def unrouted_categories() -> QuerySet[CaseCategory]:
    """Active sub-classes without an active district-wide default rule ("every category must be routed")."""
    routed = RoutingRule.objects.filter(region__isnull=True, is_active=True).values("category_id")
    return CaseCategory.objects.filter(parent__isnull=False, is_active=True).exclude(pk__in=routed).order_by("code")


def calendar_overrides(*, year: int | None = None) -> QuerySet[CalendarOverride]:
    qs = CalendarOverride.objects.all()
    if year:
        qs = qs.filter(date__year=year)
    return qs.order_by("date")


# --- who to tell ------------------------------------------------------------------------------

TIER_DISPATCHER_ROLE = {
    Tier.GRID: R.VILLAGE_STAFF,
    Tier.VILLAGE: R.VILLAGE_STAFF,
    Tier.STREET: R.STREET_OFFICER,
    Tier.DISTRICT: R.DISTRICT_OFFICER,
}


def users_holding(*, path: str, role: str, verb: str) -> QuerySet:
    """Active users of `role` whose jurisdiction for `verb` covers `path` (directly or via a group)."""
    from django.contrib.auth import get_user_model

    from .routing import ancestor_paths

    codename = f"{verb}_region"
    paths = ancestor_paths(path)
    User = get_user_model()
    return (
        User.objects.filter(is_active=True, profile__role=role)
        .filter(
            Q(regionuserobjectpermission__permission__codename=codename, regionuserobjectpermission__content_object__path__in=paths)
            | Q(groups__regiongroupobjectpermission__permission__codename=codename, groups__regiongroupobjectpermission__content_object__path__in=paths)
        )
        .distinct()
    )


def tier_dispatchers(*, case: Case, tier: int | None = None):
    tier = tier or case.tier or Tier.STREET
    role = TIER_DISPATCHER_ROLE[Tier(tier)]
    verb = "manage" if role == R.VILLAGE_STAFF else "dispatch"
    return users_holding(path=case.region_path, role=role, verb=verb)


def department_staff(*, department: Department | None):
    """Active staff of a unit (or of a district department)."""
    from django.contrib.auth import get_user_model

    if department is None:
        return get_user_model().objects.none()
    return get_user_model().objects.filter(is_active=True, profile__department=department)


def case_grid_workers(*, case: Case):
    """The grid workers of the case's grid, plus the reporter when they are staff (to verify on site)."""
    workers = users_holding(path=case.region_path, role=R.GRID_WORKER, verb="view")
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(Q(pk__in=workers.values("pk")) | Q(pk=case.reporter_id or 0, is_active=True, profile__isnull=False))
