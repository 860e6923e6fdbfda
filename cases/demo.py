"""Demo cases: the category table, and cases in every resting state across the demo villages.

Every case is made through the services (report, triage, register, dispatch, accept,
return, handle, verify, close, reopen, merge, cancel, 发现即办), so each has a real
timeline. Each scenario has a fixed submission UUID: running the seed twice changes
nothing more. Afterwards a scenario's timestamps are moved back in time (one queryset
update) so the lists look like a few weeks of work, with some deadlines overdue.

``reported`` is not a resting state: a report is registered or sent to triage in the
same transaction, so no case stays in it.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageDraw

from grids.models import Region

from .categories import subcategory_rows
from .models import Case, CaseAttachment, CaseCategory, CaseEvent
from .services import (
    Upload,
    _next_number,
    case_merge,
    case_report,
    case_self_handle,
    case_transition,
    category_import_json,
    evidence_check,
)

User = get_user_model()
S = Case.Status
DATA = Path(__file__).resolve().parent / "data" / "categories.json"
NAMESPACE = uuid.UUID("3f0c3d1e-8a4b-4c55-9a36-6d2b0f1c0a42")

LIHAO_G1 = "440604011001001"
LIHAO_G2 = "440604011001002"
DONGFENG_G1 = "440604011002001"
CHENGNAN_G3 = "440604011003003"
ZHENAN_G1 = "440604010001001"
TAPO_G2 = "440604010002002"
ZHICHENG_G1 = "440604012001001"
XIALANG_G4 = "440604012002004"
HEPAN_G2 = "440604100001002"
NANZHUANG_G1 = "440604100002001"

# key, grid, category, reporter (username, or None for a volunteer/public report), source,
# the steps after reporting, days ago, description, address
SCENARIOS = [
    ("registered-1", LIHAO_G1, "0513", "lihao_grid01", "grid_worker", [], 0.1, "空调室外机安装过低，距地面不足2米，影响行人通行", "丽豪路8号旁"),
    ("registered-2", ZHENAN_G1, "0701", "zhenan_grid01", "grid_worker", [], 0.2, "消防通道被杂物和电动车堵塞，宽度不足1米", "镇安村二坊12号后巷"),
    ("registered-3", ZHICHENG_G1, "1103", "qu_officer", "hotline", [], 0.5, "12345热线转来：出租屋外墙开裂，住户担心安全", "智城社区三街5号"),
    ("triage-1", LIHAO_G2, "0601", None, "volunteer", [], 0.05, "地铁口共享单车堆放二三十辆，挡住盲道", "丽豪地铁站B出口"),
    ("triage-2", TAPO_G2, "1001", None, "public_qr", [], 0.3, "晚上广场舞音响太大声，十点后还没停", "塔坡社区文化广场"),
    ("triage-3", HEPAN_G2, "0102", None, "open_api", [], 0.6, "河边步道垃圾桶满溢，有异味", "河畔社区滨河步道"),
    ("rejected-1", LIHAO_G2, "1201", None, "volunteer", [("reject", "lihao_staff", "经核实为家庭内部事务，已由社区调解员跟进，不予立案")], 3, "楼上楼下因漏水吵架", "丽豪花园3座"),
    ("original-1", LIHAO_G1, "0504", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", "")], 1.5, "水果店在门口人行道摆卖，占道约3米", "丽豪路22号"),
    ("merged-1", LIHAO_G1, "0504", None, "public_qr", [("merge", "lihao_staff", "original-1")], 1.4, "丽豪路22号水果店占道经营", "丽豪路22号"),
    ("self-handled-1", LIHAO_G1, "0201", "lihao_grid01", "grid_worker", [("self_handle", "lihao_grid01", "已现场清除小广告")], 0.8, "电线杆上张贴办证小广告", "丽豪路口电线杆"),
    ("self-handled-late", ZHENAN_G1, "0507", "zhenan_grid01", "grid_worker", [("late_self_handle", "zhenan_grid01", "联系店主将杂物搬回店内")], 2, "店铺门前乱堆纸箱杂物", "镇安路66号"),
    ("dispatched-1", DONGFENG_G1, "0302", "shiwan_officer", "hotline", [("dispatch", "shiwan_officer", "")], 2.5, "工地土方未覆盖，大风扬尘严重", "东风路与文华路交界工地"),
    ("dispatched-2", ZHENAN_G1, "1002", "zhenan_grid01", "grid_worker", [("dispatch", "qu_officer", "")], 1, "餐饮店油烟直排，未装净化设施", "镇安村大街18号"),
    ("accepted-1", LIHAO_G1, "0101", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", "已签收，安排中队核查")], 4, "商铺违规搭建铁皮雨棚", "丽豪路30号"),
    ("returned-1", CHENGNAN_G3, "0902", "shiwan_officer", "hotline", [("dispatch", "shiwan_officer", ""), ("return", "sjj_shiwan", "经核查该店已停业，请核实地址后重新派遣")], 3, "群众反映小卖部出售过期食品", "城南市场东侧"),
    ("handled-1", LIHAO_G1, "0503", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "已责令收购点退回店内经营，现场已清理")], 5, "废品收购点占用人行道堆放", "丽豪新村东门"),
    ("handled-2", LIHAO_G1, "0306", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "已对运输车辆驾驶员进行教育并登记")], 3, "渣土车未密闭，沿路撒落", "丽豪路与石湾大道路口"),
    ("verified-1", LIHAO_G1, "0303", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "已清扫路面"), ("verify", "lihao_grid01", "现场已清理干净")], 6, "道路上有泥浆遗撒", "丽豪路40号"),
    ("closed-1", LIHAO_G1, "0107", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "废弃车辆已拖移"), ("verify", "lihao_grid01", "确认已拖走"), ("close", "lihao_staff", "")], 12, "路边停放废弃摩托车一辆，长期无人使用", "丽豪小学南侧"),
    ("closed-2", LIHAO_G2, "0904", "shiwan_officer", "hotline", [("dispatch", "shiwan_officer", ""), ("accept", "sjj_shiwan", ""), ("handle", "sjj_shiwan", "已责令整改，复查合格"), ("verify", "lihao_staff", "社区复核通过"), ("close", "shiwan_officer", "")], 20, "餐馆后厨卫生差，有老鼠出没", "东风路美食街"),
    ("reopened-1", LIHAO_G1, "0203", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "广告牌已移除"), ("verify", "lihao_grid01", ""), ("close", "lihao_staff", ""), ("reopen", "shiwan_officer", "群众反映广告牌又摆出来了，重新派遣")], 9, "商户在人行道摆放落地广告牌", "丽豪路12号"),
    ("verify-failed-1", LIHAO_G1, "0506", "lihao_grid01", "grid_worker", [("dispatch", "shiwan_officer", ""), ("accept", "cgzf_shiwan", ""), ("handle", "cgzf_shiwan", "已清理"), ("verify_fail", "lihao_grid01", "现场仍有十多辆电动车乱停，未整改到位")], 4, "非机动车在人行道乱停放", "丽豪市场门口"),
    ("cancelled-1", LIHAO_G1, "0108", "lihao_grid01", "grid_worker", [("cancel", "lihao_grid01", "重复上报，已由同事上报")], 7, "墙面乱涂乱画", "丽豪路15号外墙"),
    ("registered-4", XIALANG_G4, "0805", "qu_officer", "hotline", [], 1.2, "铝材加工厂打磨车间粉尘大，未见除尘设施", "下朗工业区8号"),
    ("triage-4", NANZHUANG_G1, "0405", None, "volunteer", [], 0.2, "村口路段下雨后积水，行人难以通过", "南庄村村口"),
]
FALLBACK_CATEGORY = "0599"


def _photo(key: str, stage: str) -> Upload:
    """A synthetic photo (Pillow): a street-like scene whose colours depend on the key."""
    rnd = random.Random(f"{key}-{stage}")
    im = Image.new("RGB", (800, 600), (rnd.randint(120, 200), rnd.randint(150, 210), rnd.randint(160, 230)))
    draw = ImageDraw.Draw(im)
    draw.rectangle([0, 380, 800, 600], fill=(rnd.randint(90, 130),) * 3)  # the road
    for _ in range(6):
        x, y = rnd.randint(20, 700), rnd.randint(200, 460)
        draw.rectangle([x, y, x + rnd.randint(40, 120), y + rnd.randint(30, 100)], fill=tuple(rnd.randint(30, 240) for _ in range(3)))
    draw.text((20, 20), f"EcoGrid demo {key} {stage}", fill=(255, 255, 255))
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=80)
    buf.seek(0)
    buf.name = f"{key}-{stage}.jpg"
    return Upload(file=buf)


def _point(grid: Region, key: str) -> tuple[float, float]:
    rnd = random.Random(key)
    return (
        round(grid.min_lat + (grid.max_lat - grid.min_lat) * rnd.uniform(0.2, 0.8), 6),
        round(grid.min_lng + (grid.max_lng - grid.min_lng) * rnd.uniform(0.2, 0.8), 6),
    )


def _department_for(case: Case, departments: dict[str, str]):
    """The unit that should get the case: the routed one, else the unit of the category's
    department (from the category file) serving the case's street."""
    from dispatch.models import Department

    if case.department_id:
        return case.department
    street_code = case.region_path.split("/")[1]
    code = departments.get(case.category.code, "CGZF")
    return Department.objects.filter(code=f"{code}-{street_code}").first() or Department.objects.filter(code=code).first()


def _step(case: Case, action: str, actor, note: str, key: str, by_key: dict, departments: dict) -> Case:
    photos = lambda stage: evidence_check(uploads=[_photo(key, stage)])  # noqa: E731
    try:  # the dispatch app's services, when installed (deadlines, notifications)
        from dispatch import services as dispatch_services
    except ImportError:  # pragma: no cover
        dispatch_services = None
    if action == "dispatch":
        department = _department_for(case, departments)
        if dispatch_services is not None and hasattr(dispatch_services, "case_dispatch"):
            return dispatch_services.case_dispatch(case=case, department=department, by=actor, note=note)
        return case_transition(case=case, action="dispatch", actor=actor, note=note, updates={"department": department})
    if action == "accept" and dispatch_services is not None and hasattr(dispatch_services, "case_accept"):
        return dispatch_services.case_accept(case=case, by=actor, note=note)
    if action == "return" and dispatch_services is not None and hasattr(dispatch_services, "case_return"):
        return dispatch_services.case_return(case=case, by=actor, reason=note)
    if action == "handle":
        items = photos("handling")
        if dispatch_services is not None and hasattr(dispatch_services, "case_handle"):
            return dispatch_services.case_handle(case=case, by=actor, note=note, evidence_items=items)
        return case_transition(case=case, action="handle", actor=actor, note=note, evidence_items=items)
    if action == "merge":
        return case_merge(case=case, into=by_key[note], actor=actor)
    if action == "self_handle":
        return case_self_handle(case=case, actor=actor, before=[], after=photos("after"), note=note)
    if action == "late_self_handle":
        # Found, then fixed 50 minutes later: the service flags it (more than 30 minutes).
        Case.objects.filter(pk=case.pk).update(created_at=F("created_at") - dt.timedelta(minutes=50))
        CaseEvent.objects.filter(case=case).update(at=F("at") - dt.timedelta(minutes=50))
        case.refresh_from_db()
        return case_self_handle(case=case, actor=actor, before=[], after=photos("after"), note=note)
    if action in {"verify", "verify_fail"}:
        return case_transition(
            case=case, action=action, actor=actor, note=note, evidence_items=photos("verification"),
            evidence_stage=CaseAttachment.Stage.VERIFICATION,
        )
    return case_transition(case=case, action=action, actor=actor, note=note)


def _backdate(case: Case, days: float) -> None:
    """Move the whole case back in time (its events keep their order and spacing),
    and give it the number of the day it now starts on."""
    delta = dt.timedelta(days=days)
    if not days:
        return
    fields = {"created_at": F("created_at") - delta}
    for name in ("registered_at", "closed_at", "accept_deadline", "handle_deadline"):
        if getattr(case, name) is not None:
            fields[name] = F(name) - delta
    Case.objects.filter(pk=case.pk).update(**fields)
    CaseEvent.objects.filter(case=case).update(at=F("at") - delta)
    CaseAttachment.objects.filter(case=case).update(created_at=F("created_at") - delta)
    case.refresh_from_db()
    day = timezone.localtime(case.created_at).date()
    Case.objects.filter(pk=case.pk).update(number=_next_number(district_code=case.number.split("-", 1)[0], day=day))


@transaction.atomic
def seed(ctx):
    result = category_import_json()
    if not result.ok:
        raise RuntimeError("; ".join(str(e) for e in result.errors[:5]))
    subs = CaseCategory.objects.filter(parent__isnull=False).count()
    departments = {row["code"]: row["department"] for row in subcategory_rows(DATA)}
    users = {u.username: u for u in User.objects.filter(username__in={s[3] for s in SCENARIOS} | {a for s in SCENARIOS for _, a, _ in s[5]})}
    grids = {g.code: g for g in Region.objects.filter(code__in={s[1] for s in SCENARIOS})}
    categories = {c.code: c for c in CaseCategory.objects.filter(parent__isnull=False)}
    by_key: dict[str, Case] = {}
    created = 0
    for key, grid_code, cat_code, reporter_name, source, steps, days, description, address in SCENARIOS:
        client_uuid = uuid.uuid5(NAMESPACE, key)
        existing = Case.objects.filter(client_uuid=client_uuid).first()
        if existing is not None:
            by_key[key] = existing
            continue
        grid = grids.get(grid_code)
        if grid is None:
            continue
        lat, lng = _point(grid, key)
        reporter = users.get(reporter_name) if reporter_name else None
        case, _new = case_report(
            reporter=reporter, client_uuid=client_uuid, category=categories.get(cat_code) or categories[FALLBACK_CATEGORY],
            description=description, latitude=lat, longitude=lng, address=address, source=source,
            uploads=[_photo(key, "report")], reporter_name="" if reporter else "热心居民",
            reporter_phone="" if reporter else "13900000000",
        )
        for action, actor_name, note in steps:
            case = _step(case, action, users.get(actor_name), note, key, by_key, departments)
        _backdate(case, days)
        by_key[key] = Case.objects.get(pk=case.pk)
        created += 1
    states = sorted({c.status for c in Case.objects.filter(client_uuid__in=[uuid.uuid5(NAMESPACE, s[0]) for s in SCENARIOS])})
    ctx.say(f"Cases: {subs} categories; {created} demo cases created ({Case.objects.count()} in all), states: {', '.join(states)}")
