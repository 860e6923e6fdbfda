"""Demo regions for Chancheng (禅城区, 440604) and one login per office role."""

from django.contrib.auth import get_user_model
from django.db import transaction

from core.demo import DEMO_PASSWORD

from . import geo
from .models import Region, StaffProfile
from .services import region_create, staff_create

User = get_user_model()
R = StaffProfile.Role

DISTRICT = ("440604", "禅城区")
# street code, name, bounding box (min_lng, min_lat, max_lng, max_lat), villages
STREETS = [
    ("440604010", "祖庙街道", (113.08, 23.02, 113.15, 23.07), ["镇安村", "塔坡社区", "莲花社区"]),
    ("440604011", "石湾镇街道", (113.08, 22.96, 113.15, 23.02), ["丽豪社区", "东风社区", "城南社区"]),
    ("440604012", "张槎街道", (113.02, 23.02, 113.08, 23.07), ["智城社区", "下朗村", "大富村"]),
    ("440604100", "南庄镇", (113.02, 22.96, 113.08, 23.02), ["河畔社区", "南庄村", "紫南村"]),
]
GRIDS_PER_SIDE = 2  # each village is tiled by 2 x 2 grids


def _split(box, cols, rows):
    min_lng, min_lat, max_lng, max_lat = box
    w, h = (max_lng - min_lng) / cols, (max_lat - min_lat) / rows
    for r in range(rows):
        for c in range(cols):
            # North-west first, as grid numbering usually runs west→east, north→south.
            yield (round(min_lng + c * w, 6), round(max_lat - (r + 1) * h, 6), round(min_lng + (c + 1) * w, 6), round(max_lat - r * h, 6))


def _region(code, name, level, parent, box):
    existing = Region.objects.filter(code=code).first()
    if existing:
        return existing
    return region_create(code=code, name=name, level=level, parent=parent, boundary=geo.rectangle(*box))


def _user(ctx, username, full_name, role, regions, verbs, note, **extra):
    if not User.objects.filter(username=username).exists():
        user = staff_create(username=username, password=DEMO_PASSWORD, full_name=full_name, role=role, regions=regions, verbs=verbs, **extra)
        if role == R.ADMINISTRATOR:
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
    ctx.login(username, str(R(role).label), note)


@transaction.atomic
def seed(ctx):
    d_code, d_name = DISTRICT
    district = _region(d_code, d_name, Region.Level.DISTRICT, None, (113.02, 22.96, 113.15, 23.07))
    for s_code, s_name, s_box, villages in STREETS:
        street = _region(s_code, s_name, Region.Level.STREET, district, s_box)
        for i, (v_name, v_box) in enumerate(zip(villages, _split(s_box, len(villages), 1)), start=1):
            village = _region(f"{s_code}{i:03d}", v_name, Region.Level.VILLAGE, street, v_box)
            for j, g_box in enumerate(_split(v_box, GRIDS_PER_SIDE, GRIDS_PER_SIDE), start=1):
                _region(f"{village.code}{j:03d}", f"{v_name}第{j}网格", Region.Level.GRID, village, g_box)
    ctx.say(f"Regions: {Region.objects.count()} ({Region.objects.filter(level=Region.Level.GRID).count()} grids)")

    get = lambda code: Region.objects.get(code=code)  # noqa: E731
    _user(ctx, "admin", "系统管理员", R.ADMINISTRATOR, [district], ("view", "manage", "dispatch"), "/admin/")
    _user(ctx, "qu_officer", "王志明", R.DISTRICT_OFFICER, [district], ("view", "dispatch"), "区智慧社会治理中心")
    _user(ctx, "shiwan_officer", "李慧珍", R.STREET_OFFICER, [get("440604011")], ("view", "dispatch"), "石湾镇街道中心")
    _user(ctx, "lihao_staff", "陈嘉欣", R.VILLAGE_STAFF, [get("440604011001")], ("view", "manage"), "丽豪社区")
    _user(ctx, "lihao_grid01", "刘锡泉", R.GRID_WORKER, [get("440604011001001")], ("view",), "丽豪社区第1网格", phone="13800000001")
    _user(ctx, "zhenan_grid01", "梁伟健", R.GRID_WORKER, [get("440604010001001")], ("view",), "镇安村第1网格", phone="13800000002")
