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

    @classmethod
    def of(cls, value: str, default: ProblemCode) -> ProblemCode:
        """The code whose value is ``value``; ``default`` for a value not in the catalogue."""
        member = cls._value2member_map_.get(value)
        return member if isinstance(member, cls) else default

    # -- the file's structure
    EXTRA_CELLS = "extra_cells", "a row with more cells than the header; they would be lost"
    UNBALANCED_QUOTE = (
        "unbalanced_quote",
        'a CSV line with a quote (`"`) that is never closed; its cells may be cut wrongly',
    )
    SPREADSHEET_ERROR = (
        "spreadsheet_error",
        "a formula's error value (`#N/A`, `#REF!`, `#NV`, `Err:502` …) instead of a value",
    )
    FORMULA_WITHOUT_VALUE = (
        "formula_without_value",
        "a formula the workbook holds without a saved value (the file was never "
        "calculated): open it in Excel or LibreOffice, save it, and run again",
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
    SERIAL_DATE = (
        "serial_date",
        "a number (`23456`) in a CSV's date column: an Excel date number only if the "
        "mapping says so (`date_serials = true`)",
    )
    INVALID_EMAIL = "invalid_email", "not an e-mail address (checked by email-validator; no DNS)"
    INVALID_PHONE = (
        "invalid_phone",
        "not a valid phone number (checked by phonenumbers), or too long for E.164",
    )
    PHONE_NEEDS_REGION = (
        "phone_needs_region",
        "a national number (`030 1234567`) without `--phone-region`",
    )
    AMBIGUOUS_PHONE = (
        "ambiguous_phone",
        "digits without `+` or a leading 0 that read as two different valid numbers "
        "(`491701234567`: +49 170… or a national number); add the `+`, or set "
        "`bare_phone_numbers` in a mapping",
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
    # -- sending (a live run)
    ALREADY_IMPORTED_CHANGED = (
        "already_imported_changed",
        "an earlier run created this patient, and some fields now differ from what it sent "
        "(the API has no update: change them in Aniva)",
    )
    EARLIER_UNKNOWN = (
        "earlier_unknown",
        "an earlier run may have created this patient (`unknown`); check in Aniva, then "
        "`aniva-import resolve` or `--resend-unknown`",
    )
    API_REJECTED = "api_rejected", "the API refused the row's values (400) (`failed`)"
    GROUP_NOT_FOUND = "group_not_found", "the API does not know the profile group (404) (`failed`)"
    GROUP_FORBIDDEN = (
        "group_forbidden",
        "the profile group is outside the API key's access context (403) (`failed`)",
    )
    OUTCOME_UNKNOWN = (
        "outcome_unknown",
        "the API may or may not have created the profile (408/500/502/504, a timeout, a "
        "broken connection) (`unknown`)",
    )
    CREATED_WITHOUT_ID = (
        "created_without_id",
        "the API created the profile (201) but did not say its id, or sent one that is not "
        "a UUID (`created`)",
    )
    INVALID_REQUEST = "invalid_request", "the request for this row could not be built (`not_sent`)"
    KEY_REFUSED = "key_refused", "the API does not accept the key (401): the run stopped"
    SCOPE_MISSING = (
        "scope_missing", "the API key lacks the CREATE_USER scope (403): the run stopped"
    )
    FORBIDDEN = (
        "forbidden",
        "the API refused the key or the group (403) without saying which: the run stopped",
    )
    API_UNAVAILABLE = (
        "api_unavailable",
        "the API could not be reached, or stayed busy (429/503) past every retry: the run "
        "stopped",
    )
    TLS_FAILED = "tls_failed", "the API's certificate could not be verified: the run stopped"
    TOO_MANY_UNKNOWN = (
        "too_many_unknown",
        "too many requests in a row ended without a clear answer: the run stopped",
    )
    UNEXPECTED_RESPONSE = (
        "unexpected_response",
        "the API answered something undocumented (a redirect, a 2xx other than 201 "
        "Created): check --api-url and any proxy; the run stopped, the row answered so is "
        "`unknown`",
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
