"""Pages: masking everywhere, audited reveal and downloads, scope (404), the audit log, the desk."""

import re

import pytest
from django.urls import reverse

from core.models import AuditLog
from forms_fill.models import Person

FULL_ID = re.compile(r"\d{17}[\dX]")
FULL_PHONE = re.compile(r"1[3-9]\d{9}")


def assert_masked(html, people):
    for p in people:
        assert p.id_number not in html and p.phone not in html
    assert not FULL_ID.search(html), FULL_ID.search(html)


def test_people_list_and_detail_mask_ids_and_phones(people, users, login):
    client = login(users["village_staff"])
    html = client.get(reverse("forms_fill:person_list")).content.decode()
    assert "测试001" in html and "测试004" not in html  # scoped
    assert "440604********0013".replace("0013", people["inside"][0].id_number[-4:]) in html
    assert_masked(html, people["inside"])
    a = people["inside"][2]
    html = client.get(reverse("forms_fill:person_detail", args=[a.pk])).content.decode()
    assert_masked(html, [a])
    assert "测试教" not in html  # religion is sensitive: masked too
    assert "138****" in html


def test_searching_by_full_id_number_finds_without_echoing_it(people, users, login):
    client = login(users["village_staff"])
    a = people["inside"][0]
    html = client.get(reverse("forms_fill:person_list"), {"q": a.id_number}).content.decode()
    assert "测试001" in html and "测试003" not in html
    # the search box echoes the query (the user typed it), the table does not
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert a.id_number not in body and a.id_number[:6] + "********" + a.id_number[-4:] in body


def test_out_of_scope_person_is_404(people, users, login):
    client = login(users["village_staff"])
    outside = people["outside"][0]
    for name in ("forms_fill:person_detail", "forms_fill:person_edit"):
        assert client.get(reverse(name, args=[outside.pk])).status_code == 404
    assert client.post(reverse("forms_fill:person_reveal", args=[outside.pk, "id_number"]),
                       {"reason": "核对"}).status_code == 404
    assert client.post(reverse("forms_fill:person_delete", args=[outside.pk])).status_code == 404
    assert not AuditLog.objects.filter(action__in=["reveal", "export", "fill", "download"]).exists()


def test_reveal_needs_a_reason_and_is_audited(people, users, login):
    client = login(users["village_staff"])
    a = people["inside"][0]
    url = reverse("forms_fill:person_reveal", args=[a.pk, "id_number"])
    response = client.post(url, {"reason": ""}, HTTP_HX_REQUEST="true")
    assert a.id_number not in response.content.decode() and not AuditLog.objects.filter(action__in=["reveal", "export", "fill", "download"]).exists()
    response = client.post(url, {"reason": "核对低保申请"}, HTTP_HX_REQUEST="true")
    assert response.content.decode() == f'<span class="revealed">{a.id_number}</span>'
    entry = AuditLog.objects.filter(action__in=["reveal", "export", "fill", "download"]).get()
    assert (entry.action, entry.object_type, entry.object_ids, entry.user) == (
        "reveal", "forms_fill.Person", [str(a.pk)], users["village_staff"])
    assert "核对低保申请" in entry.reason and "公民身份号码" in entry.reason
    # Without htmx the page is shown again with the one value revealed.
    html = client.post(reverse("forms_fill:person_reveal", args=[a.pk, "phone"]), {"reason": "回访"}).content.decode()
    assert a.phone in html and a.id_number not in html
    # A field that is not sensitive cannot be "revealed".
    assert client.post(reverse("forms_fill:person_reveal", args=[a.pk, "name"]), {"reason": "x1"}).status_code == 404


def test_add_edit_delete_with_history(tree, users, login):
    from tests.forms_fill.conftest import make_id

    client = login(users["village_staff"])
    number = make_id(seq=321)
    data = {"id_number": " " + number.lower() + " ", "grid": tree["440604011001001"].pk, "name": "测试新增",
            "phone": "139-0000-0001", "employment_status": "在业"}
    response = client.post(reverse("forms_fill:person_add"), data)
    person = Person.objects.get(id_number=number)
    assert response.status_code == 302 and person.phone == "13900000001" and person.sex == "M"
    # Bad input keeps what was typed and says what is wrong.
    bad = client.post(reverse("forms_fill:person_add"), {**data, "id_number": number[:17] + "0" if number[17] != "0" else number[:17] + "1", "phone": "12"})
    html = bad.content.decode()
    assert bad.status_code == 200 and "校验码" in html and "测试新增" in html
    # A grid outside the jurisdiction is not a choice.
    other = client.post(reverse("forms_fill:person_edit", args=[person.pk]), {"name": "测试新增", "grid": tree["440604010001001"].pk})
    assert other.status_code == 200 and Person.objects.get(pk=person.pk).region_id == tree["440604011001001"].pk
    client.post(reverse("forms_fill:person_edit", args=[person.pk]),
                {"name": "测试改名", "grid": tree["440604011001002"].pk, "phone": "13900000002"})
    person.refresh_from_db()
    assert person.name == "测试改名" and person.region_path == tree["440604011001002"].path
    html = client.get(reverse("forms_fill:person_detail", args=[person.pk])).content.decode()
    assert "139****0001" in html and "139****0002" in html and "13900000002" not in html  # history masked
    client.post(reverse("forms_fill:person_delete", args=[person.pk]), {"reason": "迁出"})
    person.refresh_from_db()
    assert person.deleted_at is not None
    assert client.get(reverse("forms_fill:person_detail", args=[person.pk])).status_code == 404
    actions = list(person_history(person))
    assert actions == ["delete", "update", "create"]


def person_history(person):
    from forms_fill.models import RecordChange

    return RecordChange.objects.filter(entity="person", object_id=person.pk).values_list("action", flat=True)


def test_audit_log_is_for_district_officers_read_only_and_exportable(users, login, people):
    AuditLog.objects.create(user=users["village_staff"], action="reveal", object_type="forms_fill.Person",
                            object_ids=["1"], reason="=HYPERLINK(\"x\")")
    assert login(users["village_staff"]).get(reverse("forms_fill:audit_log")).status_code == 403
    client = login(users["district_officer"])
    html = client.get(reverse("forms_fill:audit_log"), {"action": "reveal"}).content.decode()
    assert "forms_fill.Person" in html
    response = client.get(reverse("forms_fill:audit_export"), {"action": "reveal"})
    body = b"".join(response.streaming_content).decode("utf-8")
    assert "'=HYPERLINK" in body  # a formula is neutralised
    assert AuditLog.objects.filter(action="export", object_type="core.AuditLog").exists()  # the export is recorded
    # No edit or delete: the admin is read-only or absent for the audit log; no URL of ours writes it.
    assert client.post(reverse("forms_fill:audit_log")).status_code in (200, 405)
    assert AuditLog.objects.filter(action__in=["reveal", "export", "fill", "download"]).count() == 2


def test_village_staff_land_on_the_desk(users, login, people):
    from core.navigation import role_home

    assert role_home("village_staff") == "/village/"
    html = login(users["village_staff"]).get("/village/").content.decode()
    assert "一键填表" in html and "待填报表格" in html
    assert login(users["grid_worker"]).get("/village/").status_code == 403


@pytest.mark.parametrize("name", ["forms_fill:person_list", "forms_fill:enterprise_list", "forms_fill:table_list",
                                  "forms_fill:template_list", "forms_fill:fill", "forms_fill:import",
                                  "forms_fill:template_compose", "forms_fill:template_upload"])
def test_pages_answer_for_village_staff_and_not_for_grid_workers(name, users, login, people):
    assert login(users["village_staff"]).get(reverse(name)).status_code == 200
    assert login(users["grid_worker"]).get(reverse(name)).status_code == 403
