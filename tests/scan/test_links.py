"""The 扫一扫 button on the pages where a grid worker or an officer needs it, carrying where the result goes."""

from credit.codes import make_uscc
from credit.models import Enterprise


def test_the_report_page_offers_a_scan(login, users, tree):
    body = login(users["grid_worker"]).get("/cases/report/").content.decode()
    assert 'href="/scan/"' in body and "扫一扫" in body


def test_the_enterprise_page_scans_into_that_enterprise_and_the_scan_page_keeps_it(login, users, tree):
    grid = tree["440604011001001"]
    e = Enterprise.objects.create(uscc=make_uscc(1), name="丽豪测试商行", region=grid, region_path=grid.path)
    client = login(users["street_officer"])
    body = client.get(f"/credit/{e.pk}/").content.decode()
    link = f"/scan/?attach=enterprise:{e.pk}"
    assert f'href="{link}"' in body
    page = client.get(link).content.decode()
    assert f'name="attach" value="enterprise:{e.pk}"' in page
