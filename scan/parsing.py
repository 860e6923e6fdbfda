"""Turning confirmed licence text into typed values (registered capital, dates, business term)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

_DIGITS = {"零": 0, "〇": 0, "壹": 1, "一": 1, "贰": 2, "二": 2, "两": 2, "叁": 3, "三": 3, "肆": 4, "四": 4,
           "伍": 5, "五": 5, "陆": 6, "六": 6, "柒": 7, "七": 7, "捌": 8, "八": 8, "玖": 9, "九": 9}
_UNITS = {"拾": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG = {"万": 10_000, "亿": 100_000_000}


def chinese_number(text: str) -> int | None:
    """壹佰伍拾万 → 1500000 (financial or ordinary numerals); None if not a numeral."""
    total = section = digit = 0
    seen = False
    for ch in text:
        if ch in _DIGITS:
            digit, seen = _DIGITS[ch], True
        elif ch in _UNITS:
            section += (digit or 1) * _UNITS[ch]
            digit, seen = 0, True
        elif ch in _BIG:
            total += (section + digit) * _BIG[ch]
            section = digit = 0
            seen = True
        else:
            return None
    return total + section + digit if seen else None


def capital_wan(text: str) -> Decimal | None:
    """Registered capital in 10,000 yuan (the Enterprise field's unit) from 人民币壹佰万元 / 100万元 / 100.5万人民币."""
    t = re.sub(r"\s|人民币|（|）|\(|\)|整|元|圆", "", text or "")
    m = re.search(r"(\d+(?:\.\d+)?)(万|亿)?", t)
    try:
        if m:
            value = Decimal(m.group(1))
            unit = m.group(2)
            return value * 10_000 if unit == "亿" else value if unit == "万" else value / 10_000
        if not t or re.search(r"[^零〇壹一贰二两叁三肆四伍五陆六柒七捌八玖九拾十佰百仟千万亿]", t):
            return None  # a character that is no numeral: a misread, not a number
        number = chinese_number(t)
    except InvalidOperation:
        return None
    return None if number is None else Decimal(number) / 10_000


_DATE = re.compile(r"(\d{4})\s*[年\-./]\s*(\d{1,2})\s*[月\-./]\s*(\d{1,2})")


def parse_date(text: str) -> dt.date | None:
    m = _DATE.search(text or "")
    if not m:
        return None
    try:
        return dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        return None


def business_term(text: str, *, founded: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    """营业期限 → (from, to); 长期 / 永久 / 不约定期限 → to = None."""
    dates = [dt.date(*(int(g) for g in m.groups())) for m in _DATE.finditer(text or "") if _valid(m)]
    start = dates[0] if dates else founded
    end = dates[1] if len(dates) > 1 else None
    return start, end


def _valid(m) -> bool:
    try:
        dt.date(*(int(g) for g in m.groups()))
    except ValueError:
        return False
    return True
