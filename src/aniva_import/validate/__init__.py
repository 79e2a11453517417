"""Validate: the profile rules (one pandera schema) and the rows that repeat each other.

``schema``: :class:`ProfileValidator` judges frames of normalised rows against every
rule, each with its stable code and message.  ``duplicates``: the patient's identity,
its fingerprints and :class:`DuplicateFinder`.
"""

from aniva_import.validate.duplicates import (
    DuplicateFinder,
    fingerprints,
    identity_of,
    identity_text,
    identity_texts,
    undated_identity_of,
)
from aniva_import.validate.schema import (
    FIELD_DTYPES,
    ProfileValidator,
    Rule,
    frame_from_columns,
    profile_rules,
    profile_schema,
)

__all__ = [
    "FIELD_DTYPES",
    "DuplicateFinder",
    "ProfileValidator",
    "Rule",
    "fingerprints",
    "frame_from_columns",
    "identity_of",
    "identity_text",
    "identity_texts",
    "profile_rules",
    "profile_schema",
    "undated_identity_of",
]
