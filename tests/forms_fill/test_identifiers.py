"""core.identifiers: GB 11643 ID numbers, GB 32100 credit codes, mobiles, masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from core.identifiers import (
    CREDIT_CODE_ALPHABET,
    check_credit_code,
    check_id_number,
    check_phone,
    credit_code_check_char,
    id_number_check_digit,
    mask_id_number,
    mask_phone,
    organization_code_check_char,
    validate_credit_code,
    validate_id_number,
)

FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def make_id(area="440604", birth=datetime.date(2005, 1, 1), seq=1):
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + id_number_check_digit(first17)


dates = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))


@st.composite
def id_numbers(draw):
    area = draw(st.sampled_from(["440604", "440605", "110101", "310115", "440106"]))
    return make_id(area, draw(dates), draw(st.integers(0, 999)))


@st.composite
def credit_codes(draw):
    dept = draw(st.sampled_from("159ANY"))
    kind = {"1": "1", "5": "3", "9": "2", "A": "1", "N": "2", "Y": "1"}[dept]
    org8 = draw(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY", min_size=8, max_size=8))
    org = org8 + organization_code_check_char(org8)
    first17 = f"{dept}{kind}440604{org}"
    if any(c not in CREDIT_CODE_ALPHABET for c in first17):
        first17 = first17.replace("X", "0")
    return first17 + credit_code_check_char(first17)


# --- ID numbers ---------------------------------------------------------------------------------


@given(id_numbers())
def test_generated_id_numbers_are_valid_and_agree_with_stdnum_checksum(number):
    result = check_id_number(number)
    assert result.ok, result.errors
    assert result.value == number
    assert ric.calc_check_digit(number) == number[-1]
    assert result.info["birth_date"] == datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert result.info["sex"] == ("M" if int(number[16]) % 2 else "F")


@given(id_numbers(), st.sampled_from(["fullwidth", "lower", "spaces", "apostrophe"]))
def test_unambiguous_noise_is_normalised(number, noise):
    if noise == "fullwidth":
        raw = number.translate(FULLWIDTH)
    elif noise == "lower":
        raw = number.lower()
    elif noise == "spaces":
        raw = f" {number[:6]} {number[6:14]}\u3000{number[14:]}\u200b "
    else:
        raw = "'" + number
    result = check_id_number(raw)
    assert result.ok and result.value == number


@given(id_numbers(), st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(number, pos, delta):
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    result = check_id_number(changed)
    assert not result.ok
    # Whatever else breaks (a date, a province), the check digit no longer matches.
    assert "checksum" in result.error_codes


def test_area_code_not_in_force_in_birth_year_is_only_a_warning():
    # 禅城区 440604 exists since 2002; stdnum rejects someone born 1980 with it.
    number = make_id("440604", datetime.date(1980, 1, 1), 1)
    assert not ric.is_valid(number)
    result = check_id_number(number)
    assert result.ok
    assert result.warning_codes == ("area_not_in_birth_year",)
    # 城区 440602 (1987–2001), born 1970: also genuine-possible.
    old = make_id("440602", datetime.date(1970, 1, 1), 1)
    assert check_id_number(old).ok and check_id_number(old).warning_codes == ("area_not_in_birth_year",)


def test_each_failure_names_its_check():
    good = make_id()
    assert check_id_number("").error_codes == ("required",)
    assert check_id_number(good[:17]).error_codes == ("length",)
    assert check_id_number(good[:15]).error_codes == ("first_generation",)
    assert check_id_number(good[:16] + "AB").error_codes == ("format",)
    bad_date = "44060420051301001"
    assert "birth_date" in check_id_number(bad_date + id_number_check_digit(bad_date)).error_codes
    future = make_id(birth=datetime.date(2099, 1, 1))
    assert check_id_number(future).error_codes == ("birth_date_future",)
    province = "99060420050101001"
    assert check_id_number(province + id_number_check_digit(province)).error_codes == ("province",)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    result = check_id_number(wrong)
    assert result.error_codes == ("checksum",)
    assert "check digit" in result.errors[0].message or "校验" in result.errors[0].message
    # Messages never contain the number (they go to logs and reports).
    assert all(good[:14] not in p.message for p in result.errors)


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_arbitrary_input_never_raises(text):
    result = check_id_number(text)
    assert isinstance(result.value, str)
    assert result.ok == (not result.errors)
    check_credit_code(text)
    check_phone(text)
    mask_id_number(text)
    mask_phone(text)


def test_django_validator_raises_translated_error():
    validate_id_number(make_id())
    with pytest.raises(ValidationError) as exc:
        validate_id_number("123")
    assert [e.code for e in exc.value.error_list] == ["length"]


# --- credit codes --------------------------------------------------------------------------------


@given(credit_codes())
def test_generated_credit_codes_are_valid(code):
    result = check_credit_code(code)
    assert result.ok, result.errors
    assert result.value == code
    assert uscc.calc_check_digit(code) == code[-1]


def test_codes_starting_with_n_a_or_y_are_accepted_unlike_stdnum():
    code = "N2440604MF1234567C"  # 村级集体经济组织
    assert not uscc.is_valid(code)
    assert check_credit_code(code).ok
    assert check_credit_code("91110000600037341L").ok


@given(credit_codes(), st.integers(0, 16), st.integers(1, 30))
def test_any_single_character_change_is_caught(code, pos, delta):
    alphabet = CREDIT_CODE_ALPHABET
    changed = code[:pos] + alphabet[(alphabet.index(code[pos]) + delta) % 31] + code[pos + 1 :]
    assert "checksum" in check_credit_code(changed).error_codes


def test_credit_code_failures_and_normalisation():
    good = "91440604MA4W000000"
    good = good[:17] + credit_code_check_char(good[:17])
    assert check_credit_code(good.lower()).value == good
    assert check_credit_code(f"{good[:6]}-{good[6:]} ").value == good
    assert check_credit_code(good[:10]).error_codes == ("length",)
    assert check_credit_code(good[:5] + "I" + good[6:]).error_codes == ("alphabet",)
    z = "Z1440604MA4W00000"
    assert check_credit_code(z + "0").error_codes == ("alphabet",)
    b = "B1440604MA4W00000"
    assert "department" in check_credit_code(b + credit_code_check_char(b)).error_codes
    r = "9144A604MA4W00000"
    assert "region" in check_credit_code(r + credit_code_check_char(r)).error_codes
    with pytest.raises(ValidationError):
        validate_credit_code(good[:17] + ("0" if good[17] != "0" else "1"))


# --- phones and masking ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,value",
    [("13812345678", "13812345678"), ("138 1234 5678", "13812345678"), ("+86 138-1234-5678", "13812345678"),
     ("８６13812345678", "13812345678"), ("13812345678.0", "13812345678")],
)
def test_phone_normalisation(raw, value):
    result = check_phone(raw)
    assert result.ok and result.value == value


def test_phone_failures():
    assert check_phone("1381234567").error_codes == ("length",)
    assert check_phone("12812345678").error_codes == ("prefix",)
    assert check_phone("1381234567a").error_codes == ("format",)


def test_masks():
    assert mask_id_number("44060419800101123X") == "440604********123X"
    assert mask_id_number("44060419800101123x") == "440604********123X"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("") == mask_phone(None) == ""


@given(st.text(min_size=1, max_size=30))
def test_mask_never_returns_the_whole_value(text):
    from core.identifiers import normalize

    clean = normalize(text)
    if len(clean) >= 2:
        assert mask_id_number(text) != clean
        assert "*" in mask_phone(text)
