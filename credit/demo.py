"""Demo enterprises (a few hundred across the demo grids) with all three colours and their reasons.

- Every business place of the inspections demo (shop, restaurant, market, factory, hotel …)
  becomes an enterprise: its inspection history rates it.
- More enterprises are added per grid, each with its own place and a short inspection
  history written in bulk. A planned share gets reasons to be yellow (failed items, a linked
  case, a market-regulator class B/C) or red (a fire-exit veto item failed, a recorded veto,
  a class D); the rest are clean (green). Last inspections are spread so the grid workers'
  due lists mix colours and days overdue.
- Two district-centre overrides (with reasons and expiry dates) and a few printable placards.
- Then the full rescoring runs (the nightly job's code): every rating explains itself.

Credit codes are synthetic ("EG" + a sequence) with valid check characters; prefixes 91/92
(enterprise, sole trader), N2 (village collective) and Y1 (other). Idempotent: enterprises
are keyed by code, places by name and grid, inspections by UUID5, ratings by date.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import uuid
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from grids.models import Region

from .codes import make_uscc
from .models import ColourOverride, CreditScore, CreditVeto, DepartmentRating, Enterprise, EnterpriseCase, PlacardToken

User = get_user_model()
NAMESPACE = uuid.UUID("c4ed17a0-2b51-4f83-9a61-5d0e3c7b8a42")
TARGET = 300  # enterprises in all
BUSINESS_TYPES = {"shop", "restaurant", "supermarket", "farmers_market", "factory", "warehouse", "hotel", "construction_site"}

# (industry, place type, name pattern, enterprise type)
KINDS = [
    ("餐饮业", "restaurant", "{s}{w}餐厅", "个体工商户"),
    ("零售业", "shop", "{s}{w}便利店", "个体工商户"),
    ("零售业", "shop", "{s}{w}五金店", "个体工商户"),
    ("零售业", "supermarket", "{s}{w}超市有限公司", "有限责任公司(自然人投资或控股)"),
    ("陶瓷制品制造", "factory", "佛山市禅城区{w}陶瓷有限公司", "有限责任公司(自然人投资或控股)"),
    ("金属制品业", "factory", "佛山市{w}五金制品有限公司", "有限责任公司(自然人独资)"),
    ("仓储业", "warehouse", "佛山市{w}物流有限公司", "有限责任公司(自然人投资或控股)"),
    ("住宿业", "hotel", "{s}{w}宾馆", "个体工商户"),
    ("居民服务业", "shop", "{s}{w}理发店", "个体工商户"),
    ("农业", "shop", "{s}{w}经济合作社", "农村集体经济组织"),
]
WORDS = ["恒兴", "盛达", "佳美", "福满", "永安", "华盛", "利民", "顺发", "金源", "汇丰", "宏图", "鸿运", "新洲", "景泰",
         "嘉和", "明辉", "丰泽", "荣昌", "瑞祥", "德信", "广源", "兴隆", "旺角", "信诚", "益众", "联众", "创美", "安居"]
SURNAMES = "陈李黄梁何罗林周吴郭冼区麦谭邓"
GIVEN = ["志强", "美玲", "伟明", "秀英", "家豪", "丽娟", "国华", "嘉欣", "永健", "惠芳", "锦辉", "少珍"]


def seed(ctx):
    with transaction.atomic():
        enterprises = _enterprises()
        reasons = _reasons(enterprises)
    from . import services

    result = services.rescore_all()
    with transaction.atomic():
        _overrides_and_placards(enterprises)
    colours = dict.fromkeys(("green", "yellow", "red"), 0)
    for colour in CreditScore.objects.values_list("colour", flat=True):
        colours[colour] += 1
    ctx.say(
        f"Credit: {Enterprise.objects.count()} enterprises ({reasons} with reasons planned), rescored {result.rated} "
        f"({result.changed} changed): {colours['green']} green, {colours['yellow']} yellow, {colours['red']} red; "
        f"{ColourOverride.objects.count()} overrides, {PlacardToken.objects.filter(revoked_at=None).count()} placards"
    )


def _person(rnd) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


def _phone(rnd) -> str:
    return f"13{rnd.randint(0, 9)}{rnd.randint(10_000_000, 99_999_999)}"


def _enterprise_fields(rnd, *, name, kind, region, seq):
    industry, _ptype, _pattern, etype = kind
    prefix = "N2" if industry == "农业" else ("92" if etype == "个体工商户" else ("Y1" if seq % 37 == 0 else "91"))
    established = dt.date(2005, 1, 1) + dt.timedelta(days=rnd.randint(0, 7000))
    return Enterprise(
        uscc=make_uscc(seq, prefix=prefix), name=name, enterprise_type=etype, legal_representative=_person(rnd),
        registered_capital=Decimal(rnd.choice([3, 5, 10, 50, 100, 200, 500, 1000])), established_on=established,
        business_term_from=established, business_term_to=None if rnd.random() < 0.6 else established.replace(year=established.year + 20),
        registration_authority="佛山市禅城区市场监督管理局", business_scope=f"{industry}相关经营活动。(依法须经批准的项目，经相关部门批准后方可开展经营活动)",
        address=f"{region.parent.name if region.parent_id else ''}{rnd.randint(1, 199)}号", industry=industry,
        employees=rnd.randint(1, 120), contact_name=_person(rnd), contact_phone=_phone(rnd),
        status=Enterprise.Status.OPERATING if rnd.random() < 0.8 else Enterprise.Status.EXISTING,
        region=region, region_path=region.path,
        sources={"uscc": {"source": "demo", "date": "2026-01-01"}, "name": {"source": "demo", "date": "2026-01-01"}},
    )


def _enterprises() -> list[Enterprise]:
    from inspections.models import Place

    rnd = random.Random(13)
    grids = list(Region.objects.filter(level=Region.Level.GRID).select_related("parent").order_by("code"))
    if not grids:
        return []
    existing = {e.uscc: e for e in Enterprise.objects.all()}
    new: list[Enterprise] = []
    seq = 0
    # 1. Business places of the inspections demo.
    linked_places = set(Enterprise.objects.exclude(place=None).values_list("place_id", flat=True))
    # (Places this seed created carry their enterprise's code: leave them out, so a re-run numbers the same.)
    business = list(Place.objects.filter(place_type__in=BUSINESS_TYPES, is_free_location=False, enterprise_code="")
                    .select_related("grid__parent").order_by("id"))
    for place in business:
        seq += 1
        kind = next((k for k in KINDS if k[1] == place.place_type), KINDS[1])
        e = _enterprise_fields(rnd, name=place.name, kind=kind, region=place.grid, seq=seq)
        e.premises_address = place.address
        if e.uscc not in existing and place.pk not in linked_places:
            e.place = place
            new.append(e)
    # 2. More per grid, each with a place of its own.
    per_grid = max(1, (TARGET - len(business)) // len(grids))
    places_new = []
    place_names = {(p.name, p.grid_id): p for p in Place.objects.all()}
    for grid in grids:
        for n in range(per_grid):
            seq += 1
            kind = KINDS[(seq * 7 + n) % len(KINDS)]
            street = (grid.parent.name if grid.parent_id else "")[:2]
            name = kind[2].format(s=street, w=WORDS[(seq * 5) % len(WORDS)] + ("" if seq < len(WORDS) * 5 else str(seq % 97)))
            name = f"{name}({grid.name})" if "有限公司" not in name else name.replace("有限公司", f"{seq}号有限公司")
            e = _enterprise_fields(rnd, name=name, kind=kind, region=grid, seq=seq)
            e.premises_address = e.address
            if e.uscc in existing:
                continue
            place = place_names.get((name, grid.pk))
            if place is None:
                lng = (grid.min_lng or 113.1) + ((grid.max_lng or 113.11) - (grid.min_lng or 113.1)) * rnd.uniform(0.15, 0.85)
                lat = (grid.min_lat or 23.0) + ((grid.max_lat or 23.01) - (grid.min_lat or 23.0)) * rnd.uniform(0.15, 0.85)
                place = Place(name=name, place_type=kind[1], address=e.address, latitude=round(lat, 6), longitude=round(lng, 6),
                              grid=grid, region_path=grid.path, enterprise_code=e.uscc)
                places_new.append(place)
            e.place = place
            new.append(e)
    if places_new:
        Place.objects.bulk_create(places_new)
    for e in new:
        e.place_id = e.place.pk if e.place is not None else None
    Enterprise.objects.bulk_create(new, batch_size=500)
    return list(Enterprise.objects.select_related("place", "region").order_by("id"))


def _reasons(enterprises: list[Enterprise]) -> int:
    """Inspection history, cases, ratings and vetoes that make some enterprises yellow or red."""
    from cases.models import Case
    from dispatch.models import Department
    from inspections.demo import _worker
    from inspections.models import Answer, ChecklistVersion, Inspection, Scene

    version = ChecklistVersion.objects.filter(status=ChecklistVersion.Status.PUBLISHED).first()
    if version is None or not enterprises:
        return 0
    rnd = random.Random(31)
    now = timezone.now()
    scenes = {}
    for scene in Scene.objects.filter(version=version, kind=Scene.Kind.TYPE).prefetch_related("items"):  # the full lists
        items = sorted(scene.items.all(), key=lambda i: (i.order, i.pk))
        for ptype in scene.place_types:
            scenes[ptype] = (scene, items)
    sjj = Department.objects.filter(code="SJJ").first()
    officer = User.objects.filter(username="qu_officer").first()
    have = set(Inspection.objects.filter(client_uuid__in=[uuid.uuid5(NAMESPACE, f"{e.uscc}-0") for e in enterprises]).values_list("client_uuid", flat=True))
    inspections, answers_for, planned = [], [], 0
    workers = {}
    today = timezone.localdate()
    free_cases = list(
        Case.objects.filter(inspection_answer__isnull=True, enterprise_link__isnull=True)
        .exclude(status__in=("rejected", "merged", "cancelled", "pending_triage")).values_list("pk", "grid_id")
    )
    links = []
    for index, e in enumerate(enterprises):
        if e.place is None or e.place.place_type not in scenes:
            continue
        plan = "green"
        roll = (index * 37) % 100
        if roll < 12:
            plan = "red"
        elif roll < 34:
            plan = "yellow"
        scene, items = scenes[e.place.place_type]
        if plan != "green":
            planned += 1
        # Last inspection: red often recent, green spread widely (some overdue at 90 days).
        last_days = {"red": rnd.uniform(1, 14), "yellow": rnd.uniform(2, 50), "green": rnd.uniform(3, 120)}[plan]
        for k in range(rnd.randint(1, 3)):
            client_uuid = uuid.uuid5(NAMESPACE, f"{e.uscc}-{k}")
            if client_uuid in have:
                break
            at = now - dt.timedelta(days=last_days + 30 * k)
            if e.place.grid_id not in workers:
                workers[e.place.grid_id] = _worker(e.place.grid, len(workers))
            sample = items[:6] + rnd.sample(items[6:], min(4, max(0, len(items) - 6)))
            fails: dict[str, bool] = {}
            if k == 0 and plan == "yellow" and rnd.random() < 0.6:
                for item in rnd.sample([i for i in items if i.severity in ("medium", "high") and i.code not in ("XF-001",)], 3):
                    fails[item.code] = False
                    sample.append(item)
            if k == 0 and plan == "red" and index % 3 == 0:
                veto_item = next((i for i in items if i.code == "XF-001"), None)
                if veto_item is not None:
                    fails[veto_item.code] = False
                    sample.append(veto_item)
            seen = set()
            inspection = Inspection(
                client_uuid=client_uuid, place=e.place, scene=scene, version=version, inspector=workers[e.place.grid_id],
                grid=e.place.grid, region_path=e.place.region_path, status=Inspection.Status.SUBMITTED, started_at=at - dt.timedelta(minutes=12),
                submitted_at=at, latitude=e.place.latitude, longitude=e.place.longitude,
            )
            rows = []
            for item in sample:
                if item.pk in seen:
                    continue
                seen.add(item.pk)
                failed = item.code in fails
                rows.append(Answer(item=item, result="fail" if failed else "pass", fail_reason=(item.fail_reasons or [""])[0] if failed else "",
                                   department_id=item.department_id, region_path=e.place.region_path, submitted_at=at))
            inspection.pass_count = sum(1 for r in rows if r.result == "pass")
            inspection.fail_count = len(rows) - inspection.pass_count
            inspections.append(inspection)
            answers_for.append(rows)
        if plan == "yellow" and sjj is not None and index % 4 == 1:
            DepartmentRating.objects.update_or_create(
                enterprise=e, department=sjj, rated_on=today.replace(day=1),
                defaults={"credit_class": "C" if index % 8 == 1 else "B", "note": "企业信用风险分类结果(市场监管)", "imported_by": officer},
            )
        if plan == "yellow" and index % 4 == 2:
            case = next((c for c in free_cases if c[1] == e.region_id), None)
            if case is not None:
                free_cases.remove(case)
                links.append(EnterpriseCase(enterprise=e, case_id=case[0], linked_by=officer))
        if plan == "red" and index % 3 == 1:
            CreditVeto.objects.get_or_create(
                enterprise=e, reason="重大火灾隐患：员工宿舍与仓库同处一栋(三合一)",
                defaults={"occurred_on": today - dt.timedelta(days=20), "valid_until": today + dt.timedelta(days=160), "created_by": officer},
            )
        if plan == "red" and index % 3 == 2 and sjj is not None:
            DepartmentRating.objects.update_or_create(
                enterprise=e, department=sjj, rated_on=today.replace(day=1),
                defaults={"credit_class": "D", "note": "企业信用风险分类结果(市场监管)：高风险", "imported_by": officer},
            )
    if inspections:
        Inspection.objects.bulk_create(inspections, batch_size=500)
        rows = []
        for inspection, answers in zip(inspections, answers_for, strict=True):
            for a in answers:
                a.inspection = inspection
                rows.append(a)
        Answer.objects.bulk_create(rows, batch_size=2000)
    if links:
        EnterpriseCase.objects.bulk_create(links, ignore_conflicts=True)
    return planned


def _overrides_and_placards(enterprises: list[Enterprise]) -> None:
    officer = User.objects.filter(username="qu_officer").first()
    if officer is None or not enterprises:
        return
    now = timezone.now()
    scores = dict(CreditScore.objects.values_list("enterprise_id", "colour"))
    if not ColourOverride.objects.exists():
        yellow = next((e for e in enterprises if scores.get(e.pk) == "yellow"), None)
        green = next((e for e in enterprises if scores.get(e.pk) == "green" and e.place_id), None)
        if yellow is not None:
            ColourOverride.objects.create(enterprise=yellow, colour="green", reason="整改完毕经复查合格，经区中心研判提前恢复绿码",
                                          starts_at=now, expires_at=now + dt.timedelta(days=30), created_by=officer)
        if green is not None:
            ColourOverride.objects.create(enterprise=green, colour="red", reason="近期群众多次投诉夜间噪音和油烟，加强监管",
                                          starts_at=now, expires_at=now + dt.timedelta(days=60), created_by=officer)
    if not PlacardToken.objects.exists():
        PlacardToken.objects.bulk_create([
            PlacardToken(enterprise=e, token=secrets.token_urlsafe(24), created_by=officer) for e in enterprises[:12]
        ])
