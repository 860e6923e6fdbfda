"""Fixtures of the 一表填 tests: people inside and outside the village user's jurisdiction, templates."""

import datetime
import random

import pytest

from core.identifiers import id_number_check_digit
from forms_fill.catalogue import PERSON
from forms_fill.models import Person, TableTemplate


def make_id(birth=datetime.date(1990, 5, 17), seq=1, area="440604"):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_digit(first17)


def add_person(grid, n, **attrs):
    number = make_id(seq=n)
    return Person.objects.create(
        id_number=number, name=f"测试{n:03d}", sex="M" if n % 2 else "F", birth_date=datetime.date(1990, 5, 17),
        ethnicity="汉族", household_address=f"禅城区测试路{n}号", phone=f"138{n:08d}", region=grid,
        region_path=grid.path, attributes={"employment_status": "在业", "employer": f"测试公司{n}", **attrs},
    )


@pytest.fixture
def people(tree):
    """Three people in 丽豪社区 (the village user's jurisdiction), two in 镇安村 (outside it)."""
    inside = [add_person(tree["440604011001001"], 1), add_person(tree["440604011001002"], 2),
              add_person(tree["440604011001001"], 3, religion="测试教")]
    outside = [add_person(tree["440604010001001"], 4), add_person(tree["440604010001002"], 5)]
    return {"inside": inside, "outside": outside}


@pytest.fixture
def composed(db):
    return TableTemplate.objects.create(
        name="人口表", entity=PERSON, kind="composed", title="人口基础信息表", header_lines=["填报单位:丽豪社区"],
        columns=["name", "id_number", "sex", "birth_date", "phone", "grid", "employment_status", "employer", "religion"],
    )


@pytest.fixture
def official(db, tmp_path):
    from django.core.files import File

    from forms_fill.official import inspect_template
    from forms_fill.samples import employment_template

    path = tmp_path / "employment.xlsx"
    employment_template(path)
    found = inspect_template(path, PERSON)
    template = TableTemplate(name="就业人员登记表", entity=PERSON, kind="official", mapping=found.mapping,
                             serial_column=found.serial_column, sheet_name=found.sheet_name,
                             first_data_row=found.first_data_row)
    with open(path, "rb") as fh:
        template.file.save("employment.xlsx", File(fh), save=False)
    template.save()
    return template


@pytest.fixture
def rng():
    return random.Random(7)
