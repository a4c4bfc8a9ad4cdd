"""Citizen ID numbers (GB 11643) and statistical area codes: validation and masking.

See domain.md: validate format and checksum, never whether an address code is current.
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# ASCII digits only: Python's \d also matches Arabic-Indic or Devanagari digits, which int() reads.
_ID_RE = re.compile(r"^[0-9]{17}[0-9X]$")
AREA_CODE_RE = re.compile(r"^\d{12}$")


def id_check_char(first17: str) -> str:
    """The check character for the first 17 digits of a citizen ID number."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def fold_width(raw: str) -> str:
    """Full-width digits, letters and spaces (３３０５２３, Ｘ, the ideographic space) as ASCII (NFKC)."""
    # A Chinese keyboard in full-width mode types these; unfolded, "３３０…Ｘ" and "330…X" would be two
    # different people (two blind-index hashes), and a full-width mobile number never receives an SMS.
    # Every identifier typed or imported passes through here first, whatever the entry path.
    return unicodedata.normalize("NFKC", raw or "")


def normalize_id_number(raw: str) -> str:
    """Fold the width, drop every space and upper-case a trailing x, as people type it."""
    return "".join(fold_width(raw).split()).upper()


def id_birth_date(id_number: str) -> dt.date:
    return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def id_sex(id_number: str) -> str:
    """'M' or 'F' from the sequence digit (odd = male)."""
    return "M" if int(id_number[16]) % 2 else "F"


def validate_id_number(raw: str) -> str:
    """Return the normalised ID number or raise ValidationError with a message for the user."""
    value = normalize_id_number(raw)
    if not _ID_RE.match(value):
        raise ValidationError(_("An ID number has 18 characters: 17 digits and a digit or X."), code="id_format")
    try:
        birth = id_birth_date(value)
    except ValueError:
        raise ValidationError(_("The birth date inside this ID number is not a real date."), code="id_birth") from None
    if birth > dt.date.today() or birth.year < 1880:
        raise ValidationError(_("The birth date inside this ID number is not possible."), code="id_birth")
    if id_check_char(value[:17]) != value[17]:
        raise ValidationError(_("This ID number's check character is wrong; please check it."), code="id_checksum")
    return value


def mask_id_number(value: str) -> str:
    """Show an ID number as domain.md asks: the address code and the last four, e.g. 110105********002X."""
    if not value:
        return ""
    return value[:6] + "*" * (len(value) - 10) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    return value[:3] + "****" + value[-4:] if value and len(value) >= 11 else value


def mask_name(value: str) -> str:
    """张三丰 -> 张**: enough for neighbours to recognise a post, not to identify a stranger."""
    return value[:1] + "*" * max(1, len(value) - 1) if value else ""


def validate_area_code(raw: str) -> str:
    """A 12-digit statistical area code (6 county + 3 township + 3 village). Format only."""
    value = (raw or "").strip()
    if not AREA_CODE_RE.match(value):
        raise ValidationError(_("An area code has exactly 12 digits."), code="area_format")
    return value


PHONE_RE = re.compile(r"^1[0-9]{10}$")


def normalize_phone(raw: str) -> str:
    """A mobile number as it is stored and looked up: width folded, spaces, dashes and +86 removed."""
    value = re.sub(r"[\s-]", "", fold_width(raw))
    return value[3:] if value.startswith("+86") else value


def validate_phone(raw: str) -> str:
    """A mainland mobile number: 11 digits starting with 1 (spaces, dashes and +86 removed)."""
    value = normalize_phone(raw)
    if not PHONE_RE.match(value):
        raise ValidationError(_("A mobile number has 11 digits and starts with 1."), code="phone")
    return value


def id_number_build(area6: str, birth: dt.date, sequence: int) -> str:
    """A checksum-valid ID number for synthetic data (demo county, tests). Odd sequence = male."""
    first17 = f"{area6}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + id_check_char(first17)
