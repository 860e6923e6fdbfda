"""Small truths of the house: the favicon, the admin's third-party sections in Chinese."""

from django.urls import reverse


def test_the_favicon_is_served_from_the_project(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    from django.contrib.staticfiles import finders

    assert finders.find("favicon.svg")  # vendored, collected with the other static files


def test_the_admin_names_django_axes_in_chinese(db, admin_client):
    body = admin_client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "登录锁定" in body and "登录尝试" in body
    assert ">Axes<" not in body and "Access attempts" not in body
