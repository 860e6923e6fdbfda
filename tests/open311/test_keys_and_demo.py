"""Keys: the management command (create, list, revoke) and the admin (a new key shown once);
the demo data (idempotent; the demo key works and is printed with the logins)."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.demo import DemoContext
from open311 import demo
from open311.models import ApiClient, ApiKey, Service, ServiceAttribute
from open311.selectors import key_for

pytestmark = pytest.mark.django_db


def test_command_creates_lists_and_revokes_keys():
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_keys", "create", "--client", "某随手拍", "--label", "prod", "--rate-limit", "30", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = key_for(raw)
    assert key is not None and key.client.name == "某随手拍" and key.client.rate_limit == 30
    assert key.key_hash != raw and raw not in str(ApiKey.objects.values_list())  # stored hashed only
    listing = io.StringIO()
    call_command("open311_keys", "list", stdout=listing)
    assert key.prefix in listing.getvalue() and "active" in listing.getvalue()
    call_command("open311_keys", "revoke", key.prefix, stdout=io.StringIO())
    assert key_for(raw) is None
    with pytest.raises(CommandError):
        call_command("open311_keys", "revoke", "nosuchkey", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("open311_keys", "create", "--client", "x", "--key", "short", stdout=io.StringIO(), stderr=io.StringIO())


def test_admin_shows_a_new_key_once(client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests-1")
    client.force_login(admin, backend="django.contrib.auth.backends.ModelBackend")
    api_client = ApiClient.objects.create(name="热线系统")
    response = client.post("/admin/open311/apikey/add/", {"client": api_client.pk, "label": "hotline"}, follow=True)
    assert response.status_code == 200
    key = ApiKey.objects.get()
    shown = [str(m) for m in response.context["messages"]]
    raw = next(word for m in shown for word in m.split() if word.startswith(key.prefix))
    assert key_for(raw) == key
    page = client.get(f"/admin/open311/apikey/{key.pk}/change/")
    assert raw not in page.content.decode()


def test_demo_seed_is_idempotent_and_its_key_works(api, categories, tree):
    from cases.models import CaseCategory

    major = CaseCategory.objects.create(code="04", name="突发事件")
    CaseCategory.objects.create(code="0406", name="井盖缺失破损", parent=major)
    ctx = DemoContext(stdout=io.StringIO())
    demo.seed(ctx)
    demo.seed(ctx)
    assert ApiKey.objects.count() == 1 and ApiClient.objects.count() == 1
    assert key_for(demo.DEMO_KEY) is not None
    assert ctx.logins[0][0] == "demo-open311-key"
    assert ServiceAttribute.objects.filter(category__code="0406").count() == 2
    definition = api("get", "services/0406", kind="service_definition")
    assert definition["attributes"][0]["code"] == "cover_state" and definition["attributes"][0]["required"] is True
    created = api("post", "requests", status=201, kind="created", data={
        "api_key": demo.DEMO_KEY, "service_code": "0406", "attribute[cover_state]": "missing", "lat": "22.95", "long": "113.11"})
    assert created[0]["token"]
    assert not Service.objects.filter(category__code="0101").exists()
