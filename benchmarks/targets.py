"""What the benchmark measures on a seeded database: the users, the pages, the cursors.

Everything is resolved the same way in the 10 k and the 1 M database (the seeder
gives both the same regions and users), so the two measurements compare like
with like. A page whose URL name does not resolve (capability not landed) is
"not available"; a figure that fails is reported with its error, and the other
figures go on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse


class NotAvailable(Exception):
    """The view or model behind a figure does not exist (yet)."""


def usernames() -> dict[str, str]:
    """The seeded users the figures act as (benchmarks.seed.staff names them by region code)."""
    d = settings.ECOGRID_DISTRICT_CODE
    return {
        "street_officer": f"so_{d}001",  # the dispatcher (镇街调度) of the district's first street
        "district_officer": f"do_{d}",
        "village_staff": f"vs_{d}001001",
        "grid_worker": f"gw_{d}001001001",
    }


def user(role: str):
    name = usernames()[role]
    try:
        return get_user_model().objects.select_related("profile").get(username=name)
    except get_user_model().DoesNotExist:
        raise LookupError(f"user {name} is missing: is this database seeded by `manage.py seed_scale`?") from None


def url(name: str, *args) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        raise NotAvailable(f"{name} not available") from None


@dataclass(frozen=True)
class PageTarget:
    first: str  # URL of the first page
    deep: str  # URL of the page starting in the middle of the list
    rows: int  # rows in the list (for the table's notes)
    marker: str = ""  # a case number the deep page must show (else its cursor was ignored)


def _with(base: str, **params) -> str:
    return f"{base}?{urlencode(params)}" if params else base


# --- the staff case list (cases:list), keyset on (-created_at, -id) ---------------------------------

def case_list_target(u) -> PageTarget:
    base = url("cases:list")
    from cases import selectors

    qs = selectors.case_list(user=u, filters={}).order_by("-created_at", "-id")
    rows = qs.count()
    middle = qs[rows // 2] if rows else None
    deep = _with(base, after=selectors.encode_cursor(middle)) if middle is not None else base
    following = qs[rows // 2 + 1] if rows > rows // 2 + 1 else None  # the first row after the cursor
    return PageTarget(base, deep, rows, following.number if following is not None else "")


# --- the dispatcher workbench (dispatch:workbench), keyset on (running deadline, -id) -------------

def workbench_target(u) -> PageTarget:
    base = url("dispatch:workbench")
    from dispatch import selectors

    # The default list: every tier the officer may act on, most urgent first (as the page orders it).
    qs = selectors.most_urgent_first(selectors.dispatcher_cases(user=u).filter(tier__in=selectors.queue_tiers(u)))
    rows = qs.count()
    middle = qs[rows // 2] if rows else None
    param = getattr(selectors, "CURSOR_PARAM", "after")
    deep = _with(base, **{param: selectors.encode_cursor(middle)}) if middle is not None else base
    following = qs[rows // 2 + 1] if rows > rows // 2 + 1 else None  # the first row after the cursor
    return PageTarget(base, deep, rows, following.number if following is not None else "")


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str
    role: str
    target: Callable


PAGES = [
    PageSpec("workbench", "dispatcher workbench (dispatch:workbench)", "street_officer", workbench_target),
    PageSpec("case_list", "staff case list (cases:list)", "street_officer", case_list_target),
]


def detail_case_number(u) -> str:
    """A closed case with a full timeline inside the officer's scope (the newest one, a week old)."""
    import datetime as dt

    from django.utils import timezone

    from cases.models import Case, CaseEvent
    from grids.scoping import scope

    week_ago = timezone.now() - dt.timedelta(days=7)
    qs = scope(Case.objects.filter(status=Case.Status.CLOSED, created_at__lt=week_ago), u).order_by("-created_at", "-id")
    for case in qs[:50]:
        if CaseEvent.objects.filter(case=case).count() >= 7:
            return case.number
    first = qs.first()
    if first is None:
        raise LookupError("no closed case in the officer's scope: seed more cases")
    return first.number


# --- inspections (一表巡): the grid worker's checklist form and its submission --------------------------

BENCH_PLACE = "压测餐饮店（基准测试）"  # the place the benchmark inspects, in the grid worker's grid


def inspection_place(gw):
    """The benchmark's place in the worker's own grid (created once per database)."""
    from grids.models import Region
    from grids.scoping import scope_paths
    from inspections import services
    from inspections.models import Place

    url("inspections:inspection", "00000000-0000-4000-8000-000000000000")
    grid = Region.objects.get(path=scope_paths(gw)[0])
    place = Place.objects.filter(name=BENCH_PLACE, grid=grid).first()
    if place is None:
        place = services.place_create(
            by=gw, name=BENCH_PLACE, place_type="restaurant", address="压测路1号",
            latitude=grid.centre_lat, longitude=grid.centre_lng, grid=grid,
        )
    return place


def inspection_cleanup(place) -> int:
    """Delete the inspections the benchmark made at its place (answers and photos first)."""
    from inspections.models import Answer, Inspection, InspectionPhoto

    ids = list(Inspection.objects.filter(place=place).values_list("id", flat=True))
    Answer.objects.filter(inspection_id__in=ids).delete()
    InspectionPhoto.objects.filter(inspection_id__in=ids).delete()
    Inspection.objects.filter(id__in=ids).delete()
    return len(ids)


def inspection_draft(gw, place):
    import uuid

    from inspections import services

    return services.inspection_start(inspector=gw, place=place, client_uuid=uuid.uuid4())


def inspection_answers(draft) -> dict:
    """The final form post of a checklist where every item passes."""
    data = {f"result_{item_id}": "pass" for item_id in draft.scene.items.values_list("id", flat=True)}
    data.update(latitude=str(draft.place.latitude), longitude=str(draft.place.longitude), remark="")
    return data
