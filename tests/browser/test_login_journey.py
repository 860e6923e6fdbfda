import pytest

from tests.browser_fixtures import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_grid_worker_logs_in_on_a_phone_and_sees_the_grid(phone, users):
    browser_login(phone, "gw")
    assert phone.url.endswith("/m/")
    assert phone.locator("h1").inner_text() == "我的网格"
    assert "丽豪社区第1网格" in phone.content()
    # Nothing overflows the 390 px viewport horizontally.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_wrong_password_message_in_the_browser(phone, users):
    browser_login(phone, "gw", "wrong-password")
    assert "请输入一个正确的" in phone.content()
    assert phone.input_value("#id_username") == "gw"  # what was typed is kept
