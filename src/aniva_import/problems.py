"""Row problems as data: one catalogue of stable codes, and the :class:`Problem` value.

Every problem a row can have — a cell that cannot be read, a rule the profile breaks,
a repeat of an earlier row, an answer of the API — is a :class:`Problem` with a code
from :class:`ProblemCode`.  Codes are a contract (scripts and monitoring read them
from the results file and the summary JSON): add codes, never rename one.  Each code
has a description, the short "what is wrong" the README's table shows (a test keeps
the two in step).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ProblemCode(enum.StrEnum):
    """The stable code of every kind of row problem, with its description."""

    description: str

    def __new__(cls, value: str, description: str) -> ProblemCode:
        member = str.__new__(cls, value)
        member._value_ = value
        member.description = description
        return member

    # -- the file's structure
    EXTRA_CELLS = "extra_cells", "a row with more cells than the header; they would be lost"
    SPREADSHEET_ERROR = (
        "spreadsheet_error",
        "a formula's error value (`#N/A`, `#REF!`, `#NV`, `Err:502` …) instead of a value",
    )
    # -- reading a value (normalisation)
    INVALID_TEXT = "invalid_text", "control characters or no letter in a name; a date in a name"
    INVALID_SEX = (
        "invalid_sex",
        "not a sex we can read (1/2, m/f, w, male/female, männlich/weiblich, mies/nainen, "
        "M/N in Finnish files)",
    )
    INVALID_DATE = "invalid_date", "not a date (e.g. 31.02.1970), before 1900, or a bare year"
    AMBIGUOUS_DATE = (
        "ambiguous_date",
        "`03/04/1985` in a column whose order nothing shows; set `date_order` in a mapping",
    )
    TWO_DIGIT_YEAR = "two_digit_year", "`22.03.85`: the century is unknown"
    INVALID_EMAIL = "invalid_email", "not an e-mail address (checked by email-validator; no DNS)"
    INVALID_PHONE = (
        "invalid_phone",
        "not a valid phone number (checked by phonenumbers), or too long for E.164",
    )
    PHONE_NEEDS_REGION = (
        "phone_needs_region",
        "a national number (`030 1234567`) without `--phone-region`",
    )
    INVALID_NUMBER = (
        "invalid_number",
        "height or weight that is not a number, or uses the wrong decimal mark",
    )
    # -- the profile rules (the schema)
    REQUIRED = "required", "first name, last name or profile group is empty"
    TOO_LONG = "too_long", "more than 255 characters (an e-mail address: 254)"
    UNSUPPORTED_SEX = "unsupported_sex", "a sex the API cannot take (e.g. `d`, `divers`, `x`)"
    DATE_IN_FUTURE = "date_in_future", "a date of birth today or later"
    HEIGHT_IN_METRES = "height_in_metres", "a height such as `1,77` in a centimetre column"
    IMPLAUSIBLE_HEIGHT = "implausible_height", "a height outside 30–260 cm"
    IMPLAUSIBLE_WEIGHT = "implausible_weight", "a weight outside 1–400 kg (a weight of 0)"
    UNSUPPORTED_LANGUAGE = (
        "unsupported_language",
        "a language other than English, German or Finnish",
    )
    INVALID_GROUP = "invalid_group", "a group that is not a slug like `acme-clinic-berlin`"
    # -- the file as a whole
    DUPLICATE_ROW = (
        "duplicate_row",
        "same names, date of birth and group as an earlier row (`duplicate`)",
    )
    # -- the run
    INTERRUPTED = "interrupted", "the run stopped before this row (`not_sent`)"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one row, as data.

    ``row`` is the row number a spreadsheet program shows (header = 1),
    ``column`` the header as the user wrote it (or the field's label when the
    column is missing altogether; empty for a problem of the whole row), ``code``
    a stable code from :class:`ProblemCode` and ``message`` a sentence a clinic
    admin understands.  Messages never repeat the cell's value: results files may
    be shared, terminals are logged.  ``field`` is the API field concerned, if any.
    """

    row: int
    column: str
    code: ProblemCode
    message: str
    field: str | None = None

    def render(self) -> str:
        """The text used in the results file's ``errors`` column."""
        if not self.column:
            return f"{self.message} [{self.code}]"
        return f"{self.column}: {self.message} [{self.code}]"
