"""System check: is tesseract with Simplified Chinese installed? (``manage.py check``)

A warning, not an error: without OCR the rest of EcoGrid keeps working, and the scan
pages say the same thing to their users. The test suite, on the other hand, fails
without it (tests/scan/test_ocr_installed.py) — CI must have the real thing.
"""

from django.core.checks import Warning, register


@register()
def tesseract_installed(app_configs=None, **kwargs):
    from .ocr import availability

    ok, why = availability()
    if ok:
        return []
    return [
        Warning(
            f"Scan (扫一扫) cannot recognise images: {why}.",
            hint="Install the Debian packages tesseract-ocr and tesseract-ocr-chi-sim (scripts/system-packages.sh).",
            id="scan.W001",
        )
    ]
