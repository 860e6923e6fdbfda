import io
import struct
import uuid
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cases.models import CaseCategory
from grids.models import StaffProfile
from grids.services import staff_create


@pytest.fixture
def categories(db):
    street = CaseCategory.objects.create(code="05", name="街面秩序")
    return {
        "major": street,
        "0507": CaseCategory.objects.create(code="0507", name="乱堆物料", parent=street, on_discovery=True, phrases=["门前堆放杂物"]),
        "0504": CaseCategory.objects.create(code="0504", name="店外经营", parent=street, on_discovery=False),
    }


@pytest.fixture
def report_kwargs(categories):
    def make(**overrides):
        kwargs = dict(client_uuid=uuid.uuid4(), category=categories["0504"], description="水果店占道经营", latitude=22.95, longitude=23.0 + 90.11)
        kwargs["longitude"] = 113.11
        kwargs.update(overrides)
        return kwargs

    return make


# --- files ---------------------------------------------------------------------------------------

def jpeg_bytes(width=64, height=48, colour=(200, 80, 40)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buf, format="JPEG")
    return buf.getvalue()


def jpeg_upload(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def png_bomb(width=8000, height=8000) -> bytes:
    """A valid 1-bit PNG of 64 megapixels (over our 50 Mpx limit) that is a few kilobytes on disk."""
    row = b"\0" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    data = b"".join(comp.compress(row * 500) for _ in range(height // 500)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IDAT", data) + _png_chunk(b"IEND", b"")


@pytest.fixture
def photo():
    """A fresh small JPEG upload (a different colour each call, so hashes differ)."""
    counter = iter(range(1, 10_000))

    def make(name="photo.jpg"):
        n = next(counter)
        return jpeg_upload(name=name, colour=(n * 37 % 256, n * 91 % 256, n * 53 % 256))

    return make


# --- departments -----------------------------------------------------------------------------------

@pytest.fixture
def departments(tree):
    from dispatch.models import Department

    cgzf = Department.objects.create(code="CGZF", name="区城管执法局", short_name="城管执法", region=tree["district"])
    sjj = Department.objects.create(code="SJJ", name="区市场监管局", short_name="市场监管", region=tree["district"])
    return {
        "CGZF": cgzf,
        "SJJ": sjj,
        "CGZF-s1": Department.objects.create(code="CGZF-440604011", name="石湾镇街道综合执法办", short_name="城管执法", parent=cgzf, region=tree["s1"]),
        "SJJ-s1": Department.objects.create(code="SJJ-440604011", name="石湾镇街道市场监管所", short_name="市场监管", parent=sjj, region=tree["s1"]),
    }


@pytest.fixture
def dept_users(departments, tree):
    pw = "pw-for-tests-1"
    R = StaffProfile.Role
    return {
        "cgzf": staff_create(username="cgzf", password=pw, full_name="城管队员", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments["CGZF-s1"]),
        "sjj": staff_create(username="sjj", password=pw, full_name="市监人员", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments["SJJ-s1"]),
    }
