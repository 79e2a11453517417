"""The profile rules both sides share: the client's pandera schema and the sandbox.

These constants come from ``docs/api/profiles-api.md`` (documented) or are our own
assumptions where the page is silent (marked).  Changing one changes what the
dry run accepts *and* what the sandbox accepts, so they cannot drift apart.
"""

from __future__ import annotations

import re
from typing import Final

#: Fields of the request body, in the order the API page lists them.
API_FIELDS: Final = (
    "first_name",
    "last_name",
    "sex",
    "date_of_birth",
    "profile_group_slug",
    "email",
    "phone",
    "height",
    "weight",
    "language",
)
#: Assumption: the page does not say which fields are required.
REQUIRED_FIELDS: Final = ("first_name", "last_name", "profile_group_slug")
#: Documented: 1 = male, 2 = female.
SEXES: Final = (1, 2)
#: Documented: en, de, fi; the API defaults to en.
LANGUAGES: Final = ("en", "de", "fi")
#: Documented: E.164 (a plus, a country code, at most 15 digits).
E164_RE: Final = re.compile(r"^\+[1-9][0-9]{1,14}$")
#: Documented: YYYY-MM-DD.
ISO_DATE_RE: Final = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: Assumption: slugs as the examples show them.
GROUP_SLUG_RE: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
#: Assumption: no length limits are documented; we keep strings to this many characters.
MAX_TEXT_LENGTH: Final = 255
#: Assumption (e-mail standard): at most 254 characters.
MAX_EMAIL_LENGTH: Final = 254
#: Assumption: a basic e-mail syntax check (something@domain.tld, no spaces).
EMAIL_RE: Final = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Assumption: text fields never contain control characters (line breaks, tabs, ...).
CONTROL_CHARS_RE: Final = re.compile(r"[\x00-\x1f\x7f]")
#: Our plausibility bounds (not the API's): centimetres and kilograms.
HEIGHT_CM_RANGE: Final = (30.0, 260.0)
WEIGHT_KG_RANGE: Final = (1.0, 400.0)
#: Documented: the id of a created profile is a UUID string; we take it only in the
#: canonical textual form (8-4-4-4-12 hex digits), whatever the case.
PROFILE_ID_RE: Final = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def profile_id_of(text: str) -> str | None:
    """``text`` as a profile id (a UUID, lower case), or None when it is not one.

    >>> profile_id_of(" A3F1C2D4-8B7E-4F2A-9C1D-2E3F4A5B6C7D "), profile_id_of("=1+1")
    ('a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d', None)
    """
    text = text.strip()
    return text.lower() if PROFILE_ID_RE.fullmatch(text) else None
