"""The phone fast path gives exactly the library's answer (equivalence tests: slow,
and run by CI)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import phonenumbers
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from aniva_import import normalize
from aniva_import.normalize import Conventions, Issue, _phones_fast, phones

pytestmark = pytest.mark.slow
TODAY = dt.date(2026, 1, 15)


# ------------------------------------------------------------------ phone fast path


def _library(s: str, region: str | None) -> str | Issue:
    return phones.library_phone(s, region)


def _reference(s: str, region: str | None) -> str | Issue | None:
    """The answer without fast paths (the library's, plus phones.py's own rules)."""
    conv = Conventions(today=TODAY, phone_region=region, fast_paths=False)
    return phones.normalize_phone(s, conv)


def _spaced(digits: str, draw: Callable[[st.SearchStrategy[str]], str]) -> str:
    out = []
    for i, ch in enumerate(digits):
        if i:
            out.append(draw(st.sampled_from(["", "", "", " ", "-", "/"])))
        out.append(ch)
    return "".join(out)


@st.composite
def phone_texts(draw: st.DrawFn) -> tuple[str, str | None]:
    region = draw(st.sampled_from(["DE", "FI", "US", "GB", None]))
    kind = draw(st.sampled_from(["national", "plus", "idd", "example", "junk"]))
    rest = draw(st.text("0123456789", min_size=1, max_size=14))
    if kind == "example":
        ex_region = draw(st.sampled_from(["DE", "FI", "US", "GB", "AT", "CH", "SE"]))
        num = phonenumbers.example_number_for_type(
            ex_region, draw(st.sampled_from(list(range(11))))
        )
        assume(num is not None)
        assert num is not None
        fmt = draw(
            st.sampled_from(
                [
                    phonenumbers.PhoneNumberFormat.NATIONAL,
                    phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                    phonenumbers.PhoneNumberFormat.E164,
                ]
            )
        )
        text = phonenumbers.format_number(num, fmt)
        # perturb the last digit sometimes, to reach invalid numbers
        if draw(st.booleans()):
            text = text[:-1] + draw(st.sampled_from("0123456789"))
        return str(text), region
    cc = draw(st.sampled_from(["49", "358", "1", "44", "43", "7", "999", "0"]))
    if kind == "national":
        digits = "0" + rest
    elif kind == "plus":
        digits = cc + rest
    elif kind == "idd":
        digits = "00" + cc + rest
    else:
        return draw(st.text("0123456789 +-/()x#.", max_size=20)), region
    text = _spaced(digits, draw)
    return ("+" + text if kind == "plus" else text), region


@settings(max_examples=1500, deadline=None)
@given(case=phone_texts())
@example(("030 1234567", "DE"))
@example(("0170 1234567", "DE"))
@example(("040 1234567", "FI"))
@example(("0049 30 1234567", "DE"))
@example(("+44 20 7946 0958", None))
@example(("020 7946 0958", "GB"))
@example(("+1 415 555 2671", "DE"))
@example(("0180020 1234", "GB"))
def test_phone_fast_path_is_the_library(case: tuple[str, str | None]) -> None:
    text, region = case
    fast = _phones_fast.fast_phone(text, region)
    if fast is not None:
        assert _library(text, region) == fast
    conv = Conventions(today=TODAY, phone_region=region)
    assert normalize.normalize_phone(text, conv) == _reference(text.strip(), region) or (
        text.strip() == "" or len(text.strip()) > 64
    )


def test_phone_fast_path_on_every_regions_examples() -> None:
    """All regions, all number types, national and international formats."""
    checked = fast_hits = 0
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for numtype in range(11):
            num = phonenumbers.example_number_for_type(region, numtype)
            if num is None:
                continue
            for fmt in (
                phonenumbers.PhoneNumberFormat.NATIONAL,
                phonenumbers.PhoneNumberFormat.INTERNATIONAL,
            ):
                text = str(phonenumbers.format_number(num, fmt))
                for variant in (text, text.replace(" ", ""), "00" + text.lstrip("+")):
                    fast = _phones_fast.fast_phone(variant, region)
                    checked += 1
                    if fast is not None:
                        fast_hits += 1
                        assert _library(variant, region) == fast, (region, variant)
    assert checked > 1000
    assert fast_hits > 300


