"""The 18-character numbers on ID cards (GB 11643) and licences (GB 32100): check and repair.

Validation itself is ``core.identifiers`` (the project's one wrapper of python-stdnum).
This module adds what OCR needs on top:

* ``find_candidates`` pulls 18-character runs out of noisy OCR text (the label is
  often misread and glued to the number);
* ``repair`` corrects the typical OCR confusions (O/0, I/l/1, Z/2, S/5, B/8) **only
  where exactly one correction makes the check pass** — otherwise the value is
  left as read and reported as not valid, for a person to fix.

The check-character arithmetic is ``core.identifiers``'s too (re-exported for the synthetic corpus).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from core import identifiers

USCC_ALPHABET = identifiers.CREDIT_CODE_ALPHABET  # GB 32100: no I O S V Z

# Characters OCR confuses, as groups: any member may really be any other member.
CONFUSIONS = ("O0DQ", "I1L|", "Z2", "S5", "B8", "G6")
_GROUP_OF = {c: g for g in CONFUSIONS for c in g}
MAX_OPTIONAL_SWAPS = 2  # beyond that the "correction" is a guess, not a repair


def id_check_char(body17: str) -> str:
    return identifiers.id_number_check_digit(body17)


def uscc_check_char(body17: str) -> str:
    return identifiers.credit_code_check_char(body17)


def org_check_char(body8: str) -> str:
    """GB 11714 organisation-code check character (position 17 of a credit code)."""
    return identifiers.organization_code_check_char(body8)


# --------------------------------------------------------------------------- validation


def id_is_valid(number: str) -> bool:
    return identifiers.check_id_number(number).ok


def uscc_is_valid(code: str) -> bool:
    return identifiers.check_credit_code(code).ok


VALIDATORS = {"id_number": id_is_valid, "credit_code": uscc_is_valid}
ALLOWED = {
    "id_number": lambda i, c: c.isdigit() or (i == 17 and c == "X"),
    "credit_code": lambda i, c: c in USCC_ALPHABET,
}


@dataclass(frozen=True)
class Repaired:
    value: str  # the corrected value, or the value as read when no unique repair exists
    valid: bool
    corrected: bool  # True when OCR confusions were corrected


def normalise(raw: str) -> str:
    return re.sub(r"[\s\-_.·,，。]", "", raw or "").upper()


def repair(raw: str, kind: str) -> Repaired:
    """Check `raw`; if it fails, try the confusion corrections and keep the unique one that passes."""
    is_valid, allowed = VALIDATORS[kind], ALLOWED[kind]
    value = normalise(raw)
    if len(value) != 18:
        return Repaired(value, False, False)
    if all(allowed(i, c) for i, c in enumerate(value)) and is_valid(value):
        return Repaired(value, True, False)
    forced: list[list[str]] = []  # per position: the letters it may be
    optional: list[int] = []
    for i, c in enumerate(value):
        group = _GROUP_OF.get(c, c)
        options = [g for g in group if allowed(i, g)]
        if allowed(i, c):
            forced.append([c])
            if len(options) > 1:
                optional.append(i)
        elif options:
            forced.append(options)  # must change: choose among the group's allowed letters
        else:
            return Repaired(value, False, False)  # a character nothing can explain
    passing: set[str] = set()
    for base in itertools.islice(itertools.product(*forced), 64):
        base = list(base)
        for n in range(0, MAX_OPTIONAL_SWAPS + 1):
            for positions in itertools.combinations(optional, n):
                alternatives = [[g for g in _GROUP_OF[value[p]] if allowed(p, g) and g != value[p]] for p in positions]
                for choice in itertools.product(*alternatives):
                    cand = base[:]
                    for p, g in zip(positions, choice):
                        cand[p] = g
                    s = "".join(cand)
                    if s != value and is_valid(s):
                        passing.add(s)
            if passing:
                break  # fewest changes first: a 1-swap repair beats any 2-swap one
        if len(passing) > 1:
            break
    if len(passing) == 1:
        return Repaired(passing.pop(), True, True)
    return Repaired(value, False, False)



def find_candidates(text: str) -> list[str]:
    """All 18-character runs in `text` (spaces removed), longest runs scanned at every offset."""
    flat = re.sub(r"\s+", "", (text or "").upper())
    found: list[str] = []
    for m in re.finditer(r"[0-9A-Z|]{18,}", flat):
        run = m.group(0)
        for i in range(len(run) - 17):
            found.append(run[i : i + 18])
    return found


def best_number(text: str, kind: str) -> Repaired | None:
    """The first candidate that is (or repairs to) a valid number; else the first candidate as read."""
    first = None
    for cand in find_candidates(text):
        r = repair(cand, kind)
        if r.valid:
            return r
        first = first or r
    return first
