"""Tesseract with Simplified Chinese must be installed where the tests run: a missing OCR FAILS
the suite (CI installs tesseract-ocr + tesseract-ocr-chi-sim), it is never skipped."""

import shutil

from scan import ocr


def test_tesseract_with_simplified_chinese_is_installed():
    ocr.forget_availability()
    ok, why = ocr.availability()
    assert ok, f"OCR is not usable here: {why}. Install tesseract-ocr and tesseract-ocr-chi-sim."
    assert shutil.which("tesseract")


def test_the_noto_cjk_font_for_the_corpus_is_installed():
    from scan.synthetic import font_path

    assert font_path().endswith(".ttc")
