"""ID numbers (GB 11643) and area codes: examples from domain.md, and properties over many inputs."""

import contextlib
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from cunzhi.core.idnumbers import (
    id_birth_date,
    id_number_build,
    id_sex,
    mask_id_number,
    mask_phone,
    validate_area_code,
    validate_id_number,
    validate_phone,
)


def test_known_number_is_valid_and_derives_birth_and_sex():
    assert validate_id_number("11010519491231002X") == "11010519491231002X"
    assert id_birth_date("11010519491231002X") == dt.date(1949, 12, 31)
    assert id_sex("11010519491231002X") == "F"  # sequence 002: even


def test_lowercase_x_and_spaces_are_normalised():
    assert validate_id_number(" 110105 19491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    "bad, code",
    [
        ("", "id_format"),
        ("1101051949123100", "id_format"),
        ("11010519491231002Y", "id_format"),
        ("110105194912310021", "id_checksum"),
        ("110105194902300021", "id_birth"),
        ("110105209912310021", "id_birth"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(bad, code):
    with pytest.raises(ValidationError) as err:
        validate_id_number(bad)
    assert err.value.code == code


def test_dissolved_address_codes_are_accepted():
    # 内蒙古 old codes and the like must pass: format and checksum only, never "is it current".
    number = id_number_build("152601", dt.date(1960, 1, 1), 11)
    assert validate_id_number(number) == number


births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31))
areas = st.from_regex(r"\A[1-8][0-9]{5}\Z", fullmatch=True)  # ID numbers are ASCII digits


@given(area=areas, birth=births, seq=st.integers(0, 999))
def test_built_numbers_always_validate_and_round_trip(area, birth, seq):
    number = id_number_build(area, birth, seq)
    assert validate_id_number(number.lower()) == number
    assert id_birth_date(number) == birth
    assert id_sex(number) == ("M" if seq % 2 else "F")
    masked = mask_id_number(number)
    assert masked[:6] == area and masked[-4:] == number[-4:] and masked[6:14] == "*" * 8


@given(area=areas, birth=births, seq=st.integers(0, 999), pos=st.integers(0, 16), delta=st.integers(1, 9))
def test_any_single_digit_change_is_caught(area, birth, seq, pos, delta):
    number = id_number_build(area, birth, seq)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    with pytest.raises(ValidationError):
        validate_id_number(changed)


@given(st.text(max_size=30))
def test_validator_never_crashes_on_arbitrary_text(text):
    with contextlib.suppress(ValidationError):
        validate_id_number(text)


@given(st.from_regex(r"\A\d{12}\Z", fullmatch=True))
def test_any_twelve_digits_is_a_valid_area_code_format(code):
    assert validate_area_code(code) == code


@given(
    st.text(max_size=20).filter(lambda s: not (len(s.strip()) == 12 and s.strip().isascii() and s.strip().isdigit()))
)
def test_anything_else_is_not_an_area_code(text):
    with pytest.raises(ValidationError):
        validate_area_code(text)


def test_phone_normalisation_and_masking():
    assert validate_phone("+86 139-0000-0001") == "13900000001"
    assert mask_phone("13900000001") == "139****0001"
    with pytest.raises(ValidationError):
        validate_phone("12345")


FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


@pytest.mark.parametrize(
    "typed",
    [
        "11010519491231002X".translate(FULL_WIDTH),  # a Chinese keyboard in full-width mode, check character Ｘ
        "１１０１０５１９４９１２３１００２X",  # full-width digits, ASCII X: passed the validator un-normalised
        "１１０１０５　１９４９１２３１　００２ｘ",  # ideographic spaces and a full-width small x
    ],
)
def test_full_width_id_numbers_are_stored_in_ascii(typed):
    assert validate_id_number(typed) == "11010519491231002X"


def test_full_width_id_number_with_a_digit_check_character_is_accepted_in_ascii():
    number = id_number_build("330523", dt.date(1968, 8, 11), 827)
    assert number[-1].isdigit()
    assert validate_id_number(number.translate(FULL_WIDTH)) == number


@pytest.mark.parametrize(
    "bad",
    [
        "١١٠١٠٥١٩٤٩١٢٣١٠٠٢X",  # Arabic-Indic digits: NFKC keeps them, int() would read them; never an ID
        "११०१०५१९४९१२३१००२X",  # Devanagari digits
    ],
)
def test_other_scripts_digits_are_refused(bad):
    with pytest.raises(ValidationError) as err:
        validate_id_number(bad)
    assert err.value.code == "id_format"


def test_full_width_mobile_numbers_are_stored_in_ascii():
    from cunzhi.core.idnumbers import normalize_phone

    assert validate_phone("１３９ ００００ ０００１") == "13900000001"
    assert validate_phone("＋８６　１３９－００００－０００１") == "13900000001"
    assert normalize_phone("１３９０００００００１") == "13900000001"
    with pytest.raises(ValidationError):
        validate_phone("١٣٩٠٠٠٠٠٠٠١")  # Arabic-Indic digits are not a mainland mobile number


def test_blind_index_sees_the_normalised_form():
    from cunzhi.core.crypto import blind_index

    assert blind_index("11010519491231002X".translate(FULL_WIDTH)) == blind_index("11010519491231002X")


@given(area=areas, birth=births, seq=st.integers(0, 999))
def test_any_number_typed_in_full_width_is_the_same_number(area, birth, seq):
    number = id_number_build(area, birth, seq)
    assert validate_id_number(number.translate(FULL_WIDTH)) == number
