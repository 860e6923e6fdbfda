"""A small world for the security tests: the same objects in four places, one user per role.

Every kind of object that a URL can name is created at four *locations*:

=================  =======================  =============================
location           grid                     department (of its case)
=================  =======================  =============================
own                丽豪社区第1网格 (v1)       石湾综合执法办 (CGZF-s1)
sibling_village    东风社区第1网格 (v2, s1)   石湾综合执法办 (CGZF-s1)
sibling_street     镇安村第1网格 (v3, s2)     祖庙综合执法办 (CGZF-s2)
other_department   丽豪社区第1网格 (v1)       石湾市场监管所 (SJJ-s1)
=================  =======================  =============================

The users under test (one per staff role) hold: grid worker → v1's first grid, village
staff → v1, street officer → s1, district officer and administrator → the district,
department staff → s1 as a member of CGZF-s1. Whether a user may see an object is
*computed* from that (``World.visible``), never hand-listed, so the matrix covers every
role × object × place. Each object carries a unique marker (``LEAK…``) in its text, so a
crawled page that shows an object it should not is caught by a substring search.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from grids.models import StaffProfile
from grids.services import staff_create

R = StaffProfile.Role
PW = "pw-for-tests-1"

LOCATIONS = {
    # name: (grid code, unit code, a point inside the grid)
    "own": ("440604011001001", "CGZF-440604011", (22.95, 113.11)),
    "sibling_village": ("440604011002001", "CGZF-440604011", (22.95, 113.16)),
    "sibling_street": ("440604010001001", "CGZF-440604010", (23.05, 113.12)),
    "other_department": ("440604011001001", "SJJ-440604011", (22.951, 113.111)),
}
CATEGORY_OF_UNIT = {"CGZF": "0101", "SJJ": "0901"}
ROLES = ("grid_worker", "village_staff", "street_officer", "district_officer", "department_staff", "administrator")


def jpeg(colour=(200, 80, 40), name="photo.jpg") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


@dataclass
class Obj:
    """One object of the world: its kind, where it is, what a URL needs to name it, its marker."""

    kind: str
    location: str
    instance: object
    kwargs: dict
    marker: str = ""
    owner_id: int | None = None  # for objects only their owner may see (drafts, uploads, messages)
    region_path: str = ""
    department_id: int | None = None  # the department whose matter it is (need-to-know), if any
    departments: tuple = ()  # further departments concerned (a consultation's parties)


@dataclass
class World:
    tree: dict
    users: dict  # role -> user under test
    helpers: dict
    departments: dict
    objects: list[Obj] = field(default_factory=list)
    cases: dict = field(default_factory=dict)  # location -> case

    def of_kind(self, kind: str) -> list[Obj]:
        return [o for o in self.objects if o.kind == kind]

    # --- the rules, computed from grants ------------------------------------------------
    def units_of(self, user) -> set[int] | None:
        from grids.need_to_know import department_unit_ids

        ids = department_unit_ids(user)
        return None if ids is None else set(ids)

    def in_jurisdiction(self, user, path: str) -> bool:
        from grids.scoping import path_in_scope

        return path_in_scope(user, path)

    def visible(self, user, obj: Obj, rule: str) -> bool:
        """May `user` see `obj` under `rule` (see tests/security/test_jurisdiction_matrix.py RULES)?"""
        if rule == "reference":
            return True
        if rule == "owner":
            return obj.owner_id == user.pk
        if obj.owner_id is not None and obj.owner_id != user.pk and rule in ("region", "case"):
            return False  # a draft is its author's alone
        if not self.in_jurisdiction(user, obj.region_path):
            return False
        if rule == "region":
            return True
        units = self.units_of(user)
        if units is None:
            return True
        concerned = {obj.department_id, *obj.departments} - {None}
        return bool(concerned & units)


def _case(world, location, *, boss, code_suffix=""):
    from cases.models import CaseCategory
    from cases.services import Upload, case_report, evidence_check
    from dispatch import services as dispatch

    grid_code, unit_code, (lat, lng) = LOCATIONS[location]
    unit = world.departments[unit_code]
    category = CaseCategory.objects.get(code=CATEGORY_OF_UNIT[unit_code.split("-")[0]])
    marker = f"LEAKCASE{location.upper()}{code_suffix}"
    checked = evidence_check(uploads=[Upload(file=io.BytesIO(jpeg().read()))])
    case, _ = case_report(
        reporter=boss, client_uuid=uuid.uuid4(), category=category, description=f"{marker} 人行道私搭棚架",
        latitude=lat, longitude=lng, address=f"{marker}路1号", checked=checked, source="hotline",
    )
    case = dispatch.case_dispatch(case=case, department=unit, by=boss)
    case = dispatch.case_accept(case=case, by=world.helpers[f"staff:{unit_code}"])
    return case, marker


def _notification_model():
    """The inbox moved from dispatch to core during the session: whichever holds it."""
    from django.apps import apps

    for label in ("core", "dispatch"):
        try:
            return apps.get_model(label, "Notification")
        except LookupError:
            continue
    raise LookupError("no Notification model")


def build_world(tree, users) -> World:
    from cases.models import CaseCategory, PendingUpload, Tier
    from cases.services import pending_upload_create
    from dispatch import services as dispatch
    from dispatch.models import Department, RoutingRule
    from inspections import services as insp
    from tests.inspections.conftest import small_spec

    # Reference data: categories, departments with units in both streets, routing rules.
    major = CaseCategory.objects.create(code="01", name="市容环境")
    cats = {c: CaseCategory.objects.create(code=c, name=n, parent=major) for c, n in [("0101", "私搭乱建"), ("0901", "无证经营食品")]}
    for code, name in [("02", "设施"), ("05", "城市管理"), ("07", "消防安全")]:
        parent = CaseCategory.objects.create(code=code, name=name)
        for sub in ("01", "02", "03", "04", "05", "06", "07"):
            CaseCategory.objects.get_or_create(code=f"{code}{sub}", defaults={"name": f"{name}{sub}", "parent": parent})
    departments = {}
    for code, name in [("CGZF", "禅城区城市管理和综合执法局"), ("SJJ", "禅城区市场监督管理局"), ("XF", "禅城区消防救援大队")]:
        top = Department.objects.create(code=code, name=name, short_name=name[3:7], region=tree["district"], notice_prefix=f"{code}限改")
        departments[code] = top
        for street in (tree["s1"], tree["s2"]):
            departments[f"{code}-{street.code}"] = Department.objects.create(
                code=f"{code}-{street.code}", name=f"{street.name}{code}所", short_name=name[3:7], parent=top, region=street,
            )
    for code, dept in (("0101", "CGZF"), ("0901", "SJJ")):
        RoutingRule.objects.create(
            category=cats[code], department=departments[dept], tier=Tier.STREET,
            accept_limit=Decimal("2"), accept_unit="working_hours", handle_limit=Decimal("3"), handle_unit="working_days",
        )

    under_test = dict(users)
    under_test["department_staff"] = staff_create(
        username="ds", password=PW, full_name="部门", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments["CGZF-440604011"],
    )
    under_test["administrator"] = staff_create(
        username="ad", password=PW, full_name="管理员", role=R.ADMINISTRATOR, regions=[tree["district"]], verbs=("view", "manage", "dispatch"),
    )
    helpers = {
        "boss": staff_create(username="boss", password=PW, full_name="区中心", role=R.DISTRICT_OFFICER, regions=[tree["district"]], verbs=("view", "dispatch")),
        "staff:CGZF-440604011": under_test["department_staff"],
        "staff:CGZF-440604010": staff_create(username="cg2", password=PW, full_name="祖庙执法", role=R.DEPARTMENT_STAFF, regions=[tree["s2"]], department=departments["CGZF-440604010"]),
        "staff:SJJ-440604011": staff_create(username="sj1", password=PW, full_name="石湾市监", role=R.DEPARTMENT_STAFF, regions=[tree["s1"]], department=departments["SJJ-440604011"]),
        "gw:440604011001001": staff_create(username="gwb", password=PW, full_name="同网格员", role=R.GRID_WORKER, regions=[tree["440604011001001"]]),
        "gw:440604011002001": staff_create(username="gw2", password=PW, full_name="东风网格员", role=R.GRID_WORKER, regions=[tree["440604011002001"]]),
        "gw:440604010001001": staff_create(username="gw3", password=PW, full_name="镇安网格员", role=R.GRID_WORKER, regions=[tree["440604010001001"]]),
    }
    world = World(tree=tree, users=under_test, helpers=helpers, departments=departments)
    boss = helpers["boss"]

    # The checklist (items of CGZF, SJJ and XF; scene "shop").
    version = insp.checklist_version_publish(version=insp.checklist_create(spec=small_spec()))

    for location, (grid_code, unit_code, (lat, lng)) in LOCATIONS.items():
        unit = departments[unit_code]
        grid = tree[grid_code]
        case, marker = _case(world, location, boss=boss)
        world.cases[location] = case
        common = {"location": location, "region_path": case.region_path, "department_id": unit.pk}
        world.objects.append(Obj("case", instance=case, kwargs={"number": case.number}, marker=marker, **common))
        attachment = case.attachments.first()
        world.objects.append(Obj("case_file", instance=attachment, kwargs={"number": case.number, "pk": attachment.pk}, **common))
        notice = dispatch.notice_issue(
            case=case, by=helpers[f"staff:{unit_code}"], party_name=f"LEAKNOTICE{location.upper()}", party_address="丽豪路18号",
            finding="后巷违规加建", legal_basis="《城乡规划法》第六十四条", requirement="自行拆除", deadline=timezone.localdate() + dt.timedelta(days=7),
        )
        world.objects.append(Obj("notice", instance=notice, kwargs={"pk": notice.pk}, marker=notice.number, **common))
        consultation = dispatch.consultation_open(
            case=case, by=boss, topic=f"LEAKTOPIC{location.upper()}", meeting_at=timezone.now() + dt.timedelta(days=1), departments=[unit],
        )
        world.objects.append(Obj("consultation", instance=consultation, kwargs={"pk": consultation.pk}, marker=consultation.topic,
                                 departments=(unit.pk,), **common))
        # Messages and unfinished uploads belong to their owner alone (a helper here).
        owner = helpers[f"staff:{unit_code}"]
        notification = _notification_model().objects.filter(recipient=owner).order_by("-id").first()
        world.objects.append(Obj("notification", instance=notification, kwargs={"pk": notification.pk}, owner_id=owner.pk, **common))
        pending = pending_upload_create(user=owner, form_uuid=uuid.uuid4(), slot=PendingUpload.Slot.REPORT, file=jpeg())
        world.objects.append(Obj("pending_upload", instance=pending, kwargs={"pk": pending.pk}, owner_id=owner.pk, **common))

        # Regions: the location's grid, village and street.
        for region in (grid, grid.parent, grid.parent.parent):
            if not any(o.kind == "region" and o.instance.pk == region.pk for o in world.objects):
                world.objects.append(Obj("region", instance=region, kwargs={"code": region.code}, location=location, region_path=region.path))

        if location == "other_department":
            continue  # same grid as "own": its place and inspection are "own"'s (the raised case is SJJ's)
        worker = users["grid_worker"] if location == "own" else helpers[f"gw:{grid_code}"]
        place = insp.place_create(by=worker, name=f"LEAKPLACE{location.upper()}", place_type="shop", latitude=lat, longitude=lng)
        region_common = {"location": location, "region_path": place.region_path}
        world.objects.append(Obj("place", instance=place, kwargs={"pk": place.pk}, marker=place.name, **region_common))
        inspection = insp.inspection_start(inspector=worker, place=place)
        _answer_all(insp, inspection, worker, fail={"CGZF-001", "SJJ-001"})
        inspection, _ = insp.inspection_submit(inspection=inspection, inspector=worker, latitude=lat, longitude=lng, remark=f"LEAKREMARK{location.upper()}")
        world.objects.append(Obj("inspection", instance=inspection, kwargs={"client_uuid": inspection.client_uuid}, marker=f"LEAKREMARK{location.upper()}", **region_common))
        photo = inspection.photos.first()
        world.objects.append(Obj("inspection_photo", instance=photo, kwargs={"pk": photo.pk}, **region_common))
        # The cases the inspection raised: CGZF's item to this street's CGZF unit, SJJ's to SJJ's unit.
        for answer in inspection.answers.filter(case__isnull=False).select_related("case", "item__department"):
            target = departments[f"{answer.item.department.code}-{grid.parent.parent.code}"]
            raised = dispatch.case_dispatch(case=answer.case, department=target, by=boss)
            world.objects.append(Obj("case", instance=raised, kwargs={"number": raised.number}, marker=raised.number,
                                     location=location, region_path=raised.region_path, department_id=target.pk))
        # A draft in the same grid by another worker: its author's alone.
        other_place = insp.place_create(by=helpers["gw:440604011001001"] if location == "own" else worker,
                                        name=f"LEAKDRAFTPLACE{location.upper()}", place_type="shop", latitude=lat, longitude=lng)
        drafter = helpers["gw:440604011001001"] if location == "own" else worker
        draft = insp.inspection_start(inspector=drafter, place=other_place)
        world.objects.append(Obj("inspection_draft", instance=draft, kwargs={"client_uuid": draft.client_uuid},
                                 owner_id=drafter.pk, region_path=draft.region_path, location=location))
    _other_apps(world, boss)
    world.version = version
    world.objects.append(Obj("checklist", instance=version, kwargs={"pk": version.pk}, location="own", region_path=""))
    scene = version.scenes.first()
    world.objects.append(Obj("scene", instance=scene, kwargs={"pk": version.pk, "code": scene.code}, location="own", region_path=""))
    return world


def id_number(serial: int, birth="19900101") -> str:
    """A valid GB 11643 resident ID number (district 440604)."""
    body = f"440604{birth}{serial:03d}"
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(body))
    return body + "10X98765432"[total % 11]


def credit_code(serial: int) -> str:
    """A valid GB 32100 unified social credit code."""
    from stdnum.cn import uscc

    body = f"91440604MA{serial:07d}"
    return body + uscc.calc_check_digit(body)


def _other_apps(world, boss):
    """Objects of the apps added later (credit enterprises, one-click-fill people), where installed."""
    from django.apps import apps

    for n, (location, (grid_code, _unit, _point)) in enumerate(LOCATIONS.items(), start=1):
        if location == "other_department":
            continue
        grid = world.tree[grid_code]
        if apps.is_installed("credit"):
            from credit.services import enterprise_create

            enterprise = enterprise_create(uscc=credit_code(n), region=grid, by=boss, name=f"LEAKENT{location.upper()}有限公司")
            world.objects.append(Obj("enterprise", instance=enterprise, kwargs={"pk": enterprise.pk}, marker=f"LEAKENT{location.upper()}",
                                     location=location, region_path=enterprise.region_path))
        if apps.is_installed("forms_fill"):
            from forms_fill.services import person_create

            person = person_create(by=boss, id_number=id_number(n), region=grid, data={"name": f"LEAKPERSON{location.upper()}"})
            world.objects.append(Obj("person", instance=person, kwargs={"pk": person.pk}, marker=f"LEAKPERSON{location.upper()}",
                                     location=location, region_path=person.region_path))


def _answer_all(insp, inspection, worker, *, fail):
    for n, item in enumerate(inspection.scene.items.order_by("order", "id")):
        if item.code in fail:
            insp.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="fail", fail_reason=item.fail_reasons[0])
            insp.inspection_photo_add(inspection=inspection, inspector=worker, item_id=item.pk, stage="fail", upload=jpeg((n * 7 % 255, 90, 40)))
        else:
            insp.inspection_answer_save(inspection=inspection, inspector=worker, item_id=item.pk, result="pass")
    inspection.refresh_from_db()


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once per test module inside a transaction that is rolled back at its end; each
    test runs in a savepoint inside it (pytest-django's ``db``), so tests stay independent."""
    from django.db import transaction
    from django.test import TestCase

    from tests.conftest import make_tree

    with django_db_blocker.unblock():
        with transaction.atomic():
            tree = make_tree()
            users = {
                "grid_worker": staff_create(username="gw", password=PW, full_name="网格员", role=R.GRID_WORKER, regions=[tree["440604011001001"]]),
                "village_staff": staff_create(username="vs", password=PW, full_name="村居", role=R.VILLAGE_STAFF, regions=[tree["v1"]], verbs=("view", "manage")),
                "street_officer": staff_create(username="so", password=PW, full_name="镇街", role=R.STREET_OFFICER, regions=[tree["s1"]], verbs=("view", "dispatch")),
                "district_officer": staff_create(username="do", password=PW, full_name="区", role=R.DISTRICT_OFFICER, regions=[tree["district"]], verbs=("view", "dispatch")),
            }
            with TestCase.captureOnCommitCallbacks(execute=True):
                built = build_world(tree, users)
            yield built
            transaction.set_rollback(True)
