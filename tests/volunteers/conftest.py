"""Volunteers fixtures: a team in 丽豪社区 (v1) and one in 东风社区 (v2), categories behind the
public page's icon list, volunteers, photos, and a fresh rate-limit cache per test."""

import io
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import CaseCategory
from grids.models import StaffProfile
from grids.services import staff_create
from volunteers import services
from volunteers.models import Volunteer

IN_V1 = {"latitude": "22.95", "longitude": "113.11"}  # 丽豪社区第1网格
IN_V2 = {"latitude": "22.95", "longitude": "113.16"}  # 东风社区


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def categories(db):
    city = CaseCategory.objects.create(code="01", name="市容环境")
    street = CaseCategory.objects.create(code="05", name="街面秩序")
    return {
        "0102": CaseCategory.objects.create(code="0102", name="暴露垃圾", parent=city, on_discovery=True),
        "0199": CaseCategory.objects.create(code="0199", name="市容环境其他", parent=city),
        "0504": CaseCategory.objects.create(code="0504", name="店外经营", parent=street, on_discovery=False),
        "0507": CaseCategory.objects.create(code="0507", name="乱堆物料", parent=street, on_discovery=True),
    }


@pytest.fixture
def teams(tree, categories):
    return {"v1": services.team_ensure(village=tree["v1"]), "v2": services.team_ensure(village=tree["v2"])}


@pytest.fixture
def team(teams):
    return teams["v1"]


@pytest.fixture
def staff(users, tree):
    """Village staff of v1 (from the shared fixture) and of v2 (another community)."""
    other = staff_create(username="vs2", password="pw-for-tests-1", full_name="东风村居", role=StaffProfile.Role.VILLAGE_STAFF,
                         regions=[tree["v2"]], verbs=("view", "manage"))
    return {"v1": users["village_staff"], "v2": other}


@pytest.fixture
def volunteer(team, staff):
    return services.volunteer_register(team=team, name="张美玲", phone="13912345678", kind=Volunteer.Kind.BUILDING_HEAD, by=staff["v1"])


@pytest.fixture
def volunteer2(team, staff):
    return services.volunteer_register(team=team, name="黄志强", phone="13787654321", kind=Volunteer.Kind.MERCHANT, by=staff["v1"])


def jpeg_bytes(colour=(200, 80, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return buf.getvalue()


_counter = iter(range(1, 1_000_000))


def photo(name="photo.jpg") -> SimpleUploadedFile:
    n = next(_counter)
    return SimpleUploadedFile(name, jpeg_bytes((n * 37 % 256, n * 91 % 256, n * 53 % 256)), content_type="image/jpeg")


def public_form(**overrides) -> dict:
    form = {"client_uuid": str(uuid.uuid4()), "phone": "13912345678", "problem_type": "garbage", "grid": "", "address": "丽豪路8号",
            "description": "垃圾桶满溢", "website": "", **IN_V1}
    form.update(overrides)
    return form


@pytest.fixture
def submit(client, team):
    """Upload a photo for a new form through the public upload endpoint, then post the form."""
    from django.urls import reverse

    def make(*, with_photo=True, team_=None, ip="10.0.0.1", **overrides):
        t = team_ or team
        form = public_form(**overrides)
        if with_photo:
            up = client.post(reverse("volunteers:upload", args=[t.report_code]), {"form_uuid": form["client_uuid"], "file": photo()},
                             REMOTE_ADDR=ip)
            assert up.status_code == 200, up.content
        return client.post(reverse("volunteers:report", args=[t.report_code]), form, REMOTE_ADDR=ip), form

    return make
