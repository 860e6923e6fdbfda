"""Demo: 河畔社区 (南庄镇)'s volunteer team of 20 with three months of history close to the
source's pilot ("a 20-person team handled 180+ cases itself and had 30 adopted in three months"),
a rewards catalogue and a few redemptions; a village staff login for 河畔社区.

Everything goes through the services (report, triage, points, redemptions) in time order, so the
ledger's running balance is consistent; the cases are then moved back to when they happened with
the cases demo's own helper. Idempotent: a second run finds the reports and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from cases.models import Case, CaseCategory
from cases.services import Upload, case_report, evidence_check
from core.demo import DEMO_PASSWORD
from grids.models import Region, StaffProfile

from . import services
from .models import Redemption, Reward, Volunteer, VolunteerReport
from .problem_types import BY_KEY

User = get_user_model()
O = VolunteerReport.Outcome
NAMESPACE = uuid.UUID("5d1f0a52-3c7e-4f0b-9a61-2b8e7c4d9e13")
HEPAN = "440604100001"  # 河畔社区, 南庄镇
K = Volunteer.Kind
TEAM = [  # name, kind, weight (how active)
    ("何丽娟", K.BUILDING_HEAD, 30), ("梁志明", K.PARTY_MEMBER, 26), ("陈秀英", K.RESIDENT, 22), ("黄国强", K.PROPERTY_STAFF, 19),
    ("李婉仪", K.BUILDING_HEAD, 16), ("罗建华", K.PARTY_MEMBER, 15), ("吴美玲", K.MERCHANT, 13), ("冯伟雄", K.PROPERTY_STAFF, 12),
    ("张淑芬", K.RESIDENT, 11), ("邓少华", K.PARTY_MEMBER, 10), ("周玉兰", K.BUILDING_HEAD, 9), ("区振东", K.MERCHANT, 8),
    ("麦嘉欣", K.RESIDENT, 8), ("潘永健", K.PARTY_MEMBER, 7), ("谭凤仪", K.BUILDING_HEAD, 6), ("卢锦荣", K.MERCHANT, 5),
    ("关慧敏", K.RESIDENT, 5), ("杜家豪", K.PROPERTY_STAFF, 4), ("苏月娥", K.RESIDENT, 3), ("叶启明", K.PARTY_MEMBER, 2),
]
# Small problems a volunteer fixes on the spot (on-discovery categories) and ones for the departments.
SELF_TYPES = {
    "garbage": ["楼下垃圾袋散落，已捡拾并放入垃圾桶", "绿化带内有饮料瓶，已清理", "垃圾桶旁纸箱堆放，已整理压扁"],
    "ads": ["楼道墙面贴有疏通小广告，已铲除", "电线杆上小广告，已清除"],
    "bikes": ["共享单车堵住楼道口，已挪到停放区", "电动车乱停挡住人行道，已劝导车主挪走"],
    "clutter": ["商铺门前杂物占道，已劝导收回", "楼梯间堆放旧家具，已联系住户清走"],
}
ADOPT_TYPES = {
    "manhole": ["河畔路人行道井盖松动，踩上去有响声"], "flooding": ["滨河步道下雨后积水严重"],
    "fire_exit": ["小区消防通道被私家车长期占用"], "noise": ["夜间广场舞音响声音过大"],
    "stall": ["菜市场外流动摊贩占道经营"], "other": ["路灯不亮已有一周"],
}
REJECT_NOTES = ["照片无法看清问题，请重新拍摄上报", "现场核实问题不存在", "属私人住宅内部事务，请联系物业"]
REWARDS = [
    ("环保购物袋", Reward.Kind.MATERIAL, 10, 60, "可重复使用的帆布袋"),
    ("洗衣液（2kg）", Reward.Kind.MATERIAL, 30, 20, ""),
    ("食用油（5L）", Reward.Kind.MATERIAL, 60, 10, ""),
    ("社区表彰（优秀兼职网格员）", Reward.Kind.COMMENDATION, 50, None, "社区居民大会上表彰并颁发证书"),
    ("积分入学证明", Reward.Kind.SCHOOL_ADMISSION, 100, None, "用于子女积分入学申请的服务积分证明"),
    ("推优推先（推荐至物业、住建部门）", Reward.Kind.RECOMMENDATION, 80, None, "推荐参评优秀志愿者、文明家庭"),
]


def _photos() -> list:
    """Six synthetic site photos, checked once and reused (each case stores its own copy)."""
    out = []
    for i in range(6):
        rnd = random.Random(f"vol-{i}")
        im = Image.new("RGB", (480, 360), (rnd.randint(120, 200), rnd.randint(150, 210), rnd.randint(160, 230)))
        draw = ImageDraw.Draw(im)
        draw.rectangle([0, 250, 480, 360], fill=(rnd.randint(90, 130),) * 3)
        for _j in range(4):
            x, y = rnd.randint(10, 400), rnd.randint(120, 280)
            draw.rectangle([x, y, x + rnd.randint(30, 80), y + rnd.randint(20, 60)], fill=tuple(rnd.randint(30, 240) for _ in range(3)))
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=75)
        buf.seek(0)
        buf.name = f"volunteer-{i}.jpg"
        out.append(evidence_check(uploads=[Upload(file=buf)])[0])
    return out


def _staff(ctx, village):
    from grids.services import staff_create

    if not User.objects.filter(username="hepan_staff").exists():
        staff_create(username="hepan_staff", password=DEMO_PASSWORD, full_name="何晓琳", role=StaffProfile.Role.VILLAGE_STAFF,
                     regions=[village], verbs=("view", "manage"))
    ctx.login("hepan_staff", str(StaffProfile.Role.VILLAGE_STAFF.label), "河畔社区 · 兼职网格员 /volunteers/")
    return User.objects.get(username="hepan_staff")


def _plan(now: dt.datetime) -> list[dict]:
    """228 reports over the last 90 days: 185 handled by the volunteers, 30 adopted, the rest
    duplicates, rejections and a few waiting; 4 from anonymous residents."""
    rnd = random.Random(2026)
    outcomes = [O.SELF_HANDLED] * 185 + [O.ADOPTED] * 29 + [O.DUPLICATE] * 5 + [O.REJECTED] * 3 + [O.PENDING] * 2
    rnd.shuffle(outcomes)
    weights = [w for _n, _k, w in TEAM]
    plan = []
    for i, outcome in enumerate(outcomes):
        who = rnd.choices(range(len(TEAM)), weights=weights)[0]
        plan.append({"i": i, "who": who, "outcome": outcome, "days": rnd.uniform(0.3, 90)})
    for j, outcome in enumerate([O.ADOPTED, O.REJECTED, O.PENDING, O.PENDING]):
        plan.append({"i": 300 + j, "who": None, "outcome": outcome, "days": rnd.uniform(0.2, 30)})
    plan.sort(key=lambda p: -p["days"])  # oldest first
    for p in plan:
        types = SELF_TYPES if p["outcome"] == O.SELF_HANDLED else ADOPT_TYPES
        key = rnd.choice(sorted(types))
        p["type"], p["text"] = key, rnd.choice(types[key])
        p["when"] = now - dt.timedelta(days=p["days"])
    return plan


def _month(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date().replace(day=1)


@transaction.atomic
def seed(ctx):
    village = Region.objects.filter(code=HEPAN).first()
    if village is None or not CaseCategory.objects.filter(code="0102").exists():
        ctx.say("Volunteers: 河畔社区 or the case categories are missing; skipped")
        return
    staff = _staff(ctx, village)
    team = services.team_ensure(village=village)
    services.ensure_default_rules()
    if VolunteerReport.objects.filter(team=team).exists():
        ctx.say(f"Volunteers: {team.name} already has its history")
        return
    volunteers = []
    for n, (name, kind, _w) in enumerate(TEAM):
        phone = f"1390757{n:04d}"
        v = Volunteer.objects.filter(phone=phone).first() or services.volunteer_register(team=team, name=name, phone=phone, kind=kind, by=staff)
        volunteers.append(v)
    # Two registrations from the poster, waiting for approval.
    for name, phone in (("钟佩珊", "13907579001"), ("孔德伟", "13907579002")):
        if not Volunteer.objects.filter(phone=phone).exists():
            services.volunteer_register(team=team, name=name, phone=phone, kind=K.RESIDENT)

    from cases.demo import _backdate  # the cases demo's helper: moves a case and its timeline back

    grids = list(Region.objects.filter(parent=village, level=Region.Level.GRID).order_by("code"))
    photos = _photos()
    categories = {c.code: c for c in CaseCategory.objects.filter(code__in=[t.category_code for t in BY_KEY.values()])}
    now = timezone.now()
    rnd = random.Random(7)
    adopted_cases: list[Case] = []
    last_month = None
    for p in _plan(now):
        month = _month(p["when"])
        if last_month is not None and month != last_month:
            services.monthly_activity_award(month=last_month)  # the month just ended, before the next one's points
        last_month = month
        grid = grids[p["i"] % len(grids)]
        lat = round(grid.min_lat + (grid.max_lat - grid.min_lat) * rnd.uniform(0.2, 0.8), 6)
        lng = round(grid.min_lng + (grid.max_lng - grid.min_lng) * rnd.uniform(0.2, 0.8), 6)
        volunteer = volunteers[p["who"]] if p["who"] is not None else None
        ptype = BY_KEY[p["type"]]
        category = categories.get(ptype.category_code)
        if category is None:
            continue
        self_handled = p["outcome"] == O.SELF_HANDLED
        case, _created = case_report(
            reporter=None, client_uuid=uuid.uuid5(NAMESPACE, f"hepan-{p['i']}"), category=category,
            description=("【上报人已自行处理】" if self_handled else "") + p["text"], latitude=lat, longitude=lng,
            address="河畔路" + str(rnd.randint(1, 120)) + "号", source=Case.Source.VOLUNTEER if volunteer else Case.Source.PUBLIC_QR,
            checked=[photos[p["i"] % len(photos)]], reporter_name=volunteer.name if volunteer else "热心居民",
            reporter_phone=volunteer.phone if volunteer else "", grid=grid,
        )
        report = VolunteerReport.objects.create(
            case=case, team=team, volunteer=volunteer, region_path=grid.path, problem_type=ptype.key,
            claims_self_handled=self_handled, created_at=p["when"],
        )
        decided = min(p["when"] + dt.timedelta(hours=rnd.uniform(1, 20)), now)
        if p["outcome"] == O.DUPLICATE and adopted_cases:
            services.triage_decide(report=report, outcome=O.DUPLICATE, by=staff, into=adopted_cases[-1], at=decided)
        elif p["outcome"] == O.REJECTED:
            services.triage_decide(report=report, outcome=O.REJECTED, by=staff, note=rnd.choice(REJECT_NOTES), at=decided)
        elif p["outcome"] in (O.ADOPTED, O.SELF_HANDLED):
            services.triage_decide(report=report, outcome=p["outcome"], by=staff, at=decided)
        case = Case.objects.get(pk=case.pk)
        if p["outcome"] == O.ADOPTED:
            adopted_cases.append(case)
        _backdate(case, p["days"])

    for name, kind, cost, stock, description in REWARDS:
        if not team.rewards.filter(name=name).exists():
            services.reward_save(team=team, by=staff, name=name, kind=kind, cost=cost, stock=stock, description=description)
    rewards = {r.name: r for r in team.rewards.all()}
    plan = [(0, "积分入学证明", "handed_over"), (0, "社区表彰（优秀兼职网格员）", "approved"), (1, "食用油（5L）", "handed_over"),
            (2, "洗衣液（2kg）", "requested"), (3, "环保购物袋", "handed_over"), (4, "环保购物袋", "requested")]
    for who, reward_name, status in plan:
        v = Volunteer.objects.get(pk=volunteers[who].pk)
        if v.points_balance < rewards[reward_name].cost:
            continue
        r = services.redemption_request(volunteer=v, reward=rewards[reward_name])
        if status in ("approved", "handed_over"):
            r = services.redemption_transition(redemption=r, action="approve", by=staff)
        if status == "handed_over":
            services.redemption_transition(redemption=r, action="hand_over", by=staff)

    totals = {o: VolunteerReport.objects.filter(team=team, outcome=o).count() for o in O.values}
    ctx.say(
        f"Volunteers: {team.name}, {len(volunteers)} members; {sum(totals.values())} reports in 90 days "
        f"({totals['self_handled']} handled by volunteers, {totals['adopted']} adopted); "
        f"{Redemption.objects.filter(volunteer__team=team).count()} redemptions"
    )
