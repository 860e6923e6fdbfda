"""Fixtures for the credit suite: departments, checklist, places, enterprises, and row builders."""

import datetime as dt

import pytest
from django.utils import timezone

from credit import services
from credit.codes import make_uscc
from inspections import services as inspection_services
from inspections.models import Answer, ChecklistItem, Inspection
from tests.inspections.conftest import (  # noqa: F401  (fixtures re-used)
    answer_all,
    categories,
    departments,
    dept_users,
    full_published,
    jpeg,
    published,
    reference,
    small_spec,
    worker,
)

PW = "pw-for-tests-1"


@pytest.fixture
def grid(tree):
    return tree["440604011001001"]


@pytest.fixture
def make_place(tree, users):
    counter = iter(range(1000))

    def make(name=None, lat=22.95, lng=113.11):
        n = next(counter)
        return inspection_services.place_create(
            by=users["district_officer"], name=name or f"门店{n}", place_type="shop", address=f"丽豪路{n}号", latitude=lat, longitude=lng,
        )

    return make


@pytest.fixture
def make_enterprise(grid, users, make_place):
    counter = iter(range(1, 10_000))

    def make(*, name=None, prefix="91", with_place=True, region=None, **fields):
        n = next(counter)
        fields = {"legal_representative": "张三", "contact_name": "李四", "contact_phone": "13812345678", **fields}
        e = services.enterprise_create(
            uscc=make_uscc(n, prefix=prefix), region=region or grid, by=users["district_officer"], name=name or f"测试企业{n}", **fields,
        )
        if with_place:
            services.enterprise_link_place(enterprise=e, place=make_place(name=e.name), by=users["district_officer"])
        return e

    return make


def add_answers(*, place, items, results, worker, when=None, fixed=()):
    """Submitted-inspection rows built directly (input data for the scoring): one inspection, one answer per item.

    `results` maps item code -> "pass"/"fail"/"na"."""
    when = when or timezone.now() - dt.timedelta(days=1)
    version = items[0].version
    scene = version.scenes.first()
    inspection = Inspection.objects.create(
        place=place, scene=scene, version=version, inspector=worker, grid=place.grid, region_path=place.region_path,
        status=Inspection.Status.SUBMITTED, started_at=when, submitted_at=when,
    )
    by_code = {i.code: i for i in items}
    Answer.objects.bulk_create([
        Answer(inspection=inspection, item=by_code[code], result=result, department_id=by_code[code].department_id,
               region_path=place.region_path, submitted_at=when, fixed_on_spot=code in fixed)
        for code, result in results.items()
    ])
    return inspection


@pytest.fixture
def items(published):
    return list(ChecklistItem.objects.filter(version=published))


@pytest.fixture
def report_case(categories, users):
    """A real case reported through cases.services (in the grid worker's grid)."""
    import uuid

    from cases.services import case_report

    category = next(c for c in categories.values() if not c.on_discovery)

    def make(urgency="normal"):
        case, _created = _unpack(case_report(
            reporter=users["grid_worker"], client_uuid=uuid.uuid4(), category=category, description="占道经营",
            latitude=22.95, longitude=113.11, urgency=urgency,
        ))
        return case

    return make


def _unpack(result):
    return result if isinstance(result, tuple) else (result, True)
