"""Chinese identifiers: resident ID numbers, unified social credit codes, mobile phones.

The ground floor for every app that takes one of these from a user or a spreadsheet
(imports, one-click fill, credit, reports). Nothing here imports a domain app.

* **Resident ID number** (居民身份证号码, GB 11643-1999): 6-digit area code (GB/T 2260)
  + birth date YYYYMMDD + 3-digit sequence (odd = male, even = female) + ISO 7064
  MOD 11-2 check character. ``stdnum.cn.ric`` rejects a number whose area code was
  not in force in the birth year; numbers are assigned at registration, not at
  birth, so that rejects genuine people. Here the area-code check is a *warning*.
* **Unified social credit code** (统一社会信用代码, GB 32100-2015): registration
  department + institution type + 6-digit region + 9-character subject code
  (GB 11714 organisation code with its own check character) + MOD 31 check
  character over a 31-character alphabet. ``stdnum.cn.uscc`` requires the first 8
  characters to be digits and so rejects valid codes of 农业 (N…), 军队 (A…) and
  其他 (Y…) registrations; we use only its check-character arithmetic.
* **Mainland mobile numbers**: 11 digits, ``1[3-9]``…; a +86 / 0086 prefix is dropped.

Each ``check_*`` function normalises only what is unambiguous (full-width digits and
letters, lower-case letters, spaces and invisible characters, an Excel text apostrophe)
and returns an :class:`IdentifierResult` with the normalised value, the errors (the
value is unusable) and the warnings (usable, but someone should look). Every message
names the failing check and never contains the number itself (messages end up in logs
and import reports).

Masking (PIPL / GB/T 35273 §6.2 de-identification on the server): ``mask_id_number``
keeps the first 6 and last 4 characters (``440604********123X``), ``mask_phone`` the
first 3 and last 4 (``138****5678``).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import uscc as _stdnum_uscc

__all__ = [
    "IdentifierResult",
    "Problem",
    "normalize",
    "check_id_number",
    "check_credit_code",
    "check_phone",
    "id_number_check_digit",
    "credit_code_check_char",
    "organization_code_check_char",
    "mask_id_number",
    "mask_phone",
    "mask_identifier",
    "validate_id_number",
    "validate_credit_code",
    "validate_phone",
    "PROVINCE_CODES",
    "CREDIT_CODE_ALPHABET",
]


@dataclass(frozen=True)
class Problem:
    """One failed check: a stable ``code`` (for programs and tests) and a translated message."""

    code: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class IdentifierResult:
    """The outcome of checking one identifier."""

    value: str  # normalised; compare and store this one
    errors: tuple[Problem, ...] = ()
    warnings: tuple[Problem, ...] = ()
    # Extra facts read from a valid ID number (birth date, sex "M"/"F", area code).
    info: dict = field(default_factory=dict, compare=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def __bool__(self) -> bool:
        return self.ok

    @property
    def error_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.errors)

    @property
    def warning_codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.warnings)

    @property
    def messages(self) -> list[str]:
        return [p.message for p in self.errors]


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------

# Characters a paste from Excel, WeChat or a PDF brings along that are never part of a number.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def normalize(raw, *, strip_chars: str = "") -> str:
    """Unambiguous clean-up shared by all identifiers.

    NFKC turns full-width digits/letters (``４４０６０４``, ``Ｘ``) and the ideographic
    space into ASCII; whitespace and zero-width characters are removed; letters are
    upper-cased; a leading apostrophe (Excel's "store as text" marker) is dropped.
    ``strip_chars`` are further separators removed (e.g. ``-`` for credit codes).
    """
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not isinstance(raw, str):
        # An int from a spreadsheet cell; a float would already have lost digits.
        raw = str(raw)
    if raw.isascii() and raw.isalnum() and not strip_chars.strip("-()"):
        return raw.upper()  # the common case, without the character loop (imports of 100,000 rows)
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE)
    text = "".join(ch for ch in text if not ch.isspace() and ch not in strip_chars and ch != "\x00")
    if text.startswith("'"):
        text = text[1:]
    return text.upper()


# ---------------------------------------------------------------------------
# Resident ID numbers (GB 11643)
# ---------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

# GB/T 2260 province-level codes (incl. 71 台湾, 81 香港, 82 澳门, 83 台湾居民居住证).
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_EARLIEST_BIRTH_YEAR = 1880


def id_number_check_digit(first17: str) -> str:
    """The GB 11643 (ISO 7064 MOD 11-2) check character for 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


@functools.lru_cache(maxsize=4096)
def _area_known_in_year(area: str, year: int) -> str:
    """``"ok"``, ``"not_in_year"`` or ``"unknown"`` using python-stdnum's area data.

    stdnum's ``get_birth_place`` raises for either case; we tell them apart so that
    neither becomes an error.
    """
    try:
        from stdnum import numdb

        results = numdb.get("cn/loc").info(area)
    except Exception:  # pragma: no cover - the data ships with stdnum
        return "ok"
    info = {k: v for _part, props in results for k, v in props.items()}
    counties = info.get("county")
    if not counties:
        return "unknown"
    for county in counties.split(","):
        if not county.startswith("["):
            return "ok"
        try:
            span = county[1:].split("]", 1)[0]
            start, end = span.split("-")
        except ValueError:
            return "ok"
        if start and year < int(start):
            continue
        if end and year > int(end):
            continue
        return "ok"
    return "not_in_year"


def check_id_number(raw, *, today: datetime.date | None = None) -> IdentifierResult:
    """Normalise and validate an 18-character resident ID number (GB 11643)."""
    value = normalize(raw)
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if not value:
        return IdentifierResult(value, (Problem("required", _("The ID number is empty.")),))
    if len(value) == 15 and value.isdigit():
        return IdentifierResult(
            value,
            (
                Problem(
                    "first_generation",
                    _("This is a 15-digit first-generation ID number; enter the 18-digit number."),
                ),
            ),
        )
    if len(value) != 18:
        return IdentifierResult(
            value,
            (
                Problem(
                    "length",
                    _("An ID number has 18 characters; this one has %(count)d.") % {"count": len(value)},
                ),
            ),
        )
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        return IdentifierResult(
            value,
            (
                Problem(
                    "format",
                    _("An ID number is 17 digits followed by a digit or X; this one has other characters."),
                ),
            ),
        )
    info: dict = {"area_code": value[:6]}
    if value[:2] not in PROVINCE_CODES:
        errors.append(Problem("province", _("The first two digits are not a province code (GB/T 2260).")))
    birth = None
    try:
        birth = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        errors.append(Problem("birth_date", _("Digits 7–14 are not a valid birth date (YYYYMMDD).")))
    if birth is not None:
        today = today or datetime.date.today()
        if birth > today:
            errors.append(Problem("birth_date_future", _("The birth date in the ID number lies in the future.")))
        elif birth.year < _EARLIEST_BIRTH_YEAR:
            errors.append(Problem("birth_date_old", _("The birth date in the ID number is implausibly early.")))
        else:
            info["birth_date"] = birth
    if value[17] != id_number_check_digit(value[:17]):
        errors.append(
            Problem("checksum", _("The check digit (last character) does not match: the number has a typo."))
        )
    info["sex"] = "M" if int(value[16]) % 2 else "F"
    if not errors:
        known = _area_known_in_year(value[:6], birth.year)
        if known == "unknown":
            warnings.append(
                Problem("area_unknown", _("The area code (first six digits) is not in the area-code list."))
            )
        elif known == "not_in_year":
            warnings.append(
                Problem(
                    "area_not_in_birth_year",
                    _(
                        "The area code (first six digits) did not exist in the birth year; numbers are "
                        "assigned at registration, so this may still be genuine."
                    ),
                )
            )
    return IdentifierResult(value, tuple(errors), tuple(warnings), info if not errors else {})


# ---------------------------------------------------------------------------
# Unified social credit codes (GB 32100)
# ---------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
# 登记管理部门码 → its 机构类别码 (GB 32100-2015 annex A, with later additions).
_CREDIT_DEPARTMENTS = {
    "1": "1239",  # 机构编制
    "2": "19",  # 外交
    "3": "123459",  # 司法行政
    "4": "19",  # 文化
    "5": "1239",  # 民政
    "6": "129",  # 旅游
    "7": "1239",  # 宗教
    "8": "19",  # 工会
    "9": "123",  # 工商 (市场监管)
    "A": "19",  # 中央军委改革和编制办公室
    "N": "1239",  # 农业 (N1/N2/N3 组/村/乡镇级集体经济组织)
    "Y": "1",  # 其他
}
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def credit_code_check_char(first17: str) -> str:
    """The GB 32100 MOD 31 check character (python-stdnum's arithmetic)."""
    return _stdnum_uscc.calc_check_digit(first17 + "0")


def organization_code_check_char(first8: str) -> str:
    """The GB 11714 check character of a 9-character organisation code."""
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    rest = 11 - total % 11
    return {10: "X", 11: "0"}.get(rest, str(rest))


def check_credit_code(raw) -> IdentifierResult:
    """Normalise and validate an 18-character unified social credit code (GB 32100)."""
    value = normalize(raw, strip_chars="-")
    if not value:
        return IdentifierResult(value, (Problem("required", _("The credit code is empty.")),))
    if len(value) != 18:
        return IdentifierResult(
            value,
            (
                Problem(
                    "length",
                    _("A unified social credit code has 18 characters; this one has %(count)d.")
                    % {"count": len(value)},
                ),
            ),
        )
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return IdentifierResult(
            value,
            (
                Problem(
                    "alphabet",
                    _("A credit code never contains %(chars)s (only digits and letters without I, O, S, V, Z).")
                    % {"chars": " ".join(bad[:5])},
                ),
            ),
        )
    errors: list[Problem] = []
    warnings: list[Problem] = []
    department, kind = value[0], value[1]
    if department not in _CREDIT_DEPARTMENTS:
        errors.append(
            Problem("department", _("The first character is not a registration department code (GB 32100)."))
        )
    elif kind not in _CREDIT_DEPARTMENTS[department]:
        warnings.append(
            Problem(
                "institution_type",
                _("The second character is not an institution type known for this registration department."),
            )
        )
    if not value[2:8].isdigit():
        errors.append(Problem("region", _("Characters 3–8 must be the six-digit region code of the registrar.")))
    if value[17] != credit_code_check_char(value[:17]):
        errors.append(
            Problem("checksum", _("The check character (last character) does not match: the code has a typo."))
        )
    if not errors and value[16] != organization_code_check_char(value[8:16]):
        warnings.append(
            Problem(
                "organization_code",
                _("The embedded organisation code (characters 9–17) has a wrong check character (GB 11714)."),
            )
        )
    info = {"region_code": value[2:8], "department": department, "institution_type": kind} if not errors else {}
    return IdentifierResult(value, tuple(errors), tuple(warnings), info)


# ---------------------------------------------------------------------------
# Mainland mobile phone numbers
# ---------------------------------------------------------------------------

_MOBILE = re.compile(r"1[3-9]\d{9}")


def check_phone(raw) -> IdentifierResult:
    """Normalise and validate a mainland mobile number (11 digits starting 13–19)."""
    value = normalize(raw, strip_chars="-()")
    if value.endswith(".0") and value[:-2].isdigit():  # a number cell read as a float
        value = value[:-2]
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086") and len(value) == 15:
        value = value[4:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if not value:
        return IdentifierResult(value, (Problem("required", _("The phone number is empty.")),))
    if not value.isdigit():
        return IdentifierResult(value, (Problem("format", _("A mobile number contains only digits.")),))
    if len(value) != 11:
        return IdentifierResult(
            value,
            (
                Problem(
                    "length",
                    _("A mobile number has 11 digits; this one has %(count)d.") % {"count": len(value)},
                ),
            ),
        )
    if not _MOBILE.fullmatch(value):
        return IdentifierResult(
            value, (Problem("prefix", _("A mainland mobile number starts with 13–19.")),)
        )
    return IdentifierResult(value)


# ---------------------------------------------------------------------------
# Masking (server-side de-identification)
# ---------------------------------------------------------------------------


def _mask(text: str, head: int, tail: int) -> str:
    if len(text) > head + tail:
        return text[:head] + "*" * (len(text) - head - tail) + text[-tail:]
    # Too short to keep both ends: keep at most the last quarter, never the whole value.
    keep = len(text) // 4
    return "*" * (len(text) - keep) + (text[-keep:] if keep else "")


def mask_id_number(value) -> str:
    """``440604198001010013`` → ``440604********0013`` (first 6 + last 4)."""
    text = normalize(value)
    return _mask(text, 6, 4) if text else ""


def mask_phone(value) -> str:
    """``13812345678`` → ``138****5678`` (first 3 + last 4)."""
    text = normalize(value, strip_chars="-")
    return _mask(text, 3, 4) if text else ""


def mask_identifier(value, kind: str) -> str:
    """Mask by kind: ``"id_number"``, ``"phone"``; anything else is returned unchanged."""
    if kind == "id_number":
        return mask_id_number(value)
    if kind == "phone":
        return mask_phone(value)
    return "" if value is None else str(value)


# ---------------------------------------------------------------------------
# Django validators (model and form fields)
# ---------------------------------------------------------------------------


def _raise_errors(result: IdentifierResult) -> None:
    if result.errors:
        raise ValidationError([ValidationError(p.message, code=p.code) for p in result.errors])


def validate_id_number(value) -> None:
    _raise_errors(check_id_number(value))


def validate_credit_code(value) -> None:
    _raise_errors(check_credit_code(value))


def validate_phone(value) -> None:
    _raise_errors(check_phone(value))
