"""Without tesseract the app says so (system check + page) and the rest keeps working."""

import pytest
from django.core.checks import run_checks

from scan import ocr

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_tesseract(monkeypatch):
    import pytesseract

    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")
    ocr.forget_availability()
    yield
    monkeypatch.undo()
    ocr.forget_availability()


def test_the_check_warns_and_the_page_says_so_when_tesseract_is_missing(no_tesseract, login, users):
    ok, why = ocr.availability()
    assert not ok and "tesseract" in why
    warnings = [m for m in run_checks() if m.id == "scan.W001"]
    assert len(warnings) == 1
    client = login(users["grid_worker"])
    page = client.get("/scan/").content.decode()
    assert 'id="ocr-missing"' in page and "tesseract" in page
    assert client.get("/m/").status_code == 200  # the rest keeps working
    from .conftest import upload

    response = client.post("/scan/", {"kind": "id_card", "photos": [upload("x.jpg", b"\xff\xd8\xff")]})
    assert response.status_code == 200
    from scan.models import ScanBatch

    assert ScanBatch.objects.count() == 0


def test_no_warning_when_tesseract_is_installed():
    ocr.forget_availability()
    assert not [m for m in run_checks() if m.id == "scan.W001"]
