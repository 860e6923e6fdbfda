"""Dispatch fixtures: departments with street units, categories with routing rules, department staff."""

import io
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import CaseCategory, Tier
from cases.services import Upload, case_report, evidence_check
from dispatch.models import Department, RoutingRule
from grids.models import StaffProfile
from grids.services import staff_create

R = StaffProfile.Role
PW = "pw-for-tests-1"
# Inside grid 440604011001001 (石湾镇街道 › 丽豪社区第1网格) of the shared test tree.
S1_POINT = {"latitude": 22.95, "longitude": 113.11}
# Inside 440604010001001 (祖庙街道 › 镇安村第1网格).
S2_POINT = {"latitude": 23.05, "longitude": 113.12}


@pytest.fixture
def departments(tree):
    """CGZF and SJJ at district level, each with a unit in both streets."""
    out = {}
    for code, name, suffix, prefix in [
        ("CGZF", "禅城区城市管理和综合执法局", "综合执法办", "禅城城管限改"),
        ("SJJ", "禅城区市场监督管理局", "市场监督管理所", "禅城市监限改"),
    ]:
        top = Department.objects.create(code=code, name=name, short_name=name[3:7], region=tree["district"], notice_prefix=prefix)
        out[code] = top
        for street in (tree["s1"], tree["s2"]):
            out[f"{code}-{street.code}"] = Department.objects.create(
                code=f"{code}-{street.code}", name=f"{street.name}{suffix}", short_name=name[3:7], parent=top, region=street,
            )
    return out


@pytest.fixture
def categories(db):
    major = CaseCategory.objects.create(code="01", name="市容环境")
    return {
        "major": major,
        "0101": CaseCategory.objects.create(code="0101", name="私搭乱建", parent=major),
        "0102": CaseCategory.objects.create(code="0102", name="暴露垃圾", parent=major, on_discovery=True),
        "0901": CaseCategory.objects.create(code="0901", name="无证经营食品", parent=major),
        "0199": CaseCategory.objects.create(code="0199", name="其他", parent=major),
    }


def rule(category, department, *, tier=Tier.STREET, accept=("2", "working_hours"), handle=("3", "working_days"), region=None, urgency=""):
    return RoutingRule.objects.create(
        category=category, department=department, tier=tier, region=region, urgency=urgency,
        accept_limit=Decimal(accept[0]), accept_unit=accept[1], handle_limit=Decimal(handle[0]), handle_unit=handle[1],
    )


@pytest.fixture
def rules(categories, departments):
    """0101 → street/CGZF, 0102 → village/CGZF (1 working hour to accept), 0901 → street/SJJ; 0199 unrouted."""
    return {
        "0101": rule(categories["0101"], departments["CGZF"]),
        "0102": rule(categories["0102"], departments["CGZF"], tier=Tier.VILLAGE, accept=("1", "working_hours"), handle=("1", "working_days")),
        "0901": rule(categories["0901"], departments["SJJ"], handle=("5", "working_days")),
    }


@pytest.fixture
def dept_users(departments, tree):
    def make(username, code, region):
        return staff_create(username=username, password=PW, full_name=username, role=R.DEPARTMENT_STAFF, regions=[region], department=departments[code])

    return {
        "cgzf_s1": make("cgzf_s1", "CGZF-440604011", tree["s1"]),
        "cgzf_s1_b": make("cgzf_s1_b", "CGZF-440604011", tree["s1"]),
        "sjj_s1": make("sjj_s1", "SJJ-440604011", tree["s1"]),
        "cgzf_s2": make("cgzf_s2", "CGZF-440604010", tree["s2"]),
        # A district-department user whose jurisdiction is only the first street.
        "cgzf_top_s1": make("cgzf_top_s1", "CGZF", tree["s1"]),
    }


@pytest.fixture
def report(users, rules):
    """Report a case as the grid worker (registered and routed at once)."""

    def make(code="0101", point=None, reporter=None, **extra):
        from cases.models import CaseCategory

        case, _created = case_report(
            reporter=reporter or users["grid_worker"], client_uuid=uuid.uuid4(), category=CaseCategory.objects.get(code=code),
            description=extra.pop("description", "人行道私搭棚架"), **(point or S1_POINT), **extra,
        )
        return case

    return make


def jpeg_bytes(colour=(200, 80, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return buf.getvalue()


def jpeg_upload(name="photo.jpg", colour=(200, 80, 40)) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(colour), content_type="image/jpeg")


def photos(colour=(200, 80, 40)):
    return evidence_check(uploads=[Upload(file=io.BytesIO(jpeg_bytes(colour)))])
