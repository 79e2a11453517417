"""The request body rules of ``POST /api/v1/profiles``, from :mod:`aniva_import.rules`.

These mirror the client's pandera schema (``aniva_import.validate``): a row the dry
run calls valid is accepted here, and the tool's plausibility bounds for height and
weight (``rules.HEIGHT_CM_RANGE``, ``rules.WEIGHT_KG_RANGE``) apply here too, so a
height of 2000 cm is refused on both sides.  Text must be
valid Unicode (no lone surrogates, which JSON's ``\\ud800`` escape can carry in),
so nothing stored can fail to be sent back.

Error messages name the field and the rule, never the value (patient data).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from aniva_import import rules
from aniva_import.sandbox._json import JsonError, loads

JsonObject = dict[str, object]

_TEXT_FIELDS: Final = ("first_name", "last_name")
_TYPE_NAMES: Final = {
    bool: "a boolean",
    int: "a number",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "an object",
}


#: Deepest nesting of arrays and objects a profile body may have (it needs 1).
MAX_DEPTH: Final = 32
_NOT_UNICODE: Final = "must be valid Unicode text"


class BodyError(ValueError):
    """The body is not a JSON object at all (a 400 without per-field errors)."""


def parse_body(raw: bytes, max_depth: int = MAX_DEPTH) -> JsonObject:
    """The JSON object of the request body, or BodyError (also for deep nesting)."""
    try:
        data = loads(raw, max_depth)
    except JsonError as error:
        raise BodyError(str(error)) from None
    if not isinstance(data, dict):
        raise BodyError("The request body must be a JSON object.")
    return data


def is_unicode(text: str) -> bool:
    """False for text that cannot be encoded as UTF-8 (lone surrogates)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def printable_name(name: str) -> str:
    """A field name as it may appear in a response: at most 64 characters, and
    anything that is not valid Unicode replaced by ``?``."""
    return name[:64].encode("utf-8", "replace").decode("utf-8")


def _type_name(value: object) -> str:
    return "null" if value is None else _TYPE_NAMES.get(type(value), type(value).__name__)


def _check_text(value: object, *, required: bool) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_type_name(value)}"
    if not is_unicode(value):
        return _NOT_UNICODE
    if required and not value:
        return "must not be empty"
    if len(value) > rules.MAX_TEXT_LENGTH:
        return f"must be at most {rules.MAX_TEXT_LENGTH} characters long"
    if rules.CONTROL_CHARS_RE.search(value):
        return "must not contain control characters (such as line breaks)"
    return None


def _check_sex(value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be the integer 1 (male) or 2 (female), not {_type_name(value)}"
    if value not in rules.SEXES:
        return "must be 1 (male) or 2 (female)"
    return None


def _check_date(value: object, today: dt.date) -> str | None:
    if not isinstance(value, str):
        return f"must be a string YYYY-MM-DD, not {_type_name(value)}"
    if not is_unicode(value):
        return _NOT_UNICODE
    if not rules.ISO_DATE_RE.match(value):
        return "must be a date written YYYY-MM-DD"
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        return "must be a real calendar date (YYYY-MM-DD)"
    if date >= today:
        return "must be a date in the past"
    return None


def _check_group(value: object) -> str | None:
    problem = _check_text(value, required=True)
    if problem is None and not rules.GROUP_SLUG_RE.match(str(value)):
        return "must be a group slug: lower case letters, digits and dashes"
    return problem


def _check_email(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_type_name(value)}"
    if not is_unicode(value):
        return _NOT_UNICODE
    if len(value) > rules.MAX_EMAIL_LENGTH:
        return f"must be at most {rules.MAX_EMAIL_LENGTH} characters long"
    if not rules.EMAIL_RE.match(value):
        return "must be an e-mail address like name@example.com"
    return None


def _check_phone(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_type_name(value)}"
    if not is_unicode(value):
        return _NOT_UNICODE
    if not rules.E164_RE.match(value):
        return "must be E.164: a plus, the country code and the number, digits only"
    return None


def _check_measure(value: object, bounds: tuple[float, float], unit: str) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, not {_type_name(value)}"
    low, high = bounds
    # int/float comparison is exact in Python: a 400-digit integer is simply too big,
    # and NaN (only possible when called directly) compares false
    if not low <= value <= high:
        return f"must be a number of {unit} from {low:g} to {high:g}"
    return None


def _check_language(value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be a string, not {_type_name(value)}"
    if not is_unicode(value):
        return _NOT_UNICODE
    if value not in rules.LANGUAGES:
        return f"must be one of {', '.join(rules.LANGUAGES)}"
    return None


def validate_profile(body: JsonObject, today: dt.date) -> tuple[JsonObject, dict[str, str]]:
    """Check one request body.  Returns the profile as stored (language defaulted to
    ``en``, absent fields as null) and a message per bad field (empty when valid)."""
    errors: dict[str, str] = {}
    for name in sorted(set(body) - set(rules.API_FIELDS)):
        errors[printable_name(name)] = "is not a known field"
    for name in rules.REQUIRED_FIELDS:
        if body.get(name) is None:
            errors[name] = "is required"
    for name in rules.API_FIELDS:
        value = body.get(name)
        if value is None or name in errors:
            continue
        problem: str | None
        if name in _TEXT_FIELDS:
            problem = _check_text(value, required=True)
        elif name == "profile_group_slug":
            problem = _check_group(value)
        elif name == "sex":
            problem = _check_sex(value)
        elif name == "date_of_birth":
            problem = _check_date(value, today)
        elif name == "email":
            problem = _check_email(value)
        elif name == "phone":
            problem = _check_phone(value)
        elif name == "height":
            problem = _check_measure(value, rules.HEIGHT_CM_RANGE, "centimetres")
        elif name == "weight":
            problem = _check_measure(value, rules.WEIGHT_KG_RANGE, "kilograms")
        else:
            problem = _check_language(value)
        if problem is not None:
            errors[name] = problem
    profile: JsonObject = {name: body.get(name) for name in rules.API_FIELDS}
    if isinstance(profile["sex"], float):
        profile["sex"] = int(profile["sex"])
    if profile["language"] is None:
        profile["language"] = "en"
    return profile, errors
