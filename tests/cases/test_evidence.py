"""Tests for cases.evidence (no database; every fixture is generated here).

Run:
    .venv/bin/python -m pytest tests/cases/test_evidence.py -q -p no:django -o addopts=""
"""

from __future__ import annotations

import io
import os
import struct
import zlib
from datetime import datetime

import pytest
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    # Lazy translatable messages need settings once they are rendered.
    settings.configure(USE_I18N=False)

from django.core.exceptions import ValidationError  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.utils import translation  # noqa: E402
from hypothesis import HealthCheck, given  # noqa: E402
from hypothesis import settings as hsettings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

from cases import evidence  # noqa: E402
from cases.evidence import (  # noqa: E402
    MAX_EDGE,
    THUMB_EDGE,
    EvidenceError,
    check_video,
    process_image,
)

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112


# --------------------------------------------------------------------------- helpers


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return (float(degrees), float(minutes), seconds)


def make_exif(*, orientation=None, lat=None, lon=None, taken=None, offset=None) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "TestPhone"  # Make
    if orientation is not None:
        exif[ORIENTATION] = orientation
    if lat is not None and lon is not None:
        exif[GPS_IFD] = {
            1: "N" if lat >= 0 else "S",
            2: _dms(lat),
            3: "E" if lon >= 0 else "W",
            4: _dms(lon),
        }
    if taken is not None:
        sub = {0x9003: taken}
        if offset is not None:
            sub[0x9011] = offset
        exif[EXIF_IFD] = sub
    return exif


def encode(im: Image.Image, fmt: str = "JPEG", **kwargs) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def make_jpeg(size=(400, 300), color=(30, 120, 200), **exif_kwargs) -> bytes:
    im = Image.new("RGB", size, color)
    exif = make_exif(**exif_kwargs) if exif_kwargs else None
    return encode(im, "JPEG", quality=90, **({"exif": exif} if exif else {}))


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def reopen(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def assert_clean_jpeg(data: bytes) -> Image.Image:
    im = reopen(data)
    assert im.format == "JPEG"
    assert im.mode == "RGB"
    exif = im.getexif()
    assert len(exif) == 0
    assert not exif.get_ifd(GPS_IFD)
    for key in ("exif", "xmp", "icc_profile", "comment"):
        assert key not in im.info, key
    assert b"Exif\x00\x00" not in data
    return im


class CountingReader:
    """Binary file-like producing `total` bytes lazily; counts what was read."""

    def __init__(self, total: int, prefix: bytes = b""):
        self.total = total
        self.prefix = prefix
        self.pos = 0
        self.bytes_read = 0

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0:
            n = self.total - self.pos
        n = min(n, self.total - self.pos)
        head = self.prefix[self.pos : self.pos + n]
        chunk = head + b"\0" * (n - len(head))
        self.pos += n
        self.bytes_read += n
        return chunk


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def make_png_bomb(width: int, height: int) -> bytes:
    """A complete, valid 1-bit greyscale PNG of width x height, all black.

    Decompresses to height * (1 + ceil(width / 8)) bytes but is tiny on disk.
    """
    row = b"\0" * (1 + (width + 7) // 8)
    comp = zlib.compressobj(9)
    parts = []
    rows_per_block = 512
    block = row * rows_per_block
    done = 0
    while done < height:
        n = min(rows_per_block, height - done)
        parts.append(comp.compress(block if n == rows_per_block else row * n))
        done += n
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", b"".join(parts))
        + png_chunk(b"IEND", b"")
    )


def mp4_header(major: bytes = b"isom", compatible=(b"isom", b"iso2", b"avc1", b"mp41")) -> bytes:
    ftyp_payload = major + struct.pack(">I", 0x200) + b"".join(compatible)
    ftyp = struct.pack(">I", 8 + len(ftyp_payload)) + b"ftyp" + ftyp_payload
    free = struct.pack(">I", 8) + b"free"
    mdat = struct.pack(">I", 8 + 64) + b"mdat" + bytes(range(64))
    return ftyp + free + mdat


# --------------------------------------------------------------------------- orientation / metadata


def test_exif_orientation_applied_and_all_metadata_stripped():
    # Stored 400x300 with a red block in the stored top-left corner; orientation 6
    # means "rotate 90 degrees clockwise to display".
    im = Image.new("RGB", (400, 300), (0, 0, 255))
    ImageDraw.Draw(im).rectangle((0, 0, 99, 74), fill=(255, 0, 0))
    exif = make_exif(orientation=6, lat=23.0215, lon=113.1214, taken="2024:05:06 07:08:09")
    raw = encode(im, "JPEG", quality=95, exif=exif, comment=b"secret comment")
    assert Image.open(io.BytesIO(raw)).getexif().get_ifd(GPS_IFD)  # fixture really has GPS

    result = process_image(upload(raw))

    assert (result.width, result.height) == (300, 400)
    out = assert_clean_jpeg(result.content)
    assert out.size == (300, 400)
    # After a clockwise rotation, the stored top-left lands at the top-right.
    r, g, b = out.getpixel((300 - 20, 20))
    assert r > 200 and g < 60 and b < 60
    r, g, b = out.getpixel((20, 20))
    assert b > 200 and r < 60
    # Metadata was read before stripping.
    assert result.latitude == pytest.approx(23.0215, abs=1e-4)
    assert result.longitude == pytest.approx(113.1214, abs=1e-4)
    assert b"secret comment" not in result.content

    thumb = assert_clean_jpeg(result.thumbnail)
    assert max(thumb.size) <= THUMB_EDGE
    assert thumb.width < thumb.height


def test_gps_foshan_read_to_1e4():
    result = process_image(upload(make_jpeg(lat=23.0215, lon=113.1214)))
    assert result.latitude == pytest.approx(23.0215, abs=1e-4)
    assert result.longitude == pytest.approx(113.1214, abs=1e-4)


def test_gps_south_and_west_are_negative():
    # Rio de Janeiro
    result = process_image(upload(make_jpeg(lat=-22.9068, lon=-43.1729)))
    assert result.latitude == pytest.approx(-22.9068, abs=1e-4)
    assert result.longitude == pytest.approx(-43.1729, abs=1e-4)


def test_no_gps_gives_none():
    result = process_image(upload(make_jpeg()))
    assert result.latitude is None and result.longitude is None
    assert result.taken_at is None


def test_zero_zero_gps_is_treated_as_no_fix():
    result = process_image(upload(make_jpeg(lat=0.0, lon=0.0)))
    assert result.latitude is None and result.longitude is None


def test_datetime_original_is_aware_shanghai():
    result = process_image(upload(make_jpeg(taken="2024:05:06 07:08:09")))
    taken = result.taken_at
    assert taken is not None and taken.tzinfo is not None
    assert str(taken.tzinfo) == "Asia/Shanghai"
    assert taken.replace(tzinfo=None) == datetime(2024, 5, 6, 7, 8, 9)
    assert taken.utcoffset().total_seconds() == 8 * 3600


def test_datetime_original_with_offset_is_converted_to_shanghai():
    # Taken in Paris at 07:08:09 +02:00 == 13:08:09 in Shanghai.
    result = process_image(upload(make_jpeg(taken="2024:05:06 07:08:09", offset="+02:00")))
    assert result.taken_at.replace(tzinfo=None) == datetime(2024, 5, 6, 13, 8, 9)
    assert str(result.taken_at.tzinfo) == "Asia/Shanghai"


def test_garbage_datetime_is_ignored():
    result = process_image(upload(make_jpeg(taken="0000:00:00 00:00:00")))
    assert result.taken_at is None


def test_sha256_is_of_original_bytes_and_upload_is_rewound():
    import hashlib

    raw = make_jpeg()
    f = upload(raw)
    result = process_image(f)
    assert result.sha256 == hashlib.sha256(raw).hexdigest()
    assert result.source_format == "JPEG"
    assert f.read() == raw  # left at position 0 for the caller to save


# --------------------------------------------------------------------------- resizing


def test_large_image_resized_to_max_edge_and_thumbnail():
    im = Image.new("RGB", (4000, 3000), (10, 200, 90))
    ImageDraw.Draw(im).ellipse((500, 500, 3500, 2500), fill=(250, 250, 0))
    result = process_image(upload(encode(im, "JPEG", quality=80)))

    assert (result.width, result.height) == (2048, 1536)
    out = assert_clean_jpeg(result.content)
    assert out.size == (2048, 1536)

    thumb = assert_clean_jpeg(result.thumbnail)
    assert max(thumb.size) <= THUMB_EDGE
    assert thumb.size == (320, 240)


def test_small_image_is_not_upscaled():
    result = process_image(upload(make_jpeg(size=(640, 480))))
    assert (result.width, result.height) == (640, 480)


def test_custom_max_edge():
    result = process_image(upload(make_jpeg(size=(1000, 500))), max_edge=100)
    assert (result.width, result.height) == (100, 50)


# --------------------------------------------------------------------------- modes


def test_png_with_alpha_is_flattened_on_white():
    im = Image.new("RGBA", (200, 100), (0, 0, 0, 0))  # fully transparent black
    ImageDraw.Draw(im).rectangle((100, 0, 199, 99), fill=(200, 0, 0, 255))
    result = process_image(upload(encode(im, "PNG"), name="x.png", content_type="image/png"))

    assert result.source_format == "PNG"
    out = assert_clean_jpeg(result.content)
    assert out.size == (200, 100)
    assert all(c > 240 for c in out.getpixel((20, 50)))  # transparent -> white, not black
    r, g, b = out.getpixel((150, 50))
    assert r > 180 and g < 40 and b < 40


def test_palette_image_with_transparency():
    im = Image.new("P", (120, 80), 0)
    im.putpalette([0, 0, 0, 0, 200, 0] + [0] * (254 * 3))
    ImageDraw.Draw(im).rectangle((60, 0, 119, 79), fill=1)
    raw = encode(im, "PNG", transparency=0)
    assert Image.open(io.BytesIO(raw)).mode == "P"

    result = process_image(upload(raw, name="p.png"))
    out = assert_clean_jpeg(result.content)
    assert all(c > 240 for c in out.getpixel((10, 40)))
    r, g, b = out.getpixel((100, 40))
    assert g > 160 and r < 50 and b < 50


def test_palette_gif_without_transparency():
    im = Image.new("P", (50, 40), 1)
    im.putpalette([0, 0, 0, 10, 20, 230] + [0] * (254 * 3))
    result = process_image(upload(encode(im, "GIF"), name="a.gif"))
    assert result.source_format == "GIF"
    out = assert_clean_jpeg(result.content)
    r, g, b = out.getpixel((25, 20))
    assert b > 200 and r < 40


def test_16bit_greyscale_png_is_scaled_not_clipped():
    im = Image.new("I;16", (64, 64), 32768)  # mid grey in 16 bits
    result = process_image(upload(encode(im, "PNG"), name="g.png"))
    out = assert_clean_jpeg(result.content)
    r, g, b = out.getpixel((32, 32))
    assert 110 < r < 145 and abs(r - g) < 4 and abs(r - b) < 4


def test_cmyk_jpeg_converted_to_rgb():
    im = Image.new("CMYK", (80, 60), (0, 255, 255, 0))  # red in CMYK
    result = process_image(upload(encode(im, "JPEG")))
    out = assert_clean_jpeg(result.content)
    r, g, b = out.getpixel((40, 30))
    assert r > 200 and g < 60 and b < 60


def test_webp_accepted():
    raw = encode(Image.new("RGB", (90, 60), (0, 128, 0)), "WEBP")
    result = process_image(upload(raw, name="noext"))
    assert result.source_format == "WEBP"
    assert assert_clean_jpeg(result.content).size == (90, 60)


# --------------------------------------------------------------------------- rejections


def _code(excinfo) -> str:
    assert isinstance(excinfo.value, ValidationError)
    return excinfo.value.code


def test_text_file_named_photo_jpg_is_not_image():
    f = upload(b"this is definitely not a photo\n" * 20, name="photo.jpg", content_type="image/jpeg")
    with pytest.raises(EvidenceError) as excinfo:
        process_image(f)
    assert _code(excinfo) == "not_image"
    with translation.override("en"):
        assert "not an image" in excinfo.value.messages[0]


def test_empty_file():
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(b""))
    assert _code(excinfo) == "empty"


def test_truncated_jpeg_is_not_image():
    im = Image.effect_noise((400, 300), 80).convert("RGB")
    raw = encode(im, "JPEG", quality=90)
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw[: len(raw) // 2]))
    assert _code(excinfo) == "not_image"


def test_truncated_png_is_not_image():
    raw = encode(Image.effect_noise((200, 200), 80), "PNG")
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw[: len(raw) - 200], name="t.png"))
    assert _code(excinfo) == "not_image"


def test_disallowed_format_is_not_image():
    # Pillow can read PPM, but it is not an accepted evidence format.
    raw = encode(Image.new("RGB", (10, 10)), "PPM")
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw))
    assert _code(excinfo) == "not_image"


def test_12mb_file_too_large_without_reading_everything():
    reader = CountingReader(12 * 1024 * 1024, prefix=make_jpeg())
    with pytest.raises(EvidenceError) as excinfo:
        process_image(reader)
    assert _code(excinfo) == "too_large"
    assert reader.bytes_read <= 10 * 1024 * 1024 + 1
    with translation.override("en"):
        assert "10 MB" in excinfo.value.messages[0]


def test_2gb_stream_is_not_loaded():
    reader = CountingReader(2 * 1024**3)
    with pytest.raises(EvidenceError) as excinfo:
        process_image(reader)
    assert _code(excinfo) == "too_large"
    assert reader.bytes_read <= 10 * 1024 * 1024 + 1


def test_declared_size_rejected_before_reading():
    class Sized(CountingReader):
        size = 12 * 1024 * 1024

    reader = Sized(12 * 1024 * 1024)
    with pytest.raises(EvidenceError) as excinfo:
        process_image(reader)
    assert _code(excinfo) == "too_large"
    assert reader.bytes_read == 0


def test_exactly_at_limit_is_allowed():
    raw = make_jpeg()
    result = process_image(io.BytesIO(raw), max_bytes=len(raw))
    assert result.width == 400
    with pytest.raises(EvidenceError) as excinfo:
        process_image(io.BytesIO(raw), max_bytes=len(raw) - 1)
    assert _code(excinfo) == "too_large"


def test_decompression_bomb_over_pillow_limit():
    raw = make_png_bomb(20000, 20000)  # 400 Mpx, > 2x Pillow's default limit
    assert len(raw) < 200_000
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw, name="bomb.png"))
    assert _code(excinfo) == "bomb"


def test_decompression_bomb_over_our_stricter_limit():
    raw = make_png_bomb(8000, 8000)  # 64 Mpx: below Pillow's limit, above ours (50 Mpx)
    assert 8000 * 8000 < Image.MAX_IMAGE_PIXELS
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw, name="bomb.png"))
    assert _code(excinfo) == "bomb"


def test_bomb_png_generator_produces_a_real_png():
    raw = make_png_bomb(64, 32)
    im = reopen(raw)
    assert im.size == (64, 32)


# --------------------------------------------------------------------------- HEIC


def _heif_encoder_available() -> bool:
    if not evidence.HEIF_AVAILABLE:
        return False
    try:
        encode(Image.new("RGB", (16, 16)), "HEIF")
        return True
    except Exception:
        return False


@pytest.mark.skipif(not _heif_encoder_available(), reason="pillow-heif cannot encode HEIF here")
def test_real_heic_photo_is_accepted_and_converted_to_jpeg():
    im = Image.new("RGB", (640, 480), (220, 30, 30))
    exif = make_exif(lat=23.0215, lon=113.1214, taken="2024:01:02 03:04:05")
    raw = encode(im, "HEIF", quality=90, exif=exif.tobytes())
    assert raw[4:12] in (b"ftypheic", b"ftypmif1", b"ftypheix")

    result = process_image(upload(raw, name="IMG_0001.HEIC", content_type="image/heic"))

    assert result.source_format == "HEIF"
    assert (result.width, result.height) == (640, 480)
    out = assert_clean_jpeg(result.content)
    r, g, b = out.getpixel((320, 240))
    assert r > 180 and g < 80 and b < 80
    assert result.latitude == pytest.approx(23.0215, abs=1e-4)
    assert result.longitude == pytest.approx(113.1214, abs=1e-4)
    assert result.taken_at.replace(tzinfo=None) == datetime(2024, 1, 2, 3, 4, 5)


def test_heic_without_pillow_heif_gives_heic_unsupported(monkeypatch):
    # Simulate a server where pillow_heif failed to import.
    monkeypatch.setattr(evidence, "HEIF_AVAILABLE", False)
    raw = (
        struct.pack(">I", 24) + b"ftypheic" + b"\0\0\0\0" + b"mif1heic"
        + struct.pack(">I", 8) + b"meta" + b"\0" * 200
    )
    with pytest.raises(EvidenceError) as excinfo:
        process_image(upload(raw, name="IMG_0002.jpg"))
    assert _code(excinfo) == "heic_unsupported"
    with translation.override("en"):
        assert "Most Compatible" in excinfo.value.messages[0]


# --------------------------------------------------------------------------- videos


def test_mp4_header_accepted():
    import hashlib

    data = mp4_header()
    result = check_video(upload(data, name="clip.bin", content_type="application/octet-stream"))
    assert result.container == "mp4"
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("major", "compatible", "container"),
    [
        (b"mp42", (b"mp42", b"isom"), "mp4"),
        (b"qt  ", (b"qt  ",), "quicktime"),
        (b"3gp4", (b"3gp4", b"isom"), "3gp"),
        (b"M4V ", (b"M4V ", b"mp42"), "mp4"),
    ],
)
def test_iso_bmff_brands(major, compatible, container):
    assert check_video(io.BytesIO(mp4_header(major, compatible))).container == container


def test_webm_magic_accepted():
    data = b"\x1a\x45\xdf\xa3" + b"\x9f\x42\x86\x81\x01\x42\x82\x84webm" + b"\0" * 100
    assert check_video(upload(data, name="v.webm")).container == "webm"


def test_jpeg_is_not_video():
    with pytest.raises(EvidenceError) as excinfo:
        check_video(upload(make_jpeg(), name="clip.mp4", content_type="video/mp4"))
    assert _code(excinfo) == "not_video"


def test_heic_still_image_is_not_video():
    data = mp4_header(b"heic", (b"mif1", b"heic", b"isom"))
    with pytest.raises(EvidenceError) as excinfo:
        check_video(io.BytesIO(data))
    assert _code(excinfo) == "not_video"


def test_empty_video():
    with pytest.raises(EvidenceError) as excinfo:
        check_video(io.BytesIO(b""))
    assert _code(excinfo) == "empty"


def test_video_over_size_is_too_large_without_reading_everything():
    reader = CountingReader(60 * 1024 * 1024, prefix=mp4_header())
    with pytest.raises(EvidenceError) as excinfo:
        check_video(reader)
    assert _code(excinfo) == "too_large"
    assert reader.bytes_read <= 50 * 1024 * 1024 + 1
    with translation.override("en"):
        assert "50 MB" in excinfo.value.messages[0]


def test_video_custom_limit():
    data = mp4_header()
    with pytest.raises(EvidenceError) as excinfo:
        check_video(io.BytesIO(data), max_bytes=len(data) - 1)
    assert _code(excinfo) == "too_large"
    assert check_video(io.BytesIO(data), max_bytes=len(data)).container == "mp4"


# --------------------------------------------------------------------------- property


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(min_value=1, max_value=3000),
    height=st.integers(min_value=1, max_value=3000),
    color=st.tuples(*[st.integers(0, 255)] * 3),
    fmt=st.sampled_from(["PNG", "JPEG"]),
)
def test_any_rgb_image_gives_bounded_jpeg_with_same_aspect(width, height, color, fmt):
    im = Image.new("RGB", (width, height), color)
    ImageDraw.Draw(im).rectangle((0, 0, width // 2, height // 2), fill=(255 - color[0], 0, color[2]))
    result = process_image(io.BytesIO(encode(im, fmt)))

    out = reopen(result.content)
    assert out.format == "JPEG"
    assert out.size == (result.width, result.height)
    assert max(out.size) <= MAX_EDGE
    longest = max(width, height)
    if longest <= MAX_EDGE:
        assert out.size == (width, height)
    else:
        scale = MAX_EDGE / longest
        assert max(out.size) == MAX_EDGE
        assert abs(out.width - width * scale) <= 1
        assert abs(out.height - height * scale) <= 1
    thumb = reopen(result.thumbnail)
    assert thumb.format == "JPEG"
    assert max(thumb.size) <= THUMB_EDGE
    assert min(thumb.size) >= 1
