"""Demo dispatch data: the 13 district departments and a unit of each per street, routing
rules for every category (from cases/data/categories.json) with a region override,
calendar overrides, and cases in each workbench moved there through the services
(dispatched, returned, accepted with a rectification notice, handled, escalated to a
consultation) — which also fills the inboxes. Idempotent: a second run changes nothing.
"""

import datetime as dt
import io
import json
import uuid
import zlib
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from core.demo import DEMO_PASSWORD
from core.models import Notification
from grids.models import Region, StaffProfile
from grids.services import staff_create

from .models import CalendarOverride, Consultation, Department, RectificationNotice, RoutingRule

DATA = Path(__file__).resolve().parent / "data" / "departments.json"
CATEGORIES = Path(__file__).resolve().parent.parent / "cases" / "data" / "categories.json"
User = get_user_model()
NS = uuid.UUID("6f1c3a52-5d0e-4c1b-9a59-8d7f0e2b4c11")  # demo case ids are uuid5(NS, name)

# 文号前缀 and a switchboard number per department (synthetic).
PREFIX = {
    "CGZF": "禅城城管限改", "SJJ": "禅城市监限改", "YJJ": "禅城应急限改", "XF": "禅城消防限改", "STHJ": "佛环禅限改",
    "ZJSW": "禅城住建限改", "WJ": "禅城卫健限改", "GA": "禅公限改", "JT": "禅城交通限改", "MZ": "禅城民政限改",
    "RS": "禅城人社限改", "ZRZY": "佛自然禅限改", "WGLT": "禅城文广旅体限改",
}
# Calendar entries an administrator would make (chinese_calendar has no data after 2026).
OVERRIDES = [
    (dt.date(2027, 1, 1), False, "元旦（2027 年放假安排录入示例）"),
    *[(dt.date(2027, 2, d), False, "春节（2027 年放假安排录入示例）") for d in range(6, 13)],
    (dt.date(2027, 2, 20), True, "春节调休上班（录入示例）"),
    (dt.date(2026, 9, 24), False, "台风“桦加沙”停工停课（本地关闭示例）"),
]


def _departments(ctx, district, streets):
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        dept, _ = Department.objects.get_or_create(
            code=row["code"], defaults={"name": row["name"], "short_name": row["short_name"], "region": district}
        )
        if not dept.notice_prefix:
            dept.notice_prefix = PREFIX.get(dept.code, "")
            dept.phone = dept.phone or f"0757-8{zlib.crc32(dept.code.encode()) % 10_000_000:07d}"
            dept.save(update_fields=["notice_prefix", "phone", "updated_at"])
        for street in streets:
            Department.objects.get_or_create(
                code=f"{row['code']}-{street.code}",
                defaults={
                    "name": f"{street.name}{row['street_unit_suffix']}",
                    "short_name": row["short_name"],
                    "parent": dept,
                    "region": street,
                },
            )
    ctx.say(f"Departments: {Department.objects.filter(parent__isnull=True).count()} + {Department.objects.filter(parent__isnull=False).count()} street units")


def _staff(ctx, shiwan):
    for username, full_name, code in [
        ("cgzf_shiwan", "黄志强", "CGZF-440604011"),
        ("sjj_shiwan", "周丽华", "SJJ-440604011"),
    ]:
        if not User.objects.filter(username=username).exists():
            staff_create(
                username=username,
                password=DEMO_PASSWORD,
                full_name=full_name,
                role=StaffProfile.Role.DEPARTMENT_STAFF,
                regions=[shiwan],
                department=Department.objects.get(code=code),
            )
        ctx.login(username, str(StaffProfile.Role.DEPARTMENT_STAFF.label), Department.objects.get(code=code).name)


def _rules(ctx):
    from . import services

    try:  # the categories themselves belong to the cases app (an idempotent upsert)
        from cases.services import category_import_json
    except ImportError:
        category_import_json = None
    if category_import_json is not None:
        category_import_json()
    result = services.rules_import_category_file(path=CATEGORIES)
    if not result.ok:
        raise RuntimeError("; ".join(f"{e.row} {e.column} {e.message}" for e in result.errors[:5]))
    # A regional override: in 祖庙街道 (the old town) illegal structures go to the street at once,
    # with a shorter handling limit.
    if Region.objects.filter(code="440604010").exists() and RoutingRule.objects.filter(category__code="0101").exists():
        services.rules_import(rows=[(1, {
            "category": "0101", "region": "440604010", "tier": "street", "department": "CGZF", "urgency": "urgent",
            "accept_limit": 1, "accept_unit": "working_hours", "handle_limit": 10, "handle_unit": "working_days", "is_active": "是",
        })])
    for date, working, reason in OVERRIDES:
        services.calendar_override_set(date=date, is_working_day=working, reason=reason)
    ctx.say(f"Routing rules: {RoutingRule.objects.count()}; calendar overrides: {CalendarOverride.objects.count()}")


def _photo(colour):
    from PIL import Image

    from cases.services import Upload, evidence_check

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buf, format="JPEG", quality=80)
    buf.seek(0)
    return evidence_check(uploads=[Upload(file=buf)])


def _report(name, *, reporter, category, description, grid, address, place=""):
    from cases.models import CaseCategory
    from cases.services import case_report

    category = CaseCategory.objects.filter(code=category, is_active=True).first()
    if category is None:
        return None, False
    # A point inside the grid (its centre, nudged so the demo cases do not sit on one pin).
    lat = grid.centre_lat + (zlib.crc32(name.encode()) % 7 - 3) * 0.0003
    lng = grid.centre_lng + (zlib.crc32(name[::-1].encode()) % 7 - 3) * 0.0003
    return case_report(
        reporter=reporter, client_uuid=uuid.uuid5(NS, name), category=category, description=description,
        latitude=lat, longitude=lng, address=address, place_name=place, grid=grid, checked=_photo((180, 120, 90)),
    )


def _cases(ctx):
    from cases.models import Case

    from . import services

    get = lambda username: User.objects.filter(username=username).first()  # noqa: E731
    worker, officer, district = get("lihao_grid01"), get("shiwan_officer"), get("qu_officer")
    cgzf, sjj = get("cgzf_shiwan"), get("sjj_shiwan")
    grid = Region.objects.filter(code="440604011001001").first()
    if not all([worker, officer, district, cgzf, sjj, grid]) or grid.centre_lat is None:
        return
    unit = lambda code: Department.objects.get(code=code)  # noqa: E731

    # 1. Waiting in the street dispatcher's queue (rule suggests 综合执法办).
    _report("queue", reporter=worker, category="0101", description="丽豪社区南门人行道上有商户私自搭建铁皮棚架，影响通行。",
            grid=grid, address="丽豪社区南门", place="旺记五金")
    # 2. Dispatched to 城管 unit: in cgzf_shiwan's "to accept" tab.
    case, created = _report("to-accept", reporter=worker, category="1102", description="7栋楼顶天台新搭建彩钢瓦房约30平方米。",
                            grid=grid, address="丽豪花园7栋")
    if created and case:
        services.case_dispatch(case=case, department=unit("CGZF-440604011"), by=officer, note="请尽快核实并依法处置。")
    # 3. Dispatched to 市场监管 and returned (not theirs): back in the dispatcher's queue.
    case, created = _report("returned", reporter=worker, category="0901", description="街口流动摊贩售卖自制凉茶，无任何证照。",
                            grid=grid, address="丽豪路与南风路交界")
    if created and case:
        case = services.case_dispatch(case=case, department=unit("SJJ-440604011"), by=officer)
        services.case_return(case=case, by=sjj, reason="流动摊贩占道属城管执法范围，请改派综合执法办。")
    # 4. Accepted by 城管 with a rectification notice (巡罚分离).
    case, created = _report("notice", reporter=worker, category="0101", description="餐馆在后巷违规加建厨房操作间。",
                            grid=grid, address="丽豪路18号后巷", place="粤香楼餐馆")
    if created and case:
        case = services.case_dispatch(case=case, department=unit("CGZF-440604011"), by=officer)
        case = services.case_accept(case=case, by=cgzf)
        services.notice_issue(
            case=case, by=cgzf, party_name="佛山市禅城区粤香楼餐馆", party_address="佛山市禅城区丽豪路18号",
            finding="在后巷公共通道违规加建厨房操作间约12平方米，占用消防通道。",
            legal_basis="《中华人民共和国城乡规划法》第四十条、第六十四条；《广东省城乡规划条例》相关规定。",
            requirement="自行拆除违规加建的操作间，恢复通道原状，并将整改情况报综合执法办。",
            deadline=timezone.localdate() + dt.timedelta(days=7),
        )
    # 5. Handled by 城管 with a photo: waiting for the grid worker's verification.
    case, created = _report("handled", reporter=worker, category="0306", description="渣土车未密闭运输，沿路洒落泥土。",
                            grid=grid, address="南风路口")
    if created and case:
        case = services.case_dispatch(case=case, department=unit("CGZF-440604011"), by=officer)
        case = services.case_accept(case=case, by=cgzf)
        services.case_handle(case=case, by=cgzf, note="已查处涉事车辆，责令清理路面并整改。", evidence_items=_photo((90, 140, 90)))
    # 6. A hard case: escalated to the district, consultation held, the case follows the decision.
    case, created = _report("consultation", reporter=worker, category="1008", description="工业园夜间冲压噪声扰民，居民多次投诉，涉及多个部门。",
                            grid=grid, address="丽豪工业园3号厂房", place="某五金制品厂")
    if created and case:
        case = services.case_escalate(case=case, by=officer, reason="涉及环保、住建、城管多个部门，需区级会商。")
        meeting = timezone.now() + dt.timedelta(days=1)
        consultation = services.consultation_open(
            case=case, by=district, topic="丽豪工业园噪声扰民联合会商", meeting_at=meeting, location="区智慧社会治理中心会议室",
            departments=[Department.objects.get(code="STHJ"), unit("STHJ-440604011"), unit("CGZF-440604011")],
            parties=[{"kind": "community", "name": "丽豪社区居委会"}, {"kind": "property", "name": "丽豪物业管理有限公司"},
                     {"kind": "residents", "name": "居民代表 3 人"}, {"kind": "merchants", "name": "园区企业代表"}],
        )
        services.consultation_decide(
            consultation=consultation, by=district, minutes="各方通报情况；企业承诺调整生产时间。",
            decision="由石湾镇街道生态环境办牵头，责令企业夜间22时后停止冲压作业并加装隔音设施。",
            decided_department=unit("STHJ-440604011"),
            actions=[{"description": "夜间噪声监测", "owner": "石湾镇街道生态环境办", "deadline": timezone.localdate() + dt.timedelta(days=3)},
                     {"description": "组织居民回访", "owner": "丽豪社区居委会", "deadline": timezone.localdate() + dt.timedelta(days=10)}],
        )
    ctx.say(
        f"Dispatch demo: {Case.objects.exclude(department__isnull=True).count()} routed cases, "
        f"{RectificationNotice.objects.count()} notices, {Consultation.objects.count()} consultations, "
        f"{Notification.objects.count()} notifications"
    )


@transaction.atomic
def seed(ctx):
    district = Region.objects.get(level=Region.Level.DISTRICT, code="440604")
    streets = list(Region.objects.filter(parent=district).order_by("code"))
    _departments(ctx, district, streets)
    shiwan = Region.objects.get(code="440604011")
    _staff(ctx, shiwan)
    _rules(ctx)
    _cases(ctx)
