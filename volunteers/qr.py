"""QR codes (segno: pure Python, no network, no native library) as inline SVG."""

import segno
from django.utils.safestring import mark_safe


def qr_svg(url: str, *, scale: int = 8) -> str:
    """An inline <svg> of the QR code for `url` (error correction M survives a creased poster)."""
    code = segno.make(url, error="m", micro=False)
    return mark_safe(code.svg_inline(scale=scale, dark="#000", light="#fff", border=2, omitsize=False))  # noqa: S308 - segno's own SVG
