import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
PW = "pw-for-tests-1"


def test_login_page_speaks_chinese(client):
    html = client.get(reverse("login")).content.decode()
    assert "登录" in html and 'lang="zh-hans"' in html


def test_english_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert "Log in" in html


def test_wrong_password_gives_a_clear_message(client, users):
    response = client.post(reverse("login"), {"username": "gw", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()  # Django's zh-hans "Please enter a correct username and password"


def test_lockout_after_repeated_failures(client, users, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "gw", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "gw", "password": PW})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("role,home", [
    ("grid_worker", "grids:mobile_home"),
    ("village_staff", "village:desk"),  # issue 11: the village desk (forms_fill)
    ("street_officer", "dispatch:workbench"),  # issue 4: officers land on the dispatch workbench
    ("district_officer", "dispatch:workbench"),
])
def test_each_role_lands_on_its_home(client, users, role, home):
    response = client.post(reverse("login"), {"username": users[role].username, "password": PW}, follow=True)
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


def test_grid_worker_cannot_open_officer_pages(login, users):
    assert login(users["grid_worker"]).get(reverse("grids:officer_home")).status_code == 403


def test_anonymous_is_sent_to_login(client, tree):
    response = client.get(reverse("grids:region_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_check_deploy_is_clean_with_documented_variables():
    root = Path(__file__).resolve().parents[2]
    # The browser harness allows sync ORM calls inside Playwright's loop for its own
    # process; a production process never has that variable.
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "a" * 20 + "-production-secret-key-with-enough-entropy-XYZ123",
        "DJANGO_ALLOWED_HOSTS": "ecogrid.example.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL", "sqlite:////tmp/ecogrid-deploy-check.sqlite3"),
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=root, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_chinese_by_default_even_for_an_english_browser(client):
    html = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "登录生态网格" in html
