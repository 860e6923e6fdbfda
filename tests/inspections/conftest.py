"""Fixtures for the inspections suite: departments, categories, checklists, places, photos."""

import io
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import CaseCategory
from dispatch.models import Department
from grids.models import StaffProfile
from grids.services import staff_create
from inspections import services

ROOT = Path(settings.BASE_DIR)
CHECKLIST = json.loads((ROOT / "inspections/data/checklist.json").read_text(encoding="utf-8"))
DEPARTMENTS = json.loads((ROOT / "dispatch/data/departments.json").read_text(encoding="utf-8"))
CATEGORIES = json.loads((ROOT / "cases/data/categories.json").read_text(encoding="utf-8"))
PW = "pw-for-tests-1"

# A small checklist for most tests: two departments' items, one scene for shops.
SMALL_CODES = ["CGZF-001", "CGZF-006", "CGZF-015", "SJJ-001", "SJJ-002", "XF-001", "XF-002"]


def full_spec(**overrides) -> dict:
    spec = json.loads(json.dumps(CHECKLIST))
    spec.update(overrides)
    return spec


def small_spec(label="t.1", codes=SMALL_CODES, scene_types=("shop",)) -> dict:
    items = [dict(i, scenes=["shop"]) for i in full_spec()["items"] if i["code"] in codes]
    return {"version": label, "title": "测试巡查表", "scenes": [{"code": "shop", "name": "商铺门店", "place_types": list(scene_types)}], "items": items}


def jpeg(colour=(200, 80, 40), size=(64, 48), name="photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@pytest.fixture
def departments(tree):
    out = {}
    for row in DEPARTMENTS:
        dept = Department.objects.create(code=row["code"], name=row["name"], short_name=row["short_name"], region=tree["district"])
        out[row["code"]] = dept
        for street in (tree["s1"], tree["s2"]):
            code = f"{row['code']}-{street.code}"
            out[code] = Department.objects.create(
                code=code, name=f"{street.name}{row['street_unit_suffix']}", short_name=row["short_name"], parent=dept, region=street,
            )
    return out


@pytest.fixture
def categories(db):
    out = {}
    for major in CATEGORIES:
        parent = CaseCategory.objects.create(code=major["code"], name=major["name"])
        for sub in major["subcategories"]:
            out[sub["code"]] = CaseCategory.objects.create(
                code=sub["code"], name=sub["name"], parent=parent, on_discovery=sub["on_discovery"], default_urgency=sub["urgency"],
            )
    return out


@pytest.fixture
def reference(departments, categories):
    return {"departments": departments, "categories": categories}


@pytest.fixture
def published(reference):
    """A small published checklist (7 items, scene "shop")."""
    version = services.checklist_create(spec=small_spec())
    return services.checklist_version_publish(version=version)


@pytest.fixture
def full_published(reference):
    """The real 2022.1 checklist: a full and a short list per kind of place, and 综合巡查 (all 247
    items, offered everywhere; the list of places of type "other")."""
    return services.checklist_version_publish(version=services.checklist_create(spec=full_spec()))


@pytest.fixture
def worker(users):
    return users["grid_worker"]


@pytest.fixture
def place(tree, worker):
    """A shop inside the worker's grid 440604011001001 (lng 113.1–113.125, lat 22.9–23.0)."""
    return services.place_create(by=worker, name="丽豪水果店", place_type="shop", address="丽豪路12号", latitude=22.95, longitude=113.11)


@pytest.fixture
def other_place(tree, users):
    """A shop in 镇安村 (another street), outside the grid worker's and the s1 users' jurisdiction."""
    return services.place_create(by=users["district_officer"], name="镇安五金店", place_type="shop", latitude=23.05, longitude=113.12)


@pytest.fixture
def dept_users(tree, departments):
    R = StaffProfile.Role
    return {
        "sjj": staff_create(username="sjj", password=PW, full_name="市监所", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments[f"SJJ-{tree['s1'].code}"]),
        "xf": staff_create(username="xf", password=PW, full_name="消防站", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments[f"XF-{tree['s1'].code}"]),
        "sjj_s2": staff_create(username="sjj2", password=PW, full_name="祖庙市监所", role=R.DEPARTMENT_STAFF, regions=[tree["s2"]], department=departments[f"SJJ-{tree['s2'].code}"]),
    }


def answer_all(inspection, worker, *, fail=(), na=(), fixed=(), photos=True):
    """Answer every item of the inspection through the services: pass unless listed in `fail` / `na`.

    Failed items get their first reason and (if `photos`) a photo; codes in `fixed`
    are fixed on the spot with an after photo.
    """
    for n, item in enumerate(inspection.checklist_items().order_by("order", "id")):
        if item.code in fail:
            services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="fail",
                                            fail_reason=item.fail_reasons[0], fixed=item.code in fixed)
            if photos:
                services.inspection_photo_add(inspection=inspection, inspector=worker, item_id=item.pk, stage="fail", upload=jpeg((n * 7 % 255, 90, 40)))
            if item.code in fixed:
                services.inspection_photo_add(inspection=inspection, inspector=worker, item_id=item.pk, stage="after", upload=jpeg((40, n * 7 % 255, 90)))
        else:
            services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="na" if item.code in na else "pass")
    inspection.refresh_from_db()
    return inspection


def new_uuid():
    return uuid.uuid4()
