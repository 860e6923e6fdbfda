"""Check characters and the repair of OCR confusions: only a unique passing correction is applied."""

import pytest

from scan import numbers
from scan.synthetic import credit_code, id_number

pytestmark = pytest.mark.django_db(databases=[])  # pure functions (gettext needs settings only)

ID = "440604199003072132"  # a valid GB 11643 number


def test_the_synthetic_numbers_pass_core_identifiers():
    import datetime as dt
    import random

    assert numbers.id_is_valid(id_number("440604", dt.date(1990, 3, 7), 213)) and id_number("440604", dt.date(1990, 3, 7), 213) == ID
    rng = random.Random(1)
    for _ in range(20):
        assert numbers.uscc_is_valid(credit_code(rng))


def test_a_valid_number_is_left_alone():
    r = numbers.repair(ID, "id_number")
    assert (r.value, r.valid, r.corrected) == (ID, True, False)


@pytest.mark.parametrize("wrong,right", [("O", "0"), ("I", "1"), ("l", "1"), ("Z", "2"), ("S", "5"), ("B", "8")])
def test_a_letter_read_for_a_digit_is_repaired(wrong, right):
    pos = ID.index(right) if right in ID else None
    if pos is None:  # build a valid number containing the digit
        import datetime as dt

        for seq in range(100, 999):
            n = id_number("440604", dt.date(1988, 5, 25), seq)
            if right in n[6:17]:
                break
        number, pos = n, n.index(right, 6)
    else:
        number = ID
    garbled = number[:pos] + wrong + number[pos + 1 :]
    r = numbers.repair(garbled, "id_number")
    assert r.valid and r.corrected and r.value == number


def test_a_wrong_digit_is_not_guessed():
    wrong = ID[:5] + ("5" if ID[5] != "5" else "6") + ID[6:]
    r = numbers.repair(wrong, "id_number")
    assert not r.valid and r.value == wrong  # left as read, for a person to fix


def _single_swaps(code: str) -> set[str]:
    """Every code one look-alike swap away from `code` that passes the check (brute force)."""
    out = set()
    for i, c in enumerate(code):
        for group in numbers.CONFUSIONS:
            if c in group:
                for g in group:
                    cand = code[:i] + g + code[i + 1 :]
                    if g != c and g in numbers.USCC_ALPHABET and numbers.uscc_is_valid(cand):
                        out.add(cand)
    return out


def test_a_repair_is_applied_only_when_exactly_one_correction_passes():
    import random

    rng = random.Random(5)
    seen_unique = seen_ambiguous = False
    for _ in range(3000):
        code = credit_code(rng)
        positions = [i for i, c in enumerate(code) if c in "8B" and i > 1]
        if not positions:
            continue
        i = rng.choice(positions)
        garbled = code[:i] + ("B" if code[i] == "8" else "8") + code[i + 1 :]  # a valid-alphabet misread
        passing = _single_swaps(garbled)
        assert code in passing
        r = numbers.repair(garbled, "credit_code")
        if len(passing) == 1:
            assert r.valid and r.corrected and r.value == code
            seen_unique = True
        else:
            assert not r.valid and r.value == garbled  # two corrections pass: none is applied
            seen_ambiguous = True
        if seen_unique and seen_ambiguous:
            break
    assert seen_unique and seen_ambiguous


def test_a_credit_code_with_an_impossible_letter_is_repaired():
    import random

    code = credit_code(random.Random(7))
    i = next(i for i, c in enumerate(code) if c == "0" and i > 2) if "0" in code[2:] else None
    if i is None:
        pytest.skip("no 0 in this code")  # pragma: no cover - deterministic seed has one
    garbled = code[:i] + "O" + code[i + 1 :]  # O is not in the GB 32100 alphabet
    r = numbers.repair(garbled, "credit_code")
    assert r.valid and r.corrected and r.value == code


def test_candidates_are_found_in_noisy_text():
    text = f"公民身份号码{ID[:9]} {ID[9:]}\n其他"
    best = numbers.best_number(text, "id_number")
    assert best and best.valid and best.value == ID
