"""Validation and normalisation of photo / video evidence uploaded by grid workers.

Pure module: no models, no settings. Limits are keyword arguments with
defaults, so callers (forms, services, management commands) can override them.

Everything is decided from the *content* of the upload -- never from the file
name or the client-supplied content type.

* ``process_image`` decodes the photo with Pillow (HEIC/HEIF through
  pillow-heif when installed), reads GPS / capture time from EXIF, applies the
  EXIF orientation, then re-encodes a clean JPEG (no EXIF, GPS, XMP, ICC or
  comments) plus a thumbnail.
* ``check_video`` only sniffs the container magic bytes and hashes the file; it
  never decodes video.

Memory is bounded: an upload is read at most ``max_bytes + 1`` bytes, so a
2 GB upload is rejected after reading just over the limit.
"""

from __future__ import annotations

import hashlib
import io
import math
import struct
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from PIL import ExifTags, Image, ImageCms, ImageOps, UnidentifiedImageError

try:  # pragma: no cover - depends on the environment
    import pillow_heif

    pillow_heif.register_heif_opener()
    HEIF_AVAILABLE = True
except Exception:  # ImportError, or a broken libheif build
    pillow_heif = None
    HEIF_AVAILABLE = False

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_VIDEO_BYTES",
    "MAX_EDGE",
    "THUMB_EDGE",
    "MAX_SOURCE_PIXELS",
    "HEIF_AVAILABLE",
    "EvidenceError",
    "ProcessedImage",
    "CheckedVideo",
    "process_image",
    "check_video",
    "sniff_kind",
]

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_VIDEO_BYTES = 50 * 1024 * 1024
MAX_EDGE = 2048
THUMB_EDGE = 320
MAX_SOURCE_PIXELS = 50_000_000  # decompression-bomb guard (stricter than Pillow's default)

JPEG_QUALITY = 85
THUMB_QUALITY = 80

# Formats we are willing to hand to a decoder. Restricting Image.open() keeps
# exotic / dangerous plugins (EPS -> Ghostscript, PSD, ICNS, ...) out of reach.
ALLOWED_IMAGE_FORMATS = (
    "JPEG",
    "MPO",  # multi-picture JPEG written by many phones
    "PNG",
    "WEBP",
    "GIF",
    "BMP",
    "TIFF",
    "HEIF",  # registered by pillow_heif
    "AVIF",
)

# ISO BMFF major brands that identify HEIF/HEIC still images.
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"})

# ISO BMFF brands -> container name for check_video().
_MP4_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6",
        b"mp41", b"mp42", b"mp71", b"avc1", b"M4V ", b"M4VH", b"M4VP",
        b"dash", b"MSNV", b"XAVC",
    }
)
_3GP_BRANDS = frozenset(
    {b"3gp4", b"3gp5", b"3gp6", b"3gp7", b"3gg6", b"3g2a", b"3g2b", b"3g2c"}
)
_QT_BRANDS = frozenset({b"qt  "})
# Still-image brands: an ftyp box with one of these as major brand is a photo,
# not a video, whatever its compatible brands say.
_IMAGE_BMFF_BRANDS = _HEIC_BRANDS | {b"avif", b"avis", b"miaf", b"MiHB", b"MiHE", b"jpeg"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"

_READ_CHUNK = 1024 * 1024
_HEADER_BYTES = 64

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_SUBSEC_TIME_ORIGINAL = 0x9291


def _shanghai() -> tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Asia/Shanghai")
    except Exception:  # pragma: no cover - no tz database installed
        # China has had no DST since 1991, so a fixed offset is exact for photos.
        return timezone(timedelta(hours=8), "Asia/Shanghai")


SHANGHAI = _shanghai()


# --------------------------------------------------------------------------- errors

_MESSAGES = {
    "too_large": _("The file is too large. The maximum size is %(limit)s MB."),
    "empty": _("The file is empty."),
    "not_image": _("The file is not an image (we check the content, not the name)."),
    "bomb": _("The image has too many pixels to process safely (the maximum is %(limit)s megapixels)."),
    "heic_unsupported": _(
        "HEIC photos are not supported on this server. In your phone's camera "
        "settings choose \"Most Compatible\" (JPEG), or upload a screenshot."
    ),
    "not_video": _("The file is not a supported video (MP4, MOV, WebM or 3GP)."),
}


class EvidenceError(ValidationError):
    """A ValidationError with a stable ``code`` and a translatable message.

    Subclasses ValidationError, so raising it inside a form's ``clean_<field>``
    attaches the (translated) message to that field.
    """

    @classmethod
    def for_code(cls, code: str, **params) -> EvidenceError:
        return cls(_MESSAGES[code], code=code, params=params or None)


def _mb(num_bytes: int) -> str:
    mb = num_bytes / (1024 * 1024)
    return str(int(mb)) if mb == int(mb) else f"{mb:.1f}"


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ProcessedImage:
    content: bytes
    thumbnail: bytes
    width: int
    height: int
    sha256: str
    source_format: str
    latitude: float | None
    longitude: float | None
    taken_at: datetime | None


@dataclass(frozen=True)
class CheckedVideo:
    sha256: str
    size: int
    container: str  # "mp4" | "quicktime" | "webm" | "3gp"


# --------------------------------------------------------------------------- reading


def _rewind(upload) -> None:
    seek = getattr(upload, "seek", None)
    if seek is None:
        return
    try:
        seek(0)
    except Exception:  # non-seekable stream: read from where it is
        pass


def _declared_size(upload) -> int | None:
    size = getattr(upload, "size", None)
    if isinstance(size, int) and not isinstance(size, bool) and size >= 0:
        return size
    return None


def _iter_bounded(upload, max_bytes: int):
    """Yield chunks of *upload*; raise too_large once more than max_bytes were seen.

    Never requests more than ``max_bytes + 1`` bytes in total.
    """
    declared = _declared_size(upload)
    if declared is not None and declared > max_bytes:
        raise EvidenceError.for_code("too_large", limit=_mb(max_bytes))
    _rewind(upload)
    remaining = max_bytes + 1
    while remaining > 0:
        chunk = upload.read(min(_READ_CHUNK, remaining))
        if not chunk:
            return
        if not isinstance(chunk, (bytes, bytearray, memoryview)):
            raise TypeError("upload must be opened in binary mode")
        remaining -= len(chunk)
        if remaining <= 0:
            raise EvidenceError.for_code("too_large", limit=_mb(max_bytes))
        yield bytes(chunk)


def _read_bounded(upload, max_bytes: int) -> bytes:
    data = b"".join(_iter_bounded(upload, max_bytes))
    _rewind(upload)  # leave the upload ready to be saved by the caller
    if not data:
        raise EvidenceError.for_code("empty")
    return data


def _bmff_brands(header: bytes) -> tuple[bytes, list[bytes]] | None:
    """Major and compatible brands of an ISO BMFF 'ftyp' box at offset 0."""
    if len(header) < 12 or header[4:8] != b"ftyp":
        return None
    box_size = struct.unpack(">I", header[:4])[0]
    if box_size < 16:  # size, 'ftyp', major brand, minor version at minimum
        return None
    major = header[8:12]
    end = min(box_size, len(header))
    compatible = [header[i : i + 4] for i in range(16, end - 3, 4)]
    return major, compatible


def _looks_like_heic(data: bytes) -> bool:
    brands = _bmff_brands(data[:_HEADER_BYTES])
    if brands is None:
        return False
    major, compatible = brands
    return major in _HEIC_BRANDS or (major == b"miaf" and any(b in _HEIC_BRANDS for b in compatible))


# --------------------------------------------------------------------------- EXIF


def _ratio(value) -> float:
    if isinstance(value, tuple) and len(value) == 2:  # (num, den) from old-style readers
        num, den = value
        return float(num) / float(den)
    return float(value)


def _dms_to_degrees(dms, ref) -> float | None:
    try:
        if isinstance(dms, (int, float)) or not hasattr(dms, "__len__"):
            parts = [_ratio(dms)]
        else:
            parts = [_ratio(p) for p in dms]
        if not parts or len(parts) > 3:
            return None
        degrees = 0.0
        for part, divisor in zip(parts, (1.0, 60.0, 3600.0)):
            degrees += part / divisor
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not math.isfinite(degrees) or degrees < 0:
        return None
    if isinstance(ref, bytes):
        ref = ref.decode("ascii", "ignore")
    ref = (ref or "").strip("\x00 ").upper()[:1]
    if ref in ("S", "W"):
        degrees = -degrees
    return degrees


def _read_gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    try:
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:
        return None, None
    if not gps:
        return None, None
    lat = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLatitude), gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLongitude), gps.get(ExifTags.GPS.GPSLongitudeRef))
    if lat is None or lon is None or not (-90 <= lat <= 90) or not (-180 <= lon <= 180):
        return None, None
    if lat == 0 and lon == 0:  # "no fix" written as zeros by some phones
        return None, None
    return round(lat, 7), round(lon, 7)


def _text(value) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "ignore")
    return str(value or "").strip("\x00 ")


def _read_taken_at(exif: Image.Exif) -> datetime | None:
    try:
        exif_ifd = exif.get_ifd(_EXIF_IFD)
    except Exception:
        return None
    raw = _text(exif_ifd.get(_TAG_DATETIME_ORIGINAL))
    if not raw:
        return None
    try:
        taken = datetime.strptime(raw[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:  # "0000:00:00 00:00:00", blanks, garbage
        return None
    subsec = _text(exif_ifd.get(_TAG_SUBSEC_TIME_ORIGINAL))
    if subsec.isdigit():
        taken = taken.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    offset = _text(exif_ifd.get(_TAG_OFFSET_TIME_ORIGINAL))
    tz: tzinfo = SHANGHAI
    if len(offset) == 6 and offset[0] in "+-" and offset[3] == ":":
        try:
            hours, minutes = int(offset[1:3]), int(offset[4:6])
            delta = timedelta(hours=hours, minutes=minutes)
            tz = timezone(delta if offset[0] == "+" else -delta)
        except ValueError:
            tz = SHANGHAI
    return taken.replace(tzinfo=tz).astimezone(SHANGHAI)


# --------------------------------------------------------------------------- pixels


def _to_srgb(im: Image.Image) -> Image.Image:
    """Convert an embedded ICC colour space (e.g. Display P3) to sRGB, best effort."""
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        dst = ImageCms.createProfile("sRGB")
        out_mode = "RGBA" if im.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(im, src, dst, outputMode=out_mode)
        return converted if converted is not None else im
    except Exception:  # broken / unsupported profile: keep the pixels as they are
        return im


def _flatten(im: Image.Image, background=(255, 255, 255)) -> Image.Image:
    base = Image.new("RGB", im.size, background)
    base.paste(im, mask=im.getchannel("A"))
    return base


def _to_rgb(im: Image.Image) -> Image.Image:
    """Return an RGB image suitable for JPEG, compositing alpha on white."""
    mode = im.mode
    if mode == "RGB":
        return im
    if mode in ("RGBA", "RGBa", "LA", "La", "PA"):
        return _flatten(im.convert("RGBA"))
    if mode == "P":
        if "transparency" in im.info:
            return _flatten(im.convert("RGBA"))
        return im.convert("RGB")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit / 32-bit greyscale: plain convert() clips everything >255 to white.
        if mode != "F":
            im = im.convert("I")
        _lo, hi = im.getextrema()
        if hi > 255:
            scale = 1 / 257 if hi <= 65535 else 255 / hi
            im = im.point(lambda v: v * scale)
        return im.convert("L").convert("RGB")
    return im.convert("RGB")  # 1, L, CMYK, YCbCr, LAB, HSV, ...


def _clean_copy(im: Image.Image) -> Image.Image:
    """A fresh RGB image with the same pixels and *no* metadata at all."""
    clean = Image.new("RGB", im.size)
    clean.paste(im)
    return clean


def _encode_jpeg(im: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    im.save(buf, format="JPEG", quality=quality, optimize=True)
    return buf.getvalue()


# --------------------------------------------------------------------------- public API


def process_image(
    upload,
    *,
    max_bytes: int = MAX_IMAGE_BYTES,
    max_edge: int = MAX_EDGE,
    thumb_edge: int = THUMB_EDGE,
    max_pixels: int = MAX_SOURCE_PIXELS,
) -> ProcessedImage:
    """Validate an uploaded photo and return a clean, resized JPEG + thumbnail.

    Raises EvidenceError with code too_large / empty / not_image / bomb /
    heic_unsupported.
    """
    data = _read_bounded(upload, max_bytes)
    sha256 = hashlib.sha256(data).hexdigest()

    if not HEIF_AVAILABLE and _looks_like_heic(data):
        raise EvidenceError.for_code("heic_unsupported")

    formats = [f for f in ALLOWED_IMAGE_FORMATS if f in Image.OPEN or _plugin_known(f)]
    pixel_limit = max_pixels
    if Image.MAX_IMAGE_PIXELS:
        # Anything Pillow would merely *warn* about is rejected here as well.
        pixel_limit = min(pixel_limit, Image.MAX_IMAGE_PIXELS)

    def bomb() -> EvidenceError:
        return EvidenceError.for_code("bomb", limit=f"{pixel_limit / 1e6:.0f}")

    def open_checked() -> Image.Image:
        im = Image.open(io.BytesIO(data), formats=formats)
        width, height = im.size
        if width <= 0 or height <= 0:
            raise UnidentifiedImageError("zero-sized image")
        if width * height > pixel_limit:
            raise bomb()
        return im

    try:
        # Pass 1: structural check (CRCs, chunk layout) without decoding pixels.
        with open_checked() as probe:
            probe.verify()

        # Pass 2: verify() leaves the image unusable, so open again and decode.
        im = open_checked()
        source_format = im.format or "UNKNOWN"
        exif = im.getexif()
        latitude, longitude = _read_gps(exif)
        taken_at = _read_taken_at(exif)

        if source_format in ("JPEG", "MPO"):
            # Let libjpeg decode at 1/2, 1/4 or 1/8 scale when the photo is
            # much bigger than what we keep; still decodes the whole stream.
            im.draft(im.mode, (max_edge, max_edge))
        im.load()

        im = ImageOps.exif_transpose(im)
        im = _to_srgb(im)
        im = _to_rgb(im)
        im.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
        im = _clean_copy(im)

        thumb = im.copy()
        thumb.thumbnail((thumb_edge, thumb_edge), Image.Resampling.LANCZOS)

        content = _encode_jpeg(im, JPEG_QUALITY)
        thumbnail = _encode_jpeg(thumb, THUMB_QUALITY)
    except EvidenceError:
        raise
    except (Image.DecompressionBombError, MemoryError) as exc:
        raise bomb() from exc
    except Exception as exc:  # UnidentifiedImageError, truncated data, decoder errors...
        raise EvidenceError.for_code("not_image") from exc

    return ProcessedImage(
        content=content,
        thumbnail=thumbnail,
        width=im.width,
        height=im.height,
        sha256=sha256,
        source_format=source_format,
        latitude=latitude,
        longitude=longitude,
        taken_at=taken_at,
    )


def _plugin_known(fmt: str) -> bool:
    """True if *fmt* is registered after loading all Pillow plugins."""
    if fmt not in Image.OPEN:
        Image.init()
    return fmt in Image.OPEN


def check_video(upload, *, max_bytes: int = MAX_VIDEO_BYTES) -> CheckedVideo:
    """Sniff the container of an uploaded video and hash it. Never decodes.

    Raises EvidenceError with code too_large / empty / not_video.
    """
    digest = hashlib.sha256()
    header = b""
    size = 0
    for chunk in _iter_bounded(upload, max_bytes):
        if len(header) < _HEADER_BYTES:
            header += chunk[: _HEADER_BYTES - len(header)]
        digest.update(chunk)
        size += len(chunk)
    _rewind(upload)
    if size == 0:
        raise EvidenceError.for_code("empty")
    container = _container(header)
    if container is None:
        raise EvidenceError.for_code("not_video")
    return CheckedVideo(sha256=digest.hexdigest(), size=size, container=container)


def _container(header: bytes) -> str | None:
    if header[:4] == _EBML_MAGIC:
        return "webm"  # WebM or Matroska (same EBML magic)
    brands = _bmff_brands(header)
    if brands is None:
        return None
    major, compatible = brands
    if major in _IMAGE_BMFF_BRANDS:
        return None
    for brand in [major, *compatible]:
        if brand in _QT_BRANDS:
            return "quicktime"
        if brand in _3GP_BRANDS:
            return "3gp"
        if brand in _MP4_BRANDS:
            return "mp4"
    return None


def sniff_kind(upload) -> str:
    """"video" if the upload's first bytes are a video container, else "photo".

    Decided from content only, so one picker can take both; the full check is
    then ``check_video`` or ``process_image``.
    """
    _rewind(upload)
    header = upload.read(_HEADER_BYTES) or b""
    _rewind(upload)
    return "video" if _container(bytes(header)) else "photo"
