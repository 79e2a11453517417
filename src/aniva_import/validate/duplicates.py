"""Who a row is: the patient's identity, and rows of one file that repeat an earlier one.

The identity is the normalised first and last name (case ignored) and the date of
birth; when the date of birth is empty, also the e-mail address and the phone
number.  Within a file, rows of the same identity in the same group are duplicates
of the first; across runs, the import ledger keys what it created by the same
identity (and the API URL and group), so an edited or re-exported row of an already
created patient is recognised.

Fingerprints are 64-bit hashes kept in a sorted NumPy array, so memory stays small
(16 bytes a row) however long the file is.  A hash collision (about one in 30
million for a million-row file) could only ever hold a row back as a duplicate,
never send anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

_SEP: Final = "\x1f"


def identity_text(
    first_name: object, last_name: object, date_of_birth: object, email: object, phone: object
) -> str:
    """The canonical text of a patient's identity (normalised values in API form).

    Patient data: it never leaves memory in clear (the ledger keeps a keyed hash)."""

    def fold(value: object) -> str:
        return value.casefold() if isinstance(value, str) else ""

    dob = date_of_birth if isinstance(date_of_birth, str) else ""
    extra = "" if dob else fold(email) + _SEP + (phone if isinstance(phone, str) else "")
    return fold(first_name) + _SEP + fold(last_name) + _SEP + dob + _SEP + extra


def identity_of(values: Mapping[str, object]) -> str:
    """:func:`identity_text` of one row's API values."""
    get = values.get
    return identity_text(
        get("first_name"), get("last_name"), get("date_of_birth"), get("email"), get("phone")
    )


def undated_identity_of(values: Mapping[str, object]) -> str | None:
    """The identity this row's patient had in a row without the date of birth (names,
    e-mail and phone), for a row that has one; None for a row without it.

    A patient first imported from a row that lacked the date of birth is the same
    patient when the row comes back with it filled in (the clinic's fix-and-rerun):
    the ledger looks this identity up too (see :mod:`aniva_import.pipeline.deliver`)."""
    get = values.get
    if not isinstance(get("date_of_birth"), str) or not get("date_of_birth"):
        return None
    return identity_text(get("first_name"), get("last_name"), None, get("email"), get("phone"))


def identity_texts(frame: pd.DataFrame) -> pd.Series[str]:
    """:func:`identity_text` of every row of a frame of API values (vectorised)."""
    dob = frame["date_of_birth"].fillna("")
    texts = (
        frame["first_name"].fillna("").str.casefold()
        + _SEP
        + frame["last_name"].fillna("").str.casefold()
        + _SEP
        + dob
        + _SEP
    )
    undated = dob == ""
    if undated.any():  # few rows: the e-mail and phone only for them
        texts[undated] = (
            texts[undated]
            + frame["email"][undated].fillna("").str.casefold()
            + _SEP
            + frame["phone"][undated].fillna("")
        )
    return texts


def fingerprints(frame: pd.DataFrame) -> npt.NDArray[np.uint64]:
    """64-bit fingerprints of (identity, group) for every row of ``frame``.

    Hashing is pandas' vectorised SipHash with its fixed key: the same row gives the
    same fingerprint in every process.
    """
    if frame.empty:
        return np.empty(0, dtype=np.uint64)
    key = identity_texts(frame) + _SEP + frame["profile_group_slug"].fillna("").str.casefold()
    hashed = pd.util.hash_pandas_object(key, index=False)
    return np.asarray(hashed, dtype=np.uint64)


class DuplicateFinder:
    """Remembers the first row of every patient seen so far in one file."""

    def __init__(self) -> None:
        self._keys = np.empty(0, dtype=np.uint64)
        self._rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self._keys)

    def check(self, rows: Iterable[int], keys: npt.NDArray[np.uint64]) -> dict[int, int]:
        """Record ``rows`` (in file order) and return {duplicate row: first row}."""
        row_array = np.fromiter(rows, dtype=np.int64, count=len(keys))
        duplicates: dict[int, int] = {}
        if len(self._keys):
            at = np.searchsorted(self._keys, keys)
            at_clipped = np.minimum(at, len(self._keys) - 1)
            hit = self._keys[at_clipped] == keys
            for i in np.flatnonzero(hit):
                duplicates[int(row_array[i])] = int(self._rows[at_clipped[i]])
        fresh = np.ones(len(keys), dtype=bool)
        if duplicates:
            fresh &= ~np.isin(row_array, np.fromiter(duplicates, dtype=np.int64))
        # duplicates inside this batch: keep the first occurrence
        batch_keys = keys[fresh]
        batch_rows = row_array[fresh]
        order = np.argsort(batch_keys, kind="stable")
        sorted_keys = batch_keys[order]
        same = np.zeros(len(sorted_keys), dtype=bool)
        same[1:] = sorted_keys[1:] == sorted_keys[:-1]
        if same.any():
            first_of_run = np.maximum.accumulate(np.where(~same, np.arange(len(same)), 0))
            for i in np.flatnonzero(same):
                duplicates[int(batch_rows[order[i]])] = int(batch_rows[order[first_of_run[i]]])
        keep_keys = sorted_keys[~same]
        keep_rows = batch_rows[order][~same]
        merged_keys = np.concatenate([self._keys, keep_keys])
        merged_rows = np.concatenate([self._rows, keep_rows])
        order_all = np.argsort(merged_keys, kind="stable")
        self._keys = merged_keys[order_all]
        self._rows = merged_rows[order_all]
        return duplicates
