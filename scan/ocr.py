"""The OCR pipeline: Pillow preprocessing + tesseract (pytesseract), layout-aware field extraction.

Pure module (no models): ``recognise(image, kind)`` returns a ``Recognition`` with one
``Field`` per value, each with its own confidence. Kinds:

* ``id_card``  — resident ID card, front (姓名, 性别, 民族, 出生, 住址, 公民身份号码);
* ``licence``  — business licence (名称, 统一社会信用代码, 类型, 法定代表人, 注册资本,
  成立日期, 营业期限, 住所, 经营范围);
* ``document`` — any document or form photo, as plain text.

Pipeline (see ../shared/reference/performance-notes.md for the measurements behind it):
EXIF orientation (done by ``cases.evidence.process_image`` when the upload is stored)
→ grayscale (the red channel for licences: it drops the red seal) → deskew by projection
profile → crop to the card → scale so that text is ~30 px high → autocontrast → one
``--psm 6`` pass of ``chi_sim+eng`` over the text area only (not the portrait) → labels
located in the word boxes → the 18-character number's band cropped and re-read with
``--psm 7 -l eng`` and a character whitelist → check character verified, OCR confusions
repaired only when exactly one repair passes (``scan.numbers``).

Tesseract runs single-threaded (``OMP_THREAD_LIMIT=1``, set below for every call):
OpenMP threads cost 2–4x the CPU for the same text; parallelism comes from worker processes.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from functools import lru_cache

from PIL import Image, ImageFilter, ImageOps

from . import numbers, parsing

os.environ.setdefault("OMP_THREAD_LIMIT", "1")

LANG = "chi_sim+eng"
LOW_CONFIDENCE = 0.75  # fields below are highlighted on the confirmation screen
OCR_TIMEOUT = 60  # seconds per tesseract call: a pathological image must not hold a worker

KINDS = ("id_card", "licence", "document")


class ScanError(Exception):
    """A failure the user should read (no card, unreadable image, OCR missing)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- availability


@lru_cache(maxsize=1)
def _status() -> tuple[bool, str]:
    try:
        import pytesseract
    except ImportError:
        return False, "pytesseract is not installed"
    if not shutil.which(getattr(pytesseract.pytesseract, "tesseract_cmd", "tesseract")):
        return False, "the tesseract program is not installed (Debian package tesseract-ocr)"
    try:
        langs = set(pytesseract.get_languages(config=""))
    except Exception as exc:  # broken install
        return False, f"tesseract does not run: {exc}"
    missing = [lang for lang in LANG.split("+") if lang not in langs]
    if missing:
        return False, "tesseract has no language data for %s (Debian package tesseract-ocr-chi-sim)" % ", ".join(missing)
    return True, ""


def availability() -> tuple[bool, str]:
    """(True, "") when tesseract with chi_sim+eng can run here; else (False, why)."""
    return _status()


def forget_availability() -> None:
    _status.cache_clear()


# --------------------------------------------------------------------------- results


@dataclass
class Field:
    value: str
    confidence: float  # 0..1
    valid: bool | None = None  # numbers: the check character passed
    corrected: bool = False  # numbers: OCR confusions were repaired

    @property
    def low(self) -> bool:
        return self.confidence < LOW_CONFIDENCE or self.valid is False


@dataclass
class Recognition:
    kind: str
    fields: dict[str, Field] = field(default_factory=dict)
    text: str = ""
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "fields": {k: asdict(v) for k, v in self.fields.items()},
            "text": self.text,
            "warnings": self.warnings,
        }


# --------------------------------------------------------------------------- image helpers


def _otsu(gray: Image.Image) -> int:
    hist = gray.histogram()[:256]
    total = sum(hist)
    sum_all = sum(i * h for i, h in enumerate(hist))
    w_b = sum_b = 0
    best, best_t = -1.0, 128
    for t, h in enumerate(hist):
        w_b += h
        if w_b == 0:
            continue
        w_f = total - w_b
        if w_f == 0:
            break
        sum_b += t * h
        m_b, m_f = sum_b / w_b, (sum_all - sum_b) / w_f
        between = w_b * w_f * (m_b - m_f) ** 2
        if between > best:
            best, best_t = between, t
    return best_t


def _row_variance(binary: Image.Image) -> float:
    """Variance of the ink per row: peaks when the text lines are horizontal."""
    rows = list(binary.resize((1, binary.height), Image.Resampling.BOX).tobytes())
    mean = sum(rows) / len(rows)
    return sum((r - mean) ** 2 for r in rows) / len(rows)


def deskew_angle(gray: Image.Image, *, max_angle: float = 8.0) -> float:
    """Skew in degrees (rotate by it to straighten), by projection profile on a small copy."""
    small = gray.copy()
    small.thumbnail((700, 700))
    t = _otsu(small)
    ink = small.point(lambda v: 255 if v < t else 0)  # text (and dark table) = 255

    def score(a: float) -> float:
        return _row_variance(ink.rotate(a, resample=Image.Resampling.NEAREST, fillcolor=0))

    best = max((a / 2 for a in range(int(-max_angle * 2), int(max_angle * 2) + 1)), key=score)
    fine = max((best + d / 10 for d in range(-4, 5)), key=score)
    return round(fine, 1)


def card_box(gray: Image.Image) -> tuple[int, int, int, int] | None:
    """The bright document on a darker background, or None when the photo is all document."""
    small = gray.copy()
    small.thumbnail((400, 400))
    fx, fy = gray.width / small.width, gray.height / small.height
    t = _otsu(small)
    bright = small.point(lambda v: 255 if v > t else 0).filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5))
    box = bright.getbbox()
    if not box:
        return None
    x0, y0, x1, y1 = box
    if (x1 - x0) * (y1 - y0) < 0.25 * small.width * small.height:
        return None  # no dominant bright document: keep the whole frame
    return int(x0 * fx), int(y0 * fy), int(x1 * fx), int(y1 * fy)


def prepare(im: Image.Image, *, kind: str) -> Image.Image:
    """Grayscale, straightened, cropped to the document, scaled for ~30 px text, full contrast."""
    im = ImageOps.exif_transpose(im)
    if im.mode not in ("RGB", "L"):
        im = im.convert("RGB")
    if im.mode == "RGB":
        gray = im.getchannel("R") if kind == "licence" else im.convert("L")
    else:
        gray = im
    # Work at a bounded size: a 12 MP photo has far more pixels than tesseract needs.
    target = {"id_card": 1150, "licence": 1700, "document": 1800}[kind]
    if gray.width > target * 1.6:
        gray = gray.resize((int(target * 1.4), int(gray.height * target * 1.4 / gray.width)), Image.Resampling.BILINEAR)
    # Skew is measured inside the document (the table around it would dominate the profile).
    box = card_box(gray) or (0, 0, gray.width, gray.height)
    x0, y0, x1, y1 = box
    mx, my = (x1 - x0) // 12, (y1 - y0) // 12
    angle = deskew_angle(gray.crop((x0 + mx, y0 + my, x1 - mx, y1 - my)))
    if abs(angle) >= 0.3:
        gray = gray.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=0)
        box = card_box(gray)
    if box:
        gray = gray.crop(box)
    if gray.width != target:
        gray = gray.resize((target, max(1, round(gray.height * target / gray.width))), Image.Resampling.LANCZOS)
    return ImageOps.autocontrast(gray, cutoff=1)


# --------------------------------------------------------------------------- tesseract


@dataclass
class Word:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int

    @property
    def right(self) -> int:
        return self.left + self.width

    @property
    def bottom(self) -> int:
        return self.top + self.height


@dataclass
class Line:
    words: list[Word]

    @property
    def text(self) -> str:
        return _join(w.text for w in self.words)

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.bottom for w in self.words)

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)


def _join(parts) -> str:
    """Join OCR words: no space between CJK characters, one between Latin words."""
    out = ""
    for p in parts:
        if out and re.match(r"[A-Za-z0-9]", out[-1]) and re.match(r"[A-Za-z0-9]", p[:1]):
            out += " "
        out += p
    return out


_QUOTES = re.compile(r"[“”‘’\"'`„«»]")


def ocr_lines(im: Image.Image, *, psm: int = 6, lang: str = LANG) -> list[Line]:
    import pytesseract

    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = pytesseract.image_to_data(
        im, lang=lang, config=f"--psm {psm}", output_type=pytesseract.Output.DICT, timeout=OCR_TIMEOUT
    )
    lines: dict[tuple, list[Word]] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        conf = float(data["conf"][i])
        if not text or conf < 0:
            continue
        if conf < 60 and _QUOTES.search(text):
            # A misread gap between label and value (”, “, 和 …): tesseract's own doubt says so.
            continue
        text = _QUOTES.sub("", text)
        if not text:
            continue
        key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
        lines.setdefault(key, []).append(
            Word(text, conf / 100, data["left"][i], data["top"][i], data["width"][i], data["height"][i])
        )
    out = [Line(sorted(ws, key=lambda w: w.left)) for _, ws in sorted(lines.items())]
    return sorted(out, key=lambda l: (l.top, l.left))


def ocr_line_whitelist(im: Image.Image, whitelist: str) -> tuple[str, float]:
    """Read one line with a character whitelist (eng model): the numbers' band."""
    import pytesseract

    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = pytesseract.image_to_data(
        im, lang="eng", config=f"--psm 7 -c tessedit_char_whitelist={whitelist}",
        output_type=pytesseract.Output.DICT, timeout=OCR_TIMEOUT,
    )
    words = [(t.strip(), float(c)) for t, c in zip(data["text"], data["conf"]) if t and t.strip() and float(c) >= 0]
    if not words:
        return "", 0.0
    return "".join(t for t, _ in words), sum(c for _, c in words) / len(words) / 100


# --------------------------------------------------------------------------- label matching


def _label_pattern(label: str) -> re.Pattern:
    # The characters of a label in order, anything non-CJK (spaces, stray marks) allowed between.
    return re.compile(r"[^\u4e00-\u9fff]{0,3}".join(map(re.escape, label)))


def _find_label(line: Line, labels: list[str]) -> tuple[int, int] | None:
    """Character span of the first of `labels` found in line.text (exact in-order match)."""
    text = line.text
    for label in labels:
        m = _label_pattern(label).search(text)
        if m:
            return m.start(), m.end()
    return None


def _words_after_char(line: Line, char_index: int) -> list[Word]:
    """The words whose text starts at or after character `char_index` of line.text."""
    out, pos = [], 0
    text = line.text
    for w in line.words:
        idx = text.find(w.text, pos)
        if idx < 0:
            idx = pos
        pos = idx + len(w.text)
        if idx >= char_index:
            out.append(w)
        elif pos > char_index:  # a word that glues the label to the value
            cut = char_index - idx
            out.append(Word(w.text[cut:], w.conf, w.left, w.top, w.width, w.height))
    return out


def _conf(words: list[Word]) -> float:
    words = [w for w in words if w.text]
    if not words:
        return 0.0
    total = sum(len(w.text) for w in words)
    return round(sum(w.conf * len(w.text) for w in words) / total, 3)


def _clean_value(text: str) -> str:
    return text.strip(" :：;；,，.|_-—'\"“”‘’")


# --------------------------------------------------------------------------- ID card


ID_LABELS = {
    "name": ["姓名"],
    "sex": ["性别"],
    "nation": ["民族"],
    "birth": ["出生"],
    "address": ["住址"],
    "id_number": ["公民身份号码", "身份号码", "公民身份"],
}


def _number_field(raw: str, conf: float, kind: str) -> Field | None:
    rep = numbers.best_number(raw, kind)
    if rep is None:
        return None
    # A passing check character is strong evidence (it catches every single-character error).
    confidence = max(conf, 0.95) if rep.valid else min(conf, 0.3)
    if rep.corrected:
        confidence = 0.7  # repaired: a person should glance at it
    return Field(rep.value, round(confidence, 3), valid=rep.valid, corrected=rep.corrected)


def _read_number_band(img: Image.Image, top: int, bottom: int, left: int, kind: str) -> Field | None:
    pad = max(4, (bottom - top) // 2)
    band = img.crop((max(0, left), max(0, top - pad), img.width, min(img.height, bottom + pad)))
    whitelist = "0123456789X" if kind == "id_number" else numbers.USCC_ALPHABET
    text, conf = ocr_line_whitelist(band, whitelist)
    return _number_field(text, conf, kind)


def recognise_id_card(img: Image.Image) -> Recognition:
    rec = Recognition("id_card")
    W, H = img.size
    text_area = img.crop((0, 0, int(W * 0.66), H))  # the portrait (right third) only costs time
    lines = ocr_lines(text_area.filter(ImageFilter.MedianFilter(3)), psm=6, lang="chi_sim")
    rec.text = "\n".join(l.text for l in lines)
    found: dict[str, tuple[Line, int]] = {}
    for li, line in enumerate(lines):
        for key, labels in ID_LABELS.items():
            if key in found:
                continue
            span = _find_label(line, labels)
            if span:
                found[key] = (li, span[1])
    labelled = [k for k in found if k != "id_number"]
    # The number: its band, cropped to the right of the label (or the card's bottom band).
    number = None
    if "id_number" in found:
        line = lines[found["id_number"][0]]
        label_words = [w for w in line.words if re.search(r"[\u4e00-\u9fff]", w.text)]
        left = max((w.right for w in label_words), default=int(W * 0.28))
        number = _read_number_band(img, line.top, line.bottom, left + 4, "id_number")
    if number is None or not number.valid:
        guess = _read_number_band(img, int(H * 0.78), int(H * 0.9), int(W * 0.3), "id_number")
        if guess and (number is None or guess.valid):
            number = guess
    if number is None or not number.valid:
        whole = _number_field(rec.text, 0.5, "id_number")
        if whole and (number is None or whole.valid):
            number = whole
    if not labelled and (number is None or not number.valid):
        raise ScanError("no_card", "no_card")
    # Single-line fields: the value is what follows the label on its line.
    for key in ("name", "sex", "nation"):
        if key not in found:
            continue
        li, end = found[key]
        words = _words_after_char(lines[li], end)
        if key == "sex":
            # "性别 男 民族 汉" is one line: the sex is the first CJK character after the label.
            value_text = _join(w.text for w in words)
            m = re.search(r"[男女]", value_text)
            rec.fields["sex"] = Field(m.group(0) if m else "", _conf(words[:1]) if m else 0.0)
            continue
        if key == "nation":
            value_text = _clean_value(_join(w.text for w in words))
            m = re.match(r"[\u4e00-\u9fff]{1,4}", value_text)
            rec.fields["nation"] = Field(m.group(0) if m else value_text, _conf(words))
            continue
        # name: stop at the next label if tesseract glued one on
        value_text = _clean_value(_join(w.text for w in words))
        value_text = re.sub(r"[^\u4e00-\u9fff·]", "", value_text)
        rec.fields["name"] = Field(value_text, _conf(words))
    if "birth" in found:
        li, end = found["birth"]
        words = _words_after_char(lines[li], end)
        raw = _join(w.text for w in words)
        m = re.search(r"(\d{4})\D{0,3}?(\d{1,2})\D{0,3}?(\d{1,2})", raw)
        value, conf = "", 0.0
        if m:
            y, mo, d = (int(g) for g in m.groups())
            value, conf = f"{y:04d}-{mo:02d}-{d:02d}", _conf(words)
        rec.fields["birth"] = Field(value, conf)
    if "address" in found:
        li, end = found["address"]
        words = _words_after_char(lines[li], end)
        x_value = min((w.left for w in words), default=0)
        stop = found.get("id_number", (len(lines), 0))[0]
        for nxt in lines[li + 1 : stop]:
            if any(_find_label(nxt, labels) for labels in ID_LABELS.values()):
                break
            cont = [w for w in nxt.words if w.right > x_value - 10]
            if not cont:
                break
            words += cont
        value = re.sub(r"\s+", "", _clean_value(_join(w.text for w in words)))
        rec.fields["address"] = Field(value, _conf(words))
    if number is not None:
        rec.fields["id_number"] = number
        # The number encodes birth date and sex: use it to confirm or fill them.
        if number.valid:
            n = number.value
            birth = f"{n[6:10]}-{n[10:12]}-{n[12:14]}"
            sex = "男" if int(n[16]) % 2 else "女"
            _agree(rec, "birth", birth, number.confidence)
            _agree(rec, "sex", sex, number.confidence)
    for key in ID_LABELS:
        if key not in rec.fields:
            rec.fields[key] = Field("", 0.0)
            rec.warnings.append(f"missing:{key}")
    return rec


def _agree(rec: Recognition, key: str, derived: str, conf: float) -> None:
    """A value the checked number also states: agreement raises confidence, disagreement lowers it."""
    current = rec.fields.get(key)
    if current is None or not current.value:
        rec.fields[key] = Field(derived, round(min(conf, 0.9), 3))
    elif current.value == derived:
        current.confidence = max(current.confidence, conf)
    else:
        rec.fields[key] = Field(derived, 0.5)  # the check character beats the text; a person decides
        rec.warnings.append(f"disagree:{key}")


# --------------------------------------------------------------------------- business licence


LICENCE_LABELS = {
    "credit_code": ["统一社会信用代码", "社会信用代码", "信用代码"],
    "name": ["名称"],
    "type": ["类型"],
    "legal_rep": ["法定代表人", "代表人", "经营者", "负责人"],
    "capital": ["注册资本", "注册资金", "出资额"],
    "founded": ["成立日期", "注册日期"],
    "term": ["营业期限", "经营期限"],
    "address": ["住所", "经营场所", "主要经营场所"],
    "scope": ["经营范围"],
}
MULTILINE = {"address", "scope", "name"}


# Characters chi_sim reads for the financial numerals of an amount (壹贰叁…仟); none of them can
# appear in an amount, so the replacement is applied only when the amount then parses.
_NUMERAL_LOOKALIKES = str.maketrans({"什": "仟", "任": "仟", "仔": "仟", "伯": "佰", "估": "佰", "过": "壹", "壶": "壹",
                                     "武": "贰", "弍": "贰", "参": "叁", "叄": "叁", "伶": "零"})


def recognise_licence(img: Image.Image) -> Recognition:
    rec = Recognition("licence")
    # chi_sim alone reads the Chinese values better than chi_sim+eng and ~40 % faster; the
    # credit code is re-read below with its own alphabet. The median filter removes speckle.
    lines = ocr_lines(img.filter(ImageFilter.MedianFilter(3)), psm=6, lang="chi_sim")
    rec.text = "\n".join(l.text for l in lines)
    # Every label occurrence: (line index, char start, char end, key, x of the label's first word)
    hits: list[tuple[int, int, int, str]] = []
    for li, line in enumerate(lines):
        text = line.text
        for key, labels in LICENCE_LABELS.items():
            for label in labels:
                m = _label_pattern(label).search(text)
                if m:
                    hits.append((li, m.start(), m.end(), key))
                    break
    # A label misread by one character (夫型 for 类型) at the start of a line in a label column.
    found_keys = {h[3] for h in hits}
    label_lefts = [lines[li].words[0].left for li, start, _e, _k in hits if start == 0]
    for key, labels in LICENCE_LABELS.items():
        if key in found_keys or not label_lefts:
            continue
        for li, line in enumerate(lines):
            if any(h[0] == li and h[1] == 0 for h in hits):
                continue
            text, first = line.text, line.words[0]
            near_column = any(abs(first.left - x) <= first.height * 1.5 for x in label_lefts)
            label = next((lab for lab in labels if len(lab) >= 2 and len(text) > len(lab)
                          and sum(a != b for a, b in zip(text[: len(lab)], lab)) == 1), None)
            if near_column and label:
                hits.append((li, 0, len(label), key))
                rec.warnings.append(f"label_guessed:{key}")
                break
    # Longer labels win over those they contain (法定代表人 ⊃ 代表人, 统一社会信用代码 ⊃ 信用代码).
    hits.sort(key=lambda h: (h[0], h[1], -(h[2] - h[1])))
    kept: list[tuple[int, int, int, str]] = []
    seen: set[str] = set()
    for h in hits:
        if h[3] in seen or any(k[0] == h[0] and k[1] <= h[1] < k[2] for k in kept):
            continue
        kept.append(h)
        seen.add(h[3])
    if len(kept) < 2:
        code = _number_field(rec.text, 0.5, "credit_code")
        if not code or not code.valid:
            raise ScanError("no_licence", "no_licence")
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for li, start, end, key in kept:
        by_line.setdefault(li, []).append((start, end, key))
    label_x: dict[str, int] = {}
    column_starts: list[int] = []
    for li, items in by_line.items():
        items.sort()
        line = lines[li]
        for n, (start, end, key) in enumerate(items):
            stop = items[n + 1][0] if n + 1 < len(items) else None
            words = _words_after_char(line, end) if stop is None else _slice_words(line, end, stop)
            label_words = _slice_words(line, start, end)
            label_x[key] = label_words[0].left if label_words else 0
            column_starts.append(label_x[key])
            value = _clean_value(_join(w.text for w in words))
            rec.fields[key] = Field(value, _conf(words))
            rec.fields[key]._words = words  # type: ignore[attr-defined]
            rec.fields[key]._line = li  # type: ignore[attr-defined]
    # Multi-line values: continuation lines without a label, words in the same column.
    columns = sorted(set(column_starts))
    for key in MULTILINE & set(rec.fields):
        f = rec.fields[key]
        li = f._line  # type: ignore[attr-defined]
        words = list(f._words)  # type: ignore[attr-defined]
        if not words:
            continue
        x0 = min(w.left for w in words)
        right_cols = [c for c in columns if c > x0]
        x_end = min(right_cols) if right_cols else 10**9
        line_h = max(w.height for w in words)
        last_bottom = max(w.bottom for w in words)
        for nxt in lines[li + 1 :]:
            if nxt.top - last_bottom > line_h * 1.2:
                break
            cont = [w for w in nxt.words if w.left >= x0 - line_h and w.right <= x_end + line_h]
            if not cont:
                continue
            if lines.index(nxt) in by_line:
                break  # the next labelled row
            words += cont
            last_bottom = max(w.bottom for w in cont)
        value = re.sub(r"\s+", "", _clean_value(_join(w.text for w in words)))
        rec.fields[key] = Field(value, _conf(words))
    for f in rec.fields.values():
        f.__dict__.pop("_words", None)
        f.__dict__.pop("_line", None)
    # The credit code: re-read its band with the GB 32100 alphabet.
    code_field = None
    code_hit = next((h for h in kept if h[3] == "credit_code"), None)
    if code_hit:
        line = lines[code_hit[0]]
        label_words = _slice_words(line, code_hit[1], code_hit[2])
        left = max((w.right for w in label_words), default=0)
        code_field = _read_number_band(img, line.top, line.bottom, left + 4, "credit_code")
    if code_field is None or not code_field.valid:
        whole = _number_field(rec.text, 0.5, "credit_code")
        if whole and (code_field is None or whole.valid):
            code_field = whole
    if code_field is not None:
        rec.fields["credit_code"] = code_field
    capital = rec.fields.get("capital")
    if capital and capital.value and parsing.capital_wan(capital.value) is None:
        repaired = capital.value.translate(_NUMERAL_LOOKALIKES)
        if repaired != capital.value and parsing.capital_wan(repaired) is not None:
            capital.value, capital.confidence, capital.corrected = repaired, min(capital.confidence, 0.7), True
        else:
            capital.confidence = min(capital.confidence, 0.4)  # not a well-formed amount: a misread numeral
    for key in ("founded",):
        if key in rec.fields:
            m = re.search(r"(\d{4})\D{1,3}(\d{1,2})\D{1,3}(\d{1,2})", rec.fields[key].value)
            if m:
                y, mo, d = (int(g) for g in m.groups())
                rec.fields[key].value = f"{y:04d}-{mo:02d}-{d:02d}"
            else:
                rec.fields[key].confidence = min(rec.fields[key].confidence, 0.3)
    for key in LICENCE_LABELS:
        if key not in rec.fields:
            rec.fields[key] = Field("", 0.0)
            rec.warnings.append(f"missing:{key}")
    return rec


def _slice_words(line: Line, start: int, stop: int) -> list[Word]:
    """The words (trimmed) covering characters [start, stop) of line.text."""
    out, pos = [], 0
    text = line.text
    for w in line.words:
        idx = text.find(w.text, pos)
        if idx < 0:
            idx = pos
        end = idx + len(w.text)
        pos = end
        lo, hi = max(idx, start), min(end, stop)
        if lo < hi:
            out.append(Word(w.text[lo - idx : hi - idx], w.conf, w.left, w.top, w.width, w.height))
    return out


# --------------------------------------------------------------------------- documents


def recognise_document(img: Image.Image) -> Recognition:
    lines = ocr_lines(img, psm=3)
    text = "\n".join(l.text for l in lines)
    rec = Recognition("document", text=text)
    all_words = [w for l in lines for w in l.words]
    rec.fields["text"] = Field(text, _conf(all_words))
    if not text.strip():
        raise ScanError("no_text", "no_text")
    return rec


def _blank(gray: Image.Image) -> bool:
    lo, hi = gray.getextrema()
    return hi - lo < 24  # an empty, black or white frame: nothing to read


def recognise(im: Image.Image, kind: str) -> Recognition:
    if kind not in KINDS:
        raise ValueError(kind)
    ok, why = availability()
    if not ok:
        raise ScanError("ocr_missing", why)
    im = ImageOps.exif_transpose(im)
    if kind != "id_card":
        img = prepare(im, kind=kind)
        if _blank(img):
            raise ScanError("blank", "blank")
        return recognise_licence(img) if kind == "licence" else recognise_document(img)
    # An ID card is landscape: a portrait photo without EXIF orientation is turned a quarter
    # (the likelier way first), and a card that yields no label is tried upside down — a second
    # OCR pass only for photos that failed the first.
    turns = (90, 270) if im.height > im.width * 1.1 else (0, 180)
    for n, angle in enumerate(turns):
        img = prepare(im.rotate(angle, expand=True) if angle else im, kind=kind)
        if _blank(img):
            raise ScanError("blank", "blank")
        try:
            rec = recognise_id_card(img)
        except ScanError:
            if n + 1 == len(turns):
                raise
            continue
        if angle:
            rec.warnings.append(f"rotated:{angle}")
        return rec
    raise ScanError("no_card", "no_card")  # pragma: no cover - the loop returns or raises
