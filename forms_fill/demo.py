"""Demo data of 一表填: synthetic people, the table registry, templates (idempotent)."""

from __future__ import annotations

import datetime
import random
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import transaction
from django.utils import timezone

DEMO_ORDER = 600  # after grids (regions, users) and credit (enterprises)
DEMO_PEOPLE = 3000

DEPARTMENTS = ["区民政局", "区人社局", "区卫健局", "区教育局", "区退役军人事务局", "区住建水务局", "区市场监管局",
               "区应急管理局", "区残联", "区妇联", "团区委", "区统计局", "区农业农村局", "区公安分局", "区司法局",
               "区医保局", "区城管执法局", "区生态环境分局", "区政数局", "区委组织部"]
TOPICS = ["人口信息", "就业人员", "失业人员", "低保对象", "特困人员", "残疾人", "退役军人", "独居老人", "留守儿童",
          "流动人口", "出租屋", "企业基本信息", "安全生产检查", "消防安全隐患", "食品经营户", "育龄妇女", "社保参保",
          "医保参保", "党员信息", "志愿者", "矛盾纠纷", "环境卫生", "三小场所", "重点青少年", "社区矫正对象"]
KINDS = ["登记表", "统计表", "花名册", "台账", "摸查表", "情况表", "汇总表", "明细表", "核查表", "月报表", "季报表"]


def _registry(rng):
    from .models import TableEntry

    if TableEntry.objects.exists():
        return
    names, seen = [], set()
    while len(names) < 276:
        name = f"{rng.choice(['', '年度', '季度', '专项', '重点'])}{rng.choice(TOPICS)}{rng.choice(KINDS)}"
        if name not in seen:
            seen.add(name)
            names.append(name)
    # 277 tables with the employment table (CC-278, smart fill): 95 abolished, 17 smart fill.
    statuses = (["abolished"] * 95 + ["smart_fill"] * 16 + ["merged"] * 20 + ["active"] * 145)
    rng.shuffle(statuses)
    today = timezone.localdate()
    freqs = [c for c, _l in TableEntry.Frequency.choices]
    entries = []
    for i, (name, status) in enumerate(zip(names, statuses), start=1):
        entries.append(TableEntry(code=f"CC-{i:03d}", name=name, department=rng.choice(DEPARTMENTS),
                                  frequency=rng.choice(freqs), status=status if status != "merged" else "active",
                                  next_due=(today + datetime.timedelta(days=rng.randrange(1, 60)))
                                  if status in ("active", "smart_fill") else None))
    TableEntry.objects.bulk_create(entries)
    active = list(TableEntry.objects.filter(status="active").order_by("code")[:20])
    merged_codes = [e.code for e, s in zip(entries, statuses) if s == "merged"]
    for n, code in enumerate(merged_codes):
        TableEntry.objects.filter(code=code).update(status="merged", merged_into=active[n % len(active)], next_due=None)


def _templates(ctx):
    from .catalogue import PERSON
    from .models import TableEntry, TableTemplate
    from .official import inspect_template
    from .samples import EMPLOYMENT_TITLE, employment_template

    if not TableTemplate.objects.filter(name=EMPLOYMENT_TITLE).exists():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "employment.xlsx"
            employment_template(path)
            found = inspect_template(path, PERSON)
            template = TableTemplate(name=EMPLOYMENT_TITLE, entity=PERSON, kind="official", mapping=found.mapping,
                                     serial_column=found.serial_column, sheet_name=found.sheet_name,
                                     first_data_row=found.first_data_row,
                                     columns=[{"letter": h.letter, "text": h.text} for h in found.headers])
            with open(path, "rb") as fh:
                template.file.save("employment.xlsx", File(fh), save=False)
            template.save()
    employment = TableTemplate.objects.get(name=EMPLOYMENT_TITLE)
    TableTemplate.objects.get_or_create(name="人口基础信息表", defaults={
        "entity": PERSON, "kind": "composed", "title": "人口基础信息表", "header_lines": ["填报单位:", ],
        "columns": ["name", "sex", "ethnicity", "id_number", "birth_date", "household_address", "current_address",
                    "phone", "grid", "education", "political_status", "marital_status", "population_type"]})
    TableTemplate.objects.get_or_create(name="企业基础信息表", defaults={
        "entity": "enterprise", "kind": "composed", "title": "企业基础信息表",
        "columns": ["name", "uscc", "enterprise_type", "legal_representative", "registered_capital", "established_on",
                    "address", "industry", "employees", "contact_name", "contact_phone", "safety_officer",
                    "fire_officer", "food_licence_no", "grid"]})
    entry, _created = TableEntry.objects.get_or_create(code="CC-278", defaults={
        "name": EMPLOYMENT_TITLE, "department": "区人社局", "frequency": "monthly", "status": "smart_fill",
        "next_due": timezone.localdate() + datetime.timedelta(days=5)})
    if entry.template_id is None:
        entry.template = employment
        entry.save(update_fields=["template"])


@transaction.atomic
def _people(ctx, rng):
    from grids.models import Region

    from .models import Person
    from .samples import fake_person

    if Person.objects.exists():  # idempotent: the demo command runs twice
        return
    grids = list(Region.objects.filter(level=Region.Level.GRID).order_by("code"))
    if not grids:
        return
    lihao = [g for g in grids if g.code.startswith("440604011001")]
    today = timezone.localdate().isoformat()
    src = {"source": "演示数据", "date": today}
    people = []
    seen = set()
    for n in range(1, DEMO_PEOPLE + 1):
        values = fake_person(rng, n)
        while values["id_number"] in seen:
            values = fake_person(rng, n)
        seen.add(values["id_number"])
        grid = rng.choice(lihao) if lihao and n % 3 == 0 else rng.choice(grids)
        from core.identifiers import check_id_number

        info = check_id_number(values["id_number"]).info
        columns = {k: values.pop(k) for k in ("id_number", "name", "ethnicity", "household_address",
                                               "current_address", "phone")}
        attributes = {k: v for k, v in values.items() if v}
        people.append(Person(**columns, sex=info["sex"], birth_date=info["birth_date"], region=grid,
                             region_path=grid.path, attributes=attributes,
                             sources={k: src for k in list(columns) + list(attributes)}))
    Person.objects.bulk_create(people, ignore_conflicts=True, batch_size=1000)


def seed(ctx):
    from .models import Person, TableEntry, TableTemplate

    rng = random.Random(20261130)
    _registry(rng)
    _templates(ctx)
    _people(ctx, rng)
    ctx.say(f"一表填: {Person.objects.count()} people, {TableEntry.objects.count()} registered tables, "
            f"{TableTemplate.objects.count()} templates")
