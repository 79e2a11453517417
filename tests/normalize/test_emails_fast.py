"""The e-mail fast path gives exactly the library's answer (equivalence tests: slow,
and run by CI)."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from aniva_import.normalize import _emails_fast, emails

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------ e-mail fast path

_ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
_LDH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
atoms = st.text(_ATEXT, min_size=1, max_size=12)
local_parts = st.one_of(
    st.lists(atoms, min_size=1, max_size=4).map(".".join),
    st.sampled_from(["info", "Postmaster", "WWW", "abuse", "x" * 65, "a" * 64]),
)
labels = st.one_of(
    st.text(_LDH, min_size=1, max_size=10),
    st.sampled_from(["xn--bcher-kva", "ab--cd", "xn--", "a" * 63, "a" * 64, "-a", "a-"]),
)
tlds = st.one_of(
    st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=6),
    st.sampled_from(["test", "local", "localhost", "onion", "arpa", "invalid", "Test", "de1"]),
)
domains = st.builds(
    lambda ls, t: ".".join([*ls, t]), st.lists(labels, min_size=0, max_size=3), tlds
)
grammar_emails = st.builds(lambda lp, d: f"{lp}@{d}", local_parts, domains)
adversarial_emails = st.one_of(
    st.text(max_size=40),
    st.text(_ATEXT + ".@\"<> \\[]()", max_size=40),
    st.builds(lambda a, b: a + b, grammar_emails, st.text(" .@-\u0130\u212a", max_size=3)),
)


@settings(max_examples=1500, deadline=None)
@given(email=st.one_of(grammar_emails, adversarial_emails))
@example("Maria.Schmidt@Example.DE")
@example("info@example.de")
@example("a@xn--bcher-kva.de")
@example("a@b.test")
@example("a@sub.LOCALHOST")
@example("a@\u212aelvin.de")
def test_email_fast_path_is_the_library(email: str) -> None:
    fast = _emails_fast.fast_email(email)
    if fast is not None:
        assert emails.library_email(email) == fast


def test_email_fast_path_takes_the_common_shape() -> None:
    assert _emails_fast.fast_email("maria.schmidt@example.de") == "maria.schmidt@example.de"
    assert _emails_fast.fast_email("M.Schmidt+x@Mail.Example.COM") == "M.Schmidt+x@mail.example.com"


