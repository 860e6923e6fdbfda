"""Demo inspections: the 2022.1 checklist, ~60 places across the demo grids, a few hundred
submitted inspections over the past four months, their answers and the failed items' cases.

The checklist is loaded from ``inspections/data/checklist.json`` through the same service
path as an .xlsx import (``checklist_create`` → ``checklist_version_publish``).
The history is backfilled with bulk inserts (one INSERT for the inspections, one for the
answers, one for the photos) and the failed items become cases through
``cases.batch.case_report_batch`` — dated when the inspection happened. Older failures
are mostly items fixed on the spot (closed, 发现即办); open cases come from the last
three weeks, so the dispatch queues look like a normal month.

Idempotent: every inspection has a fixed UUID, places are found by name and grid, and
the checklist by its version label; running the seed twice changes nothing more.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import random
import uuid
import zlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from grids.models import Region, StaffProfile
from grids.services import staff_create

from . import services
from .models import Answer, ChecklistVersion, Inspection, InspectionPhoto, Place, Result, Scene

User = get_user_model()
DATA = Path(__file__).resolve().parent / "data" / "checklist.json"
NAMESPACE = uuid.UUID("6a3e2c1b-4d5f-4b7a-9c8e-0f1a2b3c4d5e")
DAYS = 120
OPEN_CASE_DAYS = 21  # only failures this recent are still open cases

# Places per village (village code): (name, place type, address). Grid 1 of 丽豪 and 镇安 are
# the demo grid workers' own grids, so they get the most places.
PLACES = {
    "440604011001": [  # 丽豪社区
        ("丽豪水果店", "shop", "丽豪路12号"), ("丽豪烧腊饭店", "restaurant", "丽豪路18号"), ("佳家乐超市(丽豪店)", "supermarket", "丽豪路26号"),
        ("丽豪花园", "residential_compound", "丽豪路88号"), ("丽豪五金建材店", "shop", "丽豪横街3号"), ("丽豪社区公园", "public_space", "丽豪路与石湾公园路交界"),
        ("陶都快捷宾馆", "hotel", "石湾公园路7号"), ("丽豪路沿街段", "street", "丽豪路全段"),
    ],
    "440604011002": [  # 东风社区
        ("东风早茶楼", "restaurant", "东风路5号"), ("东风社区综合巡查点", "other", "东风路与江湾路交界"), ("东风小区", "residential_compound", "东风路60号"), ("东风便利店", "shop", "东风路21号"),
        ("东风路燃气供应站", "warehouse", "东风路99号"), ("东风大药房", "shop", "东风路33号"),
    ],
    "440604011003": [  # 城南社区
        ("城南理发店", "shop", "城南大道14号"), ("城南雅苑", "residential_compound", "城南大道120号"), ("石湾陶瓷釉料厂", "factory", "城南工业区2号"),
        ("城南农贸市场", "farmers_market", "城南大道40号"), ("城南大道改造工程工地", "construction_site", "城南大道东段"),
    ],
    "440604010001": [  # 镇安村
        ("镇安农贸市场", "farmers_market", "镇安大街1号"), ("镇安五金店", "shop", "镇安大街9号"), ("镇安村东坊出租屋", "rental_housing", "镇安东坊三巷5号"),
        ("镇安鱼片粥", "restaurant", "镇安大街17号"), ("镇安村西坊出租屋", "rental_housing", "镇安西坊一巷2号"), ("镇安针织厂", "factory", "镇安工业路6号"),
        ("镇安大街沿街段", "street", "镇安大街全段"),
    ],
    "440604010002": [  # 塔坡社区
        ("塔坡茶餐厅", "restaurant", "塔坡街2号"), ("塔坡小学门前广场", "public_space", "塔坡街30号"), ("塔坡便利店", "shop", "塔坡街11号"),
        ("塔坡旅馆", "hotel", "塔坡街45号"), ("塔坡花园", "residential_compound", "塔坡街66号"), ("塔坡街沿街段", "street", "塔坡街全段"),
    ],
    "440604010003": [  # 莲花社区
        ("莲花手机维修", "shop", "莲花路8号"), ("莲花路步行街段", "street", "莲花路"), ("莲花大厦工地", "construction_site", "莲花路与祖庙路交界"),
        ("莲花湘菜馆", "restaurant", "莲花路22号"),
    ],
    "440604012001": [  # 智城社区
        ("智城湘菜馆", "restaurant", "智城路3号"), ("智城花园二期工地", "construction_site", "智城路北侧"), ("智城文具店", "shop", "智城路15号"),
        ("智城物流仓库", "warehouse", "智城工业园B区"), ("智城公寓出租屋", "rental_housing", "智城路50号"), ("百佳惠超市(智城店)", "supermarket", "智城路70号"),
    ],
    "440604012002": [  # 下朗村
        ("下朗陶瓷厂", "factory", "下朗工业区1号"), ("下朗村12巷出租屋", "rental_housing", "下朗村12巷8号"), ("下朗牛杂店", "restaurant", "下朗大道6号"),
        ("下朗综合市场", "farmers_market", "下朗大道30号"),
    ],
    "440604012003": [  # 大富村
        ("大富针织厂", "factory", "大富工业区5号"), ("大富村文化广场", "public_space", "大富村委会前"), ("大富百货店", "shop", "大富大街10号"),
    ],
    "440604100001": [  # 河畔社区
        ("河畔公园", "public_space", "河畔路"), ("河畔文具店", "shop", "河畔路12号"), ("河畔花园", "residential_compound", "河畔路100号"), ("河畔新村出租屋", "rental_housing", "河畔新村二巷4号"),
        ("河畔河鲜馆", "restaurant", "河畔路28号"),
    ],
    "440604100002": [  # 南庄村
        ("南庄建材仓库", "warehouse", "南庄大道西88号"), ("南庄综合市场", "farmers_market", "南庄大道18号"), ("南庄陶瓷厂", "factory", "南庄工业区3号"),
    ],
    "440604100003": [  # 紫南村
        ("紫南花店", "shop", "紫南大街7号"), ("紫南五金制品厂", "factory", "紫南工业路2号"), ("紫南村文化广场", "public_space", "紫南村委会前"),
        ("紫南旅馆", "hotel", "紫南大街33号"),
    ],
}
# Grid workers who do the backfilled inspections: the two demo logins hold grid 1 of their
# village; the other grids get their own (non-login) full-time worker.
DEMO_WORKERS = {"440604011001001": "lihao_grid01", "440604010001001": "zhenan_grid01"}
WORKER_NAMES = ["黄家明", "陈少华", "何伟强", "梁嘉欣", "罗志成", "冯丽芳", "区永健", "潘雪梅", "吴国良", "邓慧敏", "麦浩然", "苏婉仪",
                "叶文杰", "谭美玲", "卢建新", "钟秀英", "关志伟", "莫小燕", "岑国华", "杜家豪", "霍敏仪", "简伟明", "黎碧霞", "容志坚"]


def seed(ctx):
    version = _checklist(ctx)
    places = _places()
    created = _history(version, places)
    draft = _draft_in_progress(places)
    again = _reinspection(places)
    ctx.say(
        f"Inspections: checklist {version.label} ({version.items.count()} items, {version.scenes.count()} scenes), "
        f"{Place.objects.count()} places, {Inspection.objects.filter(status=Inspection.Status.SUBMITTED).count()} submitted inspections "
        f"({created} new), {Answer.objects.count()} answers, {Answer.objects.exclude(case=None).count()} cases from failed items"
        + (", 1 draft in progress" if draft else "") + (", 1 re-inspection (复查)" if again else "")
    )


def _checklist(ctx) -> ChecklistVersion:
    # checklist.json holds a full list per kind of place, a short list (20 items, the most
    # serious first) per kind of place, and 综合巡查 (all 247 items, offered at every place; the
    # form of places of no particular kind, and the one the benchmark times).
    spec = json.loads(DATA.read_text(encoding="utf-8"))
    version = ChecklistVersion.objects.filter(label=spec["version"]).first()
    if version is None:
        with transaction.atomic():
            version = services.checklist_create(spec=spec)
            version = services.checklist_version_publish(version=version)
    elif version.status == ChecklistVersion.Status.PUBLISHED and not version.scenes.filter(kind=Scene.Kind.SHORT).exists():
        # Seeded before the short lists existed: a published version never changes, so they come
        # as the next version (its history stays on the one it was answered against).
        label = f"{spec['version']}-short"
        newer = ChecklistVersion.objects.filter(label=label).first()
        if newer is None:
            with transaction.atomic():
                newer = services.checklist_version_publish(version=services.checklist_create(spec={**spec, "version": label}))
        return newer
    return ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first() or version


def _grid_box(grid: Region):
    return grid.min_lng, grid.min_lat, grid.max_lng, grid.max_lat


@transaction.atomic
def _places() -> list[Place]:
    rnd = random.Random(20221)
    grids = {g.code: g for g in Region.objects.filter(level=Region.Level.GRID)}
    admin = User.objects.filter(username="admin").first()
    existing = {(p.name, p.grid_id): p for p in Place.objects.all()}
    out = []
    for village, rows in PLACES.items():
        for n, (name, place_type, address) in enumerate(rows):
            # Most places sit in grids 1 and 2; every fourth one further out.
            grid = grids.get(f"{village}{(1 if n % 2 == 0 else 2) if n % 4 != 3 else 3:03d}") or grids.get(f"{village}001")
            if grid is None:
                continue
            place = existing.get((name, grid.pk))
            if place is None:
                min_lng, min_lat, max_lng, max_lat = _grid_box(grid)
                lng = round(min_lng + (max_lng - min_lng) * rnd.uniform(0.15, 0.85), 6)
                lat = round(min_lat + (max_lat - min_lat) * rnd.uniform(0.15, 0.85), 6)
                place = services.place_create(by=admin, name=name, place_type=place_type, address=address, latitude=lat, longitude=lng, grid=grid)
            out.append(place)
    return out


def _worker(grid: Region, index: int):
    username = DEMO_WORKERS.get(grid.code) or f"gw_{grid.code}"
    user = User.objects.filter(username=username).select_related("profile").first()
    if user is None:
        # Not a demo login: no usable password (and no slow password hashing).
        user = staff_create(username=username, password=None, full_name=WORKER_NAMES[index % len(WORKER_NAMES)],
                            role=StaffProfile.Role.GRID_WORKER, regions=[grid])
    return user


def _photo(seed_key: str) -> bytes:
    rnd = random.Random(seed_key)
    im = Image.new("RGB", (480, 360), (rnd.randint(110, 200), rnd.randint(130, 200), rnd.randint(140, 220)))
    draw = ImageDraw.Draw(im)
    for _ in range(6):
        x, y = rnd.randint(0, 420), rnd.randint(0, 300)
        draw.rectangle([x, y, x + rnd.randint(30, 120), y + rnd.randint(20, 80)], fill=(rnd.randint(40, 230), rnd.randint(40, 200), rnd.randint(30, 180)))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=70)
    return buf.getvalue()


def _history(version: ChecklistVersion, places: list[Place]) -> int:
    """Backfill ~5 inspections per place over DAYS days. Returns how many were created now."""
    from cases.batch import case_report_batch
    from cases.evidence import process_image

    rnd = random.Random(7)
    now = timezone.now()
    scene_items = {s.pk: list(s.items.select_related("category").order_by("order", "id")) for s in version.scenes.all()}
    planned = []
    for p_index, place in enumerate(places):
        scene = services.scene_for_place_type(version=version, place_type=place.place_type)
        if scene is None:
            continue
        count = rnd.randint(3, 7)
        overdue = p_index % 5 == 4  # every fifth place has not been inspected for over a month: it is due
        for k in range(count):
            if overdue:
                days_ago = rnd.uniform(35, DAYS)
            else:
                days_ago = rnd.uniform(0.3, DAYS) if k else rnd.uniform(0.3, 25)
            local = timezone.localtime(now - dt.timedelta(days=days_ago))
            at = local.replace(hour=rnd.randint(9, 16), minute=rnd.randint(0, 59), second=0, microsecond=0)
            if at > now:
                at -= dt.timedelta(days=1)
            planned.append((uuid.uuid5(NAMESPACE, f"inspection-{place.name}-{k}"), place, scene, at, p_index))
    have = set(Inspection.objects.filter(client_uuid__in=[p[0] for p in planned]).values_list("client_uuid", flat=True))
    todo = sorted((p for p in planned if p[0] not in have), key=lambda p: p[3])
    if not todo:
        return 0
    workers = {}
    with transaction.atomic():
        rows, plans = [], []
        for client_uuid, place, scene, at, p_index in todo:
            if place.grid_id not in workers:
                workers[place.grid_id] = _worker(place.grid, len(workers))
            inspector = workers[place.grid_id]
            answers = {}
            for item in scene_items[scene.pk]:
                roll = rnd.random()
                if roll < 0.08:
                    answers[item.code] = {"result": Result.NA}
                elif roll < 0.08 + (0.05 if item.on_discovery else 0.015):
                    recent = (now - at).days <= OPEN_CASE_DAYS
                    fixed = item.on_discovery and (not recent or rnd.random() < 0.5)
                    if not recent and not fixed:
                        answers[item.code] = {"result": Result.PASS}
                        continue
                    answers[item.code] = {"result": Result.FAIL, "reason": rnd.choice(item.fail_reasons), "fixed": fixed}
                else:
                    answers[item.code] = {"result": Result.PASS}
            # A few submits far from the place, or without a location, to show the flag.
            flag_roll = rnd.random()
            if flag_roll < 0.03:
                flag, distance, lat, lng = Inspection.LocationFlag.FAR, rnd.randint(800, 4000), place.latitude + 0.02, place.longitude + 0.02
            elif flag_roll < 0.05:
                flag, distance, lat, lng = Inspection.LocationFlag.MISSING, None, None, None
            else:
                flag, distance = Inspection.LocationFlag.NONE, None
                lat, lng = round(place.latitude + rnd.uniform(-0.0003, 0.0003), 6), round(place.longitude + rnd.uniform(-0.0003, 0.0003), 6)
            counts = {r: sum(1 for a in answers.values() if a["result"] == r) for r in Result.values}
            rows.append(Inspection(
                client_uuid=client_uuid, place=place, scene=scene, version=version, inspector=inspector, grid=place.grid,
                region_path=place.region_path, status=Inspection.Status.SUBMITTED,
                started_at=at - dt.timedelta(minutes=rnd.randint(6, 25)), submitted_at=at, latitude=lat, longitude=lng,
                location_flag=flag, location_distance_m=distance, draft={},
                pass_count=counts[Result.PASS], fail_count=counts[Result.FAIL], na_count=counts[Result.NA],
            ))
            plans.append((answers, inspector))
        Inspection.objects.bulk_create(rows)

        photos, answer_rows, images = [], [], {}
        for inspection, (answers, inspector) in zip(rows, plans):
            items = scene_items[inspection.scene_id]
            failed = [(item, answers[item.code]) for item in items if answers[item.code]["result"] == Result.FAIL]
            evidence = {}
            for item, entry in failed:
                evidence[item.code] = []
                stages = [InspectionPhoto.Stage.FAIL] + ([InspectionPhoto.Stage.AFTER] if entry["fixed"] else [])
                for stage in stages:
                    # A handful of synthetic photos, checked once and reused (re-encoding each is slow).
                    key = zlib.crc32(f"{item.code}{stage}".encode()) % 12
                    if key not in images:
                        images[key] = process_image(io.BytesIO(_photo(f"demo-photo-{key}")))
                    image = images[key]
                    photo = InspectionPhoto(inspection=inspection, item=item, stage=stage, sha256=image.sha256, width=image.width,
                                            height=image.height, size=len(image.content))
                    name = f"{item.code}-{stage}-{image.sha256[:16]}.jpg"
                    photo.file.save(name, ContentFile(image.content), save=False)
                    photo.thumbnail.save(f"thumb-{name}", ContentFile(image.thumbnail), save=False)
                    photos.append(photo)
                    evidence[item.code].append(photo)
            cases = {}
            if failed:
                batch = []
                for item, entry in failed:
                    batch.append({
                        "client_uuid": uuid.uuid5(inspection.client_uuid, item.code), "category": item.category,
                        "description": f"{item.title}：{entry['reason']}", "latitude": inspection.place.latitude,
                        "longitude": inspection.place.longitude, "grid": inspection.place.grid, "address": inspection.place.address,
                        "place_name": inspection.place.name, "self_handled": entry["fixed"], "self_handle_note": "巡查时当场整改" if entry["fixed"] else "",
                        "evidence": [
                            {"stage": ("before" if entry["fixed"] else "report") if p.stage == InspectionPhoto.Stage.FAIL else "after",
                             "file": p.file.name, "thumbnail": p.thumbnail.name, "sha256": p.sha256, "width": p.width, "height": p.height, "size": p.size}
                            for p in evidence[item.code]
                        ],
                        "data": {"inspection": str(inspection.client_uuid), "item": item.code, "version": version.label},
                    })
                for (item, _entry), case in zip(failed, case_report_batch(reporter=inspector, items=batch, at=inspection.submitted_at)):
                    cases[item.code] = case
            for item in items:
                entry = answers[item.code]
                answer_rows.append(Answer(
                    inspection=inspection, item=item, result=entry["result"], fail_reason=entry.get("reason", ""),
                    fixed_on_spot=entry.get("fixed", False), case=cases.get(item.code), department_id=item.department_id,
                    region_path=inspection.region_path, submitted_at=inspection.submitted_at,
                ))
        InspectionPhoto.objects.bulk_create(photos)
        Answer.objects.bulk_create(answer_rows, batch_size=2000)
    return len(rows)


def _draft_in_progress(places: list[Place]) -> Inspection | None:
    """丽豪水果店 half inspected by lihao_grid01: the phone home shows it to resume."""
    worker = User.objects.filter(username="lihao_grid01").first()
    place = next((p for p in places if p.name == "丽豪水果店"), None)
    if worker is None or place is None:
        return None
    inspection = services.inspection_start(inspector=worker, place=place, client_uuid=uuid.uuid5(NAMESPACE, "draft-lihao-fruit"))
    if inspection.is_draft and not inspection.draft:
        for item in list(inspection.checklist_items().order_by("order", "id"))[:8]:
            services.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result=Result.PASS)
    return inspection if inspection.is_draft else None


def _reinspection(places: list[Place]) -> Inspection | None:
    """A 复查 by lihao_grid01 of a place in their grid whose latest inspection found failures: only
    those items, all fixed now (the records link to each other)."""
    worker = User.objects.filter(username="lihao_grid01").first()
    client_uuid = uuid.uuid5(NAMESPACE, "reinspection-lihao")
    existing = Inspection.objects.filter(client_uuid=client_uuid).first()
    if existing is not None or worker is None:
        return existing
    for place in places:
        if place.grid.code != "440604011001001" or place.name == "丽豪水果店":
            continue
        latest = place.inspections.filter(status=Inspection.Status.SUBMITTED).order_by("-submitted_at", "-id").first()
        if latest is None or not latest.fail_count or latest.reinspections.exists():
            continue
        try:
            again = services.inspection_reinspect(inspector=worker, previous=latest, client_uuid=client_uuid)
        except services.InspectionError:
            continue
        if not again.is_draft or again.client_uuid != client_uuid:
            continue
        services.inspection_mark_rest_passed(inspection=again, inspector=worker)
        again, _created = services.inspection_submit(inspection=again, inspector=worker, latitude=place.latitude, longitude=place.longitude,
                                                     remark="复查：上次不合格事项已全部整改")
        return again
    return None
