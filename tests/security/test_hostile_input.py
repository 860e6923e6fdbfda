"""The hostile-input catalogue: every form and every GET filter, attacked field by field.

Each entry of ``FORMS`` / ``FILTERS`` is one line of data: the page, who uses it, a valid
request, the fields and their types, and what counts as "written". Every field gets
hand-picked hostile values (by type) and hypothesis-generated strings, and the answer is
judged by one rule:

* a NUL byte or another control character → **400** with a message, nothing written;
* never a 5xx;
* a value that is refused (over-long, NaN/inf coordinates, wrong types, missing fields …)
  → an answer with a visible message (a 4xx, or the form again with its errors, or a
  redirect to a page with the message) and **nothing written** (the form's counter unchanged);
* a value that is accepted (emoji, RTL marks, full-width digits, SQL or HTML fragments are
  ordinary text) is stored whole, and HTML comes back escaped.

Adding a page: one line in ``FORMS`` (a POST form) or ``FILTERS`` (a GET list/search).
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import credit_code, id_number, jpeg

SERIAL = itertools.count(100)

pytestmark = pytest.mark.django_db

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
MESSAGE = re.compile(r'errorlist|role="alert"|"error"|class="messages"|class="error', re.I)
XSS = "<script>alert(1)</script>"

# Hand-picked values, by field type. Each is (value, expectation): "control" → 400,
# "refuse" → refused with a message, "either" → accepted whole or refused with a message.
COMMON = [
    ("a\x00b", "control"), ("x\x1b[31m", "control"),
    ("\u202eRTL覆盖\u202c", "either"), ("👷\u200d♀️🚧", "either"), ("１２３４５", "either"), ("' OR 1=1 --", "either"),
    (XSS, "either"),
]
HOSTILE = {
    "text": COMMON,
    "coord": COMMON + [("NaN", "refuse"), ("inf", "refuse"), ("-Infinity", "refuse"), ("1e309", "refuse"), ("abc", "refuse"),
                       ("９０", "either"), ("91", "refuse"), ("", "either")],
    "int": COMMON + [("abc", "refuse"), ("-1", "either"), ("99999999999999999999999", "either"), ("1.5", "either"), ("１", "either")],
    "choice": COMMON + [("abc", "either"), ("99999999999999999999999", "either"), ("", "either")],
    "uuid": COMMON + [("not-a-uuid", "either"), ("", "either"), ("00000000-0000-0000-0000-00000000000G", "either")],
    "date": COMMON + [("2026-02-30", "either"), ("9999-99-99", "either"), ("tomorrow", "either"), ("", "either")],
}


def text_for(max_length: int | None):
    """A text field's list: the common values plus one over its limit."""
    values = list(COMMON)
    if max_length:
        values.append(("长" * (max_length + 1), "refuse"))
    return values


@dataclass
class Form:
    """One POST form of the catalogue."""

    url: object  # world -> URL
    user: str  # a role under test, or "helper:<name>"
    valid: object  # world -> a valid payload
    fields: dict  # field -> type ("text:<max>", "coord", "int", "choice", "uuid", "date")
    written: object  # world -> a value that changes when something is written
    headers: dict = field(default_factory=dict)
    prepare: object = None  # world -> None, called before each post (e.g. a fresh draft to submit)
    lenient: tuple = ()  # fields where any value without control characters may be accepted (see the form's docs)


@dataclass
class Filter:
    """One GET page with filters."""

    url: object
    user: str
    params: dict  # param -> type


def first_url(*names) -> str:
    """The first of `names` that exists (a page that moved between apps during development)."""
    from django.urls import NoReverseMatch

    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    raise NoReverseMatch(names)


def _case(world, location="own"):
    return world.cases[location]


def _draft(world):
    return next(o.instance for o in world.of_kind("inspection_draft") if o.location == "own")


def _fresh_draft(world):
    """A new draft of the own grid's helper worker (a submit consumes its draft)."""
    from inspections import services

    worker = world.helpers["gw:440604011001001"]
    place = services.place_create(by=worker, name=f"巡查点{uuid.uuid4().hex[:6]}", place_type="shop", latitude=22.95, longitude=113.11)
    world.current = services.inspection_start(inspector=worker, place=place)


def _answers(world):
    return {f"result_{item.pk}": "pass" for item in world.current.scene.items.all()}


def _cat(world, code):
    from cases.models import CaseCategory

    return str(CaseCategory.objects.get(code=code).pk)


def _count(model_path, **filters):
    def count(world):
        from django.apps import apps

        return apps.get_model(model_path).objects.filter(**filters).count()

    return count


def _draft_state(world):
    from inspections.models import Inspection

    row = Inspection.objects.get(pk=_draft(world).pk)
    return json.dumps(row.draft, sort_keys=True, ensure_ascii=False), row.status


FUTURE = lambda: (timezone.localdate() + timezone.timedelta(days=7)).isoformat()  # noqa: E731

# fmt: off
FORMS: dict[str, Form] = {
    "case report": Form(
        url=lambda w: reverse("cases:report"), user="grid_worker",
        valid=lambda w: {"client_uuid": str(uuid.uuid4()), "category": _cat(w, "0101"), "description": "人行道堆放杂物",
                         "latitude": "22.95", "longitude": "113.11", "address": "丽豪路1号", "urgency": "", "place_name": "", "handling_note": ""},
        fields={"description": "text:2000", "address": "text:200", "place_name": "text:100", "handling_note": "text:500",
                "latitude": "coord", "longitude": "coord", "category": "choice", "urgency": "choice", "client_uuid": "uuid"},
        written=_count("cases.Case")),
    "hotline report (office role)": Form(
        url=lambda w: reverse("cases:report"), user="street_officer",
        valid=lambda w: {"client_uuid": str(uuid.uuid4()), "category": _cat(w, "0101"), "description": "市民来电：噪音扰民",
                         "latitude": "22.95", "longitude": "113.16", "address": "东风路2号", "urgency": "", "place_name": "", "handling_note": ""},
        fields={"description": "text:2000", "latitude": "coord", "longitude": "coord"},
        written=_count("cases.Case")),
    "rectification notice": Form(
        url=lambda w: reverse("dispatch:notice_new", args=[_case(w).number]), user="department_staff",
        valid=lambda w: {"party_name": "佛山市禅城区粤香楼餐馆", "party_address": "丽豪路18号", "finding": "后巷违规加建",
                         "legal_basis": "《城乡规划法》第六十四条", "requirement": "自行拆除", "deadline": FUTURE(), "party_code": ""},
        fields={"party_name": "text:100", "party_address": "text:200", "finding": "text", "legal_basis": "text",
                "requirement": "text", "deadline": "date", "party_code": "text"},
        written=_count("dispatch.RectificationNotice")),
    "consultation": Form(
        url=lambda w: reverse("dispatch:consultation_new", args=[_case(w).number]), user="street_officer",
        valid=lambda w: {"topic": "违建会商", "meeting_at": (timezone.localtime() + timezone.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
                         "location": "三楼会议室", "departments": str(w.departments["CGZF-440604011"].pk)},
        fields={"topic": "text:200", "location": "text:100", "meeting_at": "date", "departments": "int"},
        written=_count("dispatch.Consultation")),
    "escalate a case": Form(
        url=lambda w: reverse("dispatch:case_escalate", args=[_case(w).number]), user="street_officer",
        valid=lambda w: {"note": "跨部门，需区级协调", "expected_version": str(_case(w).version)},
        fields={"note": "text:2000", "expected_version": "int"},
        written=_count("cases.CaseEvent", action="escalate")),
    "new place": Form(
        url=lambda w: reverse("inspections:place_new"), user="grid_worker",
        valid=lambda w: {"name": "丽豪便利店", "place_type": "shop", "address": "丽豪路3号", "latitude": "22.95", "longitude": "113.11"},
        fields={"name": "text:100", "address": "text:200", "place_type": "choice", "latitude": "coord", "longitude": "coord"},
        written=_count("inspections.Place")),
    "one-tap answer": Form(
        url=lambda w: reverse("inspections:answer_save", args=[_draft(w).client_uuid]), user="helper:gw:440604011001001",
        valid=lambda w: {"item": str(_draft(w).scene.items.order_by("order").first().pk), "result": "pass", "reason": "", "remark": "老板不在"},
        fields={"remark": "text:1000", "reason": "text:200", "result": "choice", "item": "int"},
        written=_draft_state, headers={"HTTP_X_REQUESTED_WITH": "fetch"}),
    "inspection submit": Form(
        url=lambda w: reverse("inspections:submit", args=[w.current.client_uuid]), user="helper:gw:440604011001001",
        valid=lambda w: {**_answers(w), "remark": "无异常", "latitude": "22.95", "longitude": "113.11"},
        fields={"remark": "text:2000", "latitude": "coord", "longitude": "coord"},
        written=_count("inspections.Inspection", status="submitted"), prepare=_fresh_draft,
        # A bad or missing location is accepted with a visible flag (README, inspections), like none.
        lenient=("latitude", "longitude")),
    "photo upload (JSON)": Form(
        url=lambda w: reverse("cases:upload"), user="grid_worker",
        valid=lambda w: {"form_uuid": str(uuid.uuid4()), "slot": "report", "file": jpeg()},
        fields={"form_uuid": "uuid", "slot": "choice"},
        written=_count("cases.PendingUpload")),
    "person (一表填)": Form(
        url=lambda w: reverse("forms_fill:person_add"), user="village_staff",
        valid=lambda w: {"id_number": id_number(next(SERIAL)), "grid": str(w.tree["440604011001001"].pk), "name": "张三"},
        fields={"id_number": "text:40", "name": "text:64", "grid": "choice"},
        written=_count("forms_fill.Person")),
    "enterprise (credit)": Form(
        url=lambda w: reverse("credit:enterprise_create"), user="village_staff",
        valid=lambda w: {"uscc": credit_code(next(SERIAL)), "region": str(w.tree["440604011001001"].pk), "name": "佛山市禅城区测试有限公司",
                         "status": "existing", "contact_phone": "13800138000"},
        fields={"uscc": "text:40", "name": "text:200", "contact_phone": "text:32", "region": "choice", "employees": "int",
                "established_on": "date"},
        written=_count("credit.Enterprise")),
}

FILTERS: dict[str, Filter] = {
    "case list": Filter(lambda w: reverse("cases:list"), "street_officer",
                        {"status": "choice", "category": "choice", "region": "choice", "source": "choice", "since": "date", "until": "date", "after": "text"}),
    "my cases": Filter(lambda w: reverse("cases:mine"), "grid_worker", {"after": "text"}),
    "report page (resume)": Filter(lambda w: reverse("cases:report"), "grid_worker", {"uuid": "uuid"}),
    "duplicate hint": Filter(lambda w: reverse("cases:duplicates"), "grid_worker", {"category": "int", "latitude": "coord", "longitude": "coord"}),
    "address hint": Filter(lambda w: reverse("cases:report_address"), "grid_worker", {"latitude": "coord", "longitude": "coord"}),
    "workbench": Filter(lambda w: reverse("dispatch:workbench"), "street_officer",
                        {"tier": "int", "status": "choice", "category": "choice", "department": "choice", "region": "choice", "overdue": "choice", "after": "text"}),
    "workbench counters": Filter(lambda w: reverse("dispatch:counters"), "street_officer", {"tier": "int"}),
    "department workbench": Filter(lambda w: reverse("dispatch:department"), "department_staff", {"tab": "choice", "after": "text"}),
    "notices": Filter(lambda w: reverse("dispatch:notices"), "department_staff", {"status": "choice"}),
    "inbox": Filter(lambda w: first_url("core:inbox", "dispatch:inbox"), "department_staff", {"before": "int", "unread": "choice"}),
    "routing rules": Filter(lambda w: reverse("dispatch:rules"), "district_officer", {"q": "text"}),
    "place search": Filter(lambda w: reverse("inspections:place_search"), "grid_worker", {"q": "text"}),
    "place list": Filter(lambda w: reverse("inspections:place_list"), "village_staff", {"q": "text", "grid": "choice", "type": "choice", "page": "int"}),
    "inspection list": Filter(lambda w: reverse("inspections:inspection_list"), "village_staff", {"grid": "choice", "flagged": "choice", "page": "int"}),
    "department results": Filter(lambda w: reverse("inspections:department_results"), "department_staff",
                                 {"grid": "choice", "scene": "choice", "item": "choice", "result": "choice", "date_from": "date", "date_to": "date", "page": "int"}),
    "enterprises (credit)": Filter(lambda w: reverse("credit:enterprise_list"), "village_staff",
                                   {"q": "text", "colour": "choice", "credit_class": "choice", "grid": "text", "status": "choice"}),
    "people (一表填)": Filter(lambda w: reverse("forms_fill:person_list"), "village_staff", {"q": "text", "page": "int"}),
    "dashboard": Filter(lambda w: reverse("dashboard:index"), "street_officer", {"region": "text", "period": "choice", "start": "date", "end": "date"}),
    "regions": Filter(lambda w: reverse("grids:region_list"), "street_officer", {"level": "int", "q": "text", "page": "int"}),
}
# fmt: on


# --- judging ---------------------------------------------------------------------------------------

def user_of(world, who):
    return world.helpers[who.split(":", 1)[1]] if who.startswith("helper:") else world.users[who]


def values_for(kind: str):
    if kind.startswith("text"):
        _, _, limit = kind.partition(":")
        return text_for(int(limit) if limit else None)
    return HOSTILE[kind]


def body(response) -> str:
    return response.content.decode("utf-8", "replace") if not response.streaming else ""


def shows_message(client, response) -> bool:
    if MESSAGE.search(body(response)):
        return True
    if response.status_code in (301, 302, 303):
        followed = client.get(response["Location"])
        return bool(MESSAGE.search(body(followed)))
    return False


def judge(client, response, *, expectation, value, before, after, label) -> list[str]:
    status = response.status_code
    where = f"{label} = {value[:40]!r}: {status}"
    if status >= 500:
        return [f"{where} (server error)"]
    if expectation == "control":
        problems = []
        if status != 400:
            problems.append(f"{where}, expected 400")
        if before != after:
            problems.append(f"{where}: something was written ({before} → {after})")
        if not MESSAGE.search(body(response)) and "NUL" not in body(response) and "控制字符" not in body(response):
            problems.append(f"{where}: no message")
        return problems
    written = before != after
    if expectation == "refuse" and written:
        return [f"{where}: the value was accepted and written ({before} → {after}); it should be refused with a message"]
    if not written and 200 <= status < 400 and not shows_message(client, response) and status != 200:
        return [f"{where}: refused without a message"]
    if not written and status == 200 and not MESSAGE.search(body(response)) and expectation == "refuse":
        return [f"{where}: refused without a message"]
    if XSS in body(response):
        return [f"{where}: HTML came back unescaped"]
    if written and value == XSS and status in (301, 302, 303) and XSS in body(client.get(response["Location"])):
        return [f"{where}: the stored HTML is shown unescaped on {response['Location']}"]
    return []


def post_form(client, form: Form, world, field_name: str, value):
    if form.prepare:
        form.prepare(world)
    data = form.valid(world)
    if value is None:
        data.pop(field_name, None)
    else:
        data[field_name] = value
    return client.post(form.url(world), data, **form.headers)


# --- the catalogue ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", FORMS)
def test_form_valid_request_is_accepted(name, world, client):
    """The baseline: the valid payload is accepted and writes (else the catalogue proves nothing)."""
    form = FORMS[name]
    client.force_login(user_of(world, form.user), backend="django.contrib.auth.backends.ModelBackend")
    if form.prepare:
        form.prepare(world)
    before = form.written(world)
    response = client.post(form.url(world), form.valid(world), **form.headers)
    assert response.status_code < 400, body(response)[:2000]
    assert form.written(world) != before, f"{name}: the valid request wrote nothing"


@pytest.mark.parametrize("name", FORMS)
def test_form_hand_picked_hostile_values(name, world, client):
    form = FORMS[name]
    client.force_login(user_of(world, form.user), backend="django.contrib.auth.backends.ModelBackend")
    problems = []
    for field_name, kind in form.fields.items():
        cases = values_for(kind) + [(None, "either")]  # None: the field is missing
        for value, expectation in cases:
            if field_name in form.lenient and expectation == "refuse":
                expectation = "either"
            before = form.written(world)
            response = post_form(client, form, world, field_name, value)
            after = form.written(world)
            problems += judge(client, response, expectation=expectation, value=repr(value) if value is None else value,
                              before=before, after=after, label=f"{name}.{field_name}")
    # A hostile *name* for an extra field is refused like a hostile value.
    if form.prepare:
        form.prepare(world)
    before = form.written(world)
    response = client.post(form.url(world), {**form.valid(world), "x\x00y": "1"}, **form.headers)
    problems += judge(client, response, expectation="control", value="<key x\\0y>", before=before, after=form.written(world), label=name)
    assert not problems, f"{name}:\n" + "\n".join(problems)


HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=0, max_codepoint=0x9F),  # ASCII, C0 and C1 controls
        st.sampled_from("\u202e\u202d\u200f\u200b\ufeff\u3000１２３ａｂｃ'\";<>&%\\"),
        st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF),  # emoji
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK
    ),
    min_size=1, max_size=40,
)


@pytest.mark.parametrize("name", FORMS)
@settings(max_examples=8, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_form_generated_hostile_text(name, world, client, data):
    form = FORMS[name]
    client.force_login(user_of(world, form.user), backend="django.contrib.auth.backends.ModelBackend")
    field_name = data.draw(st.sampled_from(sorted(form.fields)), label="field")
    value = data.draw(HOSTILE_TEXT, label="value")
    before = form.written(world)
    response = post_form(client, form, world, field_name, value)
    expectation = "control" if CONTROL.search(value) else "either"
    problems = judge(client, response, expectation=expectation, value=value, before=before, after=form.written(world),
                     label=f"{name}.{field_name}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", FILTERS)
def test_filter_hand_picked_hostile_values(name, world, client):
    page = FILTERS[name]
    client.force_login(user_of(world, page.user), backend="django.contrib.auth.backends.ModelBackend")
    problems = []
    for n, (param, kind) in enumerate(page.params.items()):
        for value, expectation in values_for(kind) + ([("长" * 3000, "either")] if n == 0 else []):
            response = client.get(page.url(world), {param: value})
            status = response.status_code
            if status >= 500:
                problems.append(f"{param}={value[:30]!r}: {status}")
            elif expectation == "control" and status != 400:
                problems.append(f"{param}={value[:30]!r}: {status}, expected 400")
            elif XSS in body(response):
                problems.append(f"{param}={value[:30]!r}: HTML came back unescaped")
        response = client.get(page.url(world), {param: ["a", "b", "\x00"]})  # repeated, one hostile
        if response.status_code != 400:
            problems.append(f"{param} repeated with a NUL: {response.status_code}, expected 400")
    assert not problems, f"{name}:\n" + "\n".join(problems)


@pytest.mark.parametrize("name", FILTERS)
@settings(max_examples=5, deadline=None, database=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_filter_generated_hostile_text(name, world, client, data):
    page = FILTERS[name]
    client.force_login(user_of(world, page.user), backend="django.contrib.auth.backends.ModelBackend")
    param = data.draw(st.sampled_from(sorted(page.params)), label="param")
    value = data.draw(HOSTILE_TEXT, label="value")
    response = client.get(page.url(world), {param: value})
    assert response.status_code < 500, f"{param}={value!r}"
    if CONTROL.search(value):
        assert response.status_code == 400, f"{param}={value!r}: {response.status_code}"


# --- the edge itself -------------------------------------------------------------------------------

def test_nul_in_the_path_is_a_400_not_a_500(world, client):
    client.force_login(world.users["street_officer"], backend="django.contrib.auth.backends.ModelBackend")
    for url in ("/cases/%00/", "/dispatch/case/A%00B/", "/regions/%00/", "/inspections/checklists/1/scenes/%00/"):
        response = client.get(url)
        assert response.status_code == 400, url
        assert "空字符" in response.content.decode(), url


def test_nul_in_a_json_body_is_refused(world, client):
    client.force_login(world.users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("cases:upload"), data='{"form_uuid": "a\\u0000b"}', content_type="application/json")
    assert response.status_code == 400 and "error" in response.json()


def test_a_damaged_cookie_is_dropped_not_a_500(world, client):
    client.force_login(world.users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
    client.cookies["django_language"] = "zh-hans\x00"
    assert client.get(reverse("cases:mine")).status_code == 200


def test_the_nul_message_is_clear_chinese_not_djangos_garbled_one(world):
    from django import forms
    from django.utils import translation

    with translation.override("zh-hans"):
        field = forms.CharField()
        with pytest.raises(forms.ValidationError) as exc:
            field.clean("a\x00b")
    assert "空字符" in exc.value.messages[0] and "不允许是用空字符串" not in exc.value.messages[0]


def test_a_remark_over_its_limit_says_so_on_the_one_tap_save(world, client):
    draft = _draft(world)
    client.force_login(world.helpers["gw:440604011001001"], backend="django.contrib.auth.backends.ModelBackend")
    item = draft.scene.items.order_by("order").first()
    response = client.post(reverse("inspections:answer_save", args=[draft.client_uuid]),
                           {"item": item.pk, "result": "pass", "remark": "长" * 1001}, HTTP_X_REQUESTED_WITH="fetch")
    text = response.content.decode()
    assert response.status_code == 400 and response["X-Inspection-Saved"] == "0"
    assert "备注" in text and "1000" in text and "未知" not in text
    assert "长" * 1001 in text  # what the worker typed is kept on the page


def test_hidden_coordinate_errors_are_shown_on_the_new_place_form(world, client):
    client.force_login(world.users["grid_worker"], backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("inspections:place_new"), {"name": "丽豪便利店", "place_type": "shop", "latitude": "NaN", "longitude": "113.11"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "纬度" in text and "丽豪便利店" in text
