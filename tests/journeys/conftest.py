"""Data for the journeys: the district's real reference data on the shared test tree.

The tree and one user per role come from tests/conftest.py. Here: the 13 departments with a unit
in each street, the real case categories (phrases, 发现即办 flags) and their routing rules from
cases/data/categories.json, a department clerk, and the real 2022.1 checklist when a journey
needs it. Everything goes through the services, as an administrator's import would.
"""

import io
import json
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from grids.models import StaffProfile
from grids.services import staff_create

ROOT = Path(settings.BASE_DIR)
PW = "pw-for-tests-1"
# Inside grid 440604011001001 (石湾镇街道 › 丽豪社区第1网格), where the phones stand (FOSHAN).
S1_POINT = {"latitude": 22.95, "longitude": 113.11}
DESKTOP = {"width": 1440, "height": 900}


@pytest.fixture
def reference(tree):
    from cases.services import category_import_json
    from dispatch.models import Department
    from dispatch.rules_io import rules_import_category_file

    for row in json.loads((ROOT / "dispatch/data/departments.json").read_text(encoding="utf-8")):
        top = Department.objects.create(code=row["code"], name=row["name"], short_name=row["short_name"], region=tree["district"])
        for street in (tree["s1"], tree["s2"]):
            Department.objects.create(code=f"{row['code']}-{street.code}", name=f"{street.name}{row['street_unit_suffix']}",
                                      short_name=row["short_name"], parent=top, region=street)
    categories = category_import_json()
    assert not categories.errors, categories.errors
    rules = rules_import_category_file(path=ROOT / "cases/data/categories.json")
    assert not rules.errors, rules.errors


@pytest.fixture
def clerk(reference, tree):
    """A clerk of 石湾镇街道综合执法办 (CGZF's unit in the first street)."""
    from dispatch.models import Department

    return staff_create(username="cgzf_s1", password=PW, full_name="黄志强", role=StaffProfile.Role.DEPARTMENT_STAFF,
                        regions=[tree["s1"]], department=Department.objects.get(code="CGZF-440604011"))


@pytest.fixture
def checklist(reference):
    """The real 2022.1 checklist (一表巡), published: nine scenes, the hotel's has 52 items."""
    from inspections import services

    spec = json.loads((ROOT / "inspections/data/checklist.json").read_text(encoding="utf-8"))
    return services.checklist_version_publish(version=services.checklist_create(spec=spec))


def photo(name="site.jpg", colour=(180, 60, 40), size=(640, 480)):
    """A camera photo, as Playwright hands it to a file input."""
    buf = io.BytesIO()
    Image.new("RGB", size, colour).save(buf, format="JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": buf.getvalue()}


def report_case(reporter, code, description, **extra):
    """A case reported through the service (the way a phone's report reaches the server)."""
    from cases.models import CaseCategory
    from cases.services import case_report

    case, _ = case_report(reporter=reporter, client_uuid=uuid.uuid4(), category=CaseCategory.objects.get(code=code),
                          description=description, **{**S1_POINT, **extra})
    return case
