"""The precompiled validity check (``_phone_patterns``) is ``phonenumbers.is_valid_number``.

Every check compares three answers for the same number: the library's
``is_valid_number``, ``_phone_patterns.is_valid_number`` (PhoneNumber in) and
``_phone_patterns.valid_nsn`` (calling code + NSN string in; None = "ask the
library", which the metadata never needs).  Then the normalisers built on it:
``normalize_phone`` / ``normalize_column("phone", ...)`` against the plain
library call ``phones.library_phone``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneMetadata, PhoneNumber, PhoneNumberType

from aniva_import import normalize
from aniva_import.normalize import _phone_patterns
from aniva_import.normalize._base import Conventions

pytestmark = pytest.mark.slow  # equivalence with the library: slow, and run by CI

TODAY = dt.date(2025, 1, 1)
ALL_CODES = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
SINGLE_CODES = [cc for cc in ALL_CODES if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]) == 1]
SHARED_CODES = [cc for cc in ALL_CODES if len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]) > 1]
NUMBER_TYPES = sorted(PhoneNumberType.values())


def is_valid_number(num: PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number`` answered through ``valid_nsn`` where it decides
    (the fast path's validity check, taking a PhoneNumber as the library does)."""
    cc = num.country_code
    nn = num.national_number
    if type(cc) is int and type(nn) is int and nn >= 0:
        nsn = str(nn)
        if num.italian_leading_zero:
            zeros = 1 if num.number_of_leading_zeros is None else num.number_of_leading_zeros
            if type(zeros) is not int:
                return bool(phonenumbers.is_valid_number(num))
            if zeros > 0:
                nsn = "0" * zeros + nsn
        out = _phone_patterns.valid_nsn(cc, nsn)
        if out is not None:
            return out
    return bool(phonenumbers.is_valid_number(num))



def _number(cc: int, nsn: str) -> PhoneNumber:
    """The PhoneNumber whose national_significant_number is ``nsn`` (leading zeros kept)."""
    zeros = len(nsn) - len(nsn.lstrip("0"))
    if zeros == len(nsn):  # all zeros: keep one digit as the number
        zeros -= 1
    if zeros:
        return PhoneNumber(
            country_code=cc,
            national_number=int(nsn),
            italian_leading_zero=True,
            number_of_leading_zeros=zeros,
        )
    return PhoneNumber(country_code=cc, national_number=int(nsn))


def _same(cc: int, nsn: str) -> bool:
    """Assert that the three answers agree; return the library's."""
    num = _number(cc, nsn)
    assert phonenumbers.national_significant_number(num) == nsn
    lib = bool(phonenumbers.is_valid_number(num))
    assert is_valid_number(num) == lib, (cc, nsn, lib)
    assert _phone_patterns.valid_nsn(cc, nsn) == lib, (cc, nsn, lib)
    return lib


def _mutations(nsn: str) -> Iterator[str]:
    yield nsn
    for i, ch in enumerate(nsn):  # every digit changed, to every other digit
        for step in range(1, 10):
            yield nsn[:i] + str((int(ch) + step) % 10) + nsn[i + 1 :]
    for cut in (1, 2, 3):  # truncations
        if len(nsn) > cut:
            yield nsn[:-cut]
            yield nsn[cut:]
    for d in "0123456789":  # extensions by one digit, at either end
        yield nsn + d
        yield d + nsn
    yield "0" + nsn  # an Italian leading zero
    yield "00" + nsn


def _cc(num: PhoneNumber) -> int:
    assert num.country_code is not None
    return num.country_code


def _examples() -> Iterator[tuple[int, str]]:
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for numtype in NUMBER_TYPES:
            num = phonenumbers.example_number_for_type(region, numtype)
            if num is not None:
                yield _cc(num), phonenumbers.national_significant_number(num)
    for cc in sorted(phonenumbers.COUNTRY_CODES_FOR_NON_GEO_REGIONS):
        num = phonenumbers.example_number_for_non_geo_entity(cc)
        if num is not None:
            yield _cc(num), phonenumbers.national_significant_number(num)


def test_every_regions_examples_and_their_mutations() -> None:
    """(a) Every region's example number of every type (and every non-geographic
    entity's), each with ~120 mutations: digit changes, truncations, one-digit
    extensions, leading zeros."""
    examples = sorted(set(_examples()))
    assert len(examples) > 1000
    checked = valid = 0
    seen: set[tuple[int, str]] = set()
    for cc, nsn in examples:
        assert _same(cc, nsn), (cc, nsn)  # the examples themselves are valid
        for mutant in _mutations(nsn):
            if (cc, mutant) not in seen:
                seen.add((cc, mutant))
                checked += 1
                valid += _same(cc, mutant)
    print(f"{len(examples)} examples, {checked} distinct numbers, {valid} valid")
    assert checked > 90_000
    assert 10_000 < valid < checked - 10_000  # both answers are well represented


def test_every_calling_code_is_decided_by_the_patterns() -> None:
    """No calling code falls back to the library (the guard never trips on the
    metadata); unknown calling codes are invalid."""
    for cc in ALL_CODES:
        assert _phone_patterns.valid_nsn(cc, "1234567") is not None, cc
    for cc in (0, 999, 1000, 99999):
        assert _phone_patterns.valid_nsn(cc, "1234567") is False
        assert _same(cc, "1234567") is False


@settings(max_examples=3000, deadline=None)
@given(
    cc=st.sampled_from(SINGLE_CODES),
    nsn=st.text("0123456789", min_size=4, max_size=17),
)
@example(cc=49, nsn="301234567")
@example(cc=49, nsn="1701234567")
@example(cc=39, nsn="0612345678")
def test_random_digits_under_single_region_codes(cc: int, nsn: str) -> None:
    """(b) Random digit strings of 4-17 digits under single-region calling codes."""
    _same(cc, nsn)


@settings(max_examples=1500, deadline=None)
@given(
    cc=st.sampled_from(SHARED_CODES),
    nsn=st.text("0123456789", min_size=4, max_size=17),
)
@example(cc=1, nsn="4155552671")
@example(cc=1, nsn="2684601234")
@example(cc=44, nsn="7924123456")
@example(cc=44, nsn="1624756789")
@example(cc=358, nsn="181234567")
@example(cc=7, nsn="7123456789")
def test_random_digits_under_shared_codes(cc: int, nsn: str) -> None:
    """Calling codes shared by several regions (1, 7, 44, 358, ...): the region
    is chosen as the library chooses it."""
    _same(cc, nsn)


@st.composite
def realistic_nsn(draw: st.DrawFn) -> tuple[int, str, str]:
    """(calling code, region, NSN) shaped like real DE/FI/AT/CH numbers."""
    region, cc, prefixes = draw(
        st.sampled_from(
            [
                ("DE", 49, ["30", "40", "89", "221", "711", "69", "170", "151", "176", "800"]),
                ("DE", 49, ["3641", "7071", "35204", "180", "900", "32", "1521"]),
                ("FI", 358, ["9", "2", "40", "50", "44", "45", "800", "18", "20", "600"]),
                ("AT", 43, ["1", "662", "316", "512", "664", "676", "699", "800", "720"]),
                ("CH", 41, ["44", "31", "61", "22", "79", "78", "76", "800", "900", "58"]),
            ]
        )
    )
    prefix = draw(st.sampled_from(prefixes))
    subscriber = draw(st.text("0123456789", min_size=2, max_size=11))
    return cc, region, prefix + subscriber


def _reference(text: str, region: str | None) -> object:
    """The answer without fast paths: the library's, plus the rules phones.py adds on
    top (digits that read two ways; the message for a number with a country code)."""
    conv = Conventions(today=TODAY, phone_region=region, fast_paths=False)
    return normalize.normalize_phone(text, conv)


@settings(max_examples=2500, deadline=None)
@given(case=realistic_nsn(), sep=st.sampled_from([" ", "/", "-", ""]))
@example(case=(49, "DE", "301234567"), sep=" ")
@example(case=(49, "DE", "8929248428"), sep="/")
@example(case=(358, "FI", "401234567"), sep=" ")
@example(case=(43, "AT", "6641234567"), sep=" ")
@example(case=(41, "CH", "791234567"), sep=" ")
def test_realistic_national_formats(case: tuple[int, str, str], sep: str) -> None:
    """(c) DE/FI/AT/CH numbers: the validity check, and the normalised result of
    the national, +cc and 00cc forms, are the library's."""
    cc, region, nsn = case
    _same(cc, nsn)
    split = min(len(nsn) - 1, 3)
    conv = Conventions(today=TODAY, phone_region=region)
    for text in (
        f"0{nsn[:split]}{sep}{nsn[split:]}",
        f"+{cc} {nsn[:split]}{sep}{nsn[split:]}",
        f"00{cc}{sep}{nsn}",
    ):
        assert normalize.normalize_phone(text, conv) == _reference(text, region), text


def _de_column(n: int, seed: int) -> list[str]:
    import random

    rng = random.Random(seed)
    areas = ["030", "040", "089", "0221", "0711", "0170", "0151", "0176"]
    cells = []
    for _ in range(n):
        area = rng.choice(areas)
        sub = str(rng.randint(1, 9)) + "".join(
            rng.choice("0123456789") for _ in range(rng.randint(4, 9))
        )
        cells.append(
            rng.choice([f"{area} {sub}", f"{area}/{sub}", f"+49 {area[1:]} {sub}", f"{area}-{sub}"])
        )
    return cells


@pytest.mark.parametrize("region", ["DE", "FI", "AT", None])
def test_normalize_column_is_the_library(region: str | None) -> None:
    """The column normaliser gives per cell what parse + is_valid_number + E.164 give."""
    cells = [*_de_column(3000, seed=7), "+44 20 7946 0958", "+1 415 555 2671", "0049 30 1234567"]
    conv = Conventions(today=TODAY, phone_region=region)
    values, issues = normalize.normalize_column("phone", cells, conv)
    issue_at = dict(issues)
    valid = 0
    for i, cell in enumerate(cells):
        lib = _reference(cell, region)
        if isinstance(lib, str):
            valid += 1
            assert values[i] == lib, cell
            assert i not in issue_at
        else:
            assert values[i] is None
            assert issue_at[i] == lib, cell
    assert valid > (500 if region is None else 1000)


def test_unsupported_patterns_fall_back_to_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pattern that would not combine safely makes the whole calling code go to
    the library; the answers stay the library's."""
    for bad in ("(1)\\d{6}", "(?i)1\\d{6}", "1\\d{5}\\b", "(?P<x>1)\\d{6}"):
        with pytest.raises(_phone_patterns._Unsupported):
            _phone_patterns._safe(bad)
    assert _phone_patterns._safe("(?:1|2)\\d{6}") == "(?:1|2)\\d{6}"
    real = _phone_patterns._safe

    def strict(pattern: str | None) -> str | None:
        if pattern is not None and pattern.startswith("[2579]"):  # DE's general pattern
            raise _phone_patterns._Unsupported(pattern)
        return real(pattern)

    monkeypatch.setattr(_phone_patterns, "_safe", strict)
    monkeypatch.setattr(_phone_patterns, "_COUNTRIES", {})
    with pytest.raises(_phone_patterns._Unsupported):
        _phone_patterns._table(PhoneMetadata.metadata_for_region("DE", None))
    assert _phone_patterns.valid_nsn(49, "301234567") is None
    num = PhoneNumber(country_code=49, national_number=301234567)
    assert is_valid_number(num) is True
    conv = Conventions(today=TODAY, phone_region="DE")
    assert normalize.normalize_phone("030 1234567", conv) == "+49301234567"
    assert normalize.normalize_phone("030 12", conv) == _reference("030 12", "DE")


def test_odd_phone_number_objects_go_to_the_library() -> None:
    odd = [
        PhoneNumber(country_code=49, national_number=None),
        PhoneNumber(country_code=None, national_number=301234567),
        PhoneNumber(country_code=39, national_number=612345678, italian_leading_zero=True),
        PhoneNumber(
            country_code=39,
            national_number=612345678,
            italian_leading_zero=True,
            number_of_leading_zeros=0,
        ),
    ]
    for num in odd:
        assert is_valid_number(num) == phonenumbers.is_valid_number(num)
