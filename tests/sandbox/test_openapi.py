"""The OpenAPI document: one canonical copy, served as is, in step with the rules,
and the sandbox accepting every row the client's schema calls valid."""

from __future__ import annotations

import datetime as dt
import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from aniva_import import rules, testing
from aniva_import.sandbox import ERROR_STATUSES, GROUP_ERROR_STATUSES, RATE_LIMIT_RANGE, Limits
from aniva_import.sandbox._validation import validate_profile
from aniva_import.testing import SandboxServer
from aniva_import.validate import ProfileValidator, frame_from_columns

sandbox_session = testing.sandbox_session
sandbox = testing.sandbox

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = resources.files("aniva_import").joinpath("data/openapi.json")
TODAY = dt.date(2025, 6, 15)


def document() -> dict[str, Any]:
    return dict(json.loads(PACKAGED.read_text(encoding="utf-8")))


def test_schemas_copy_is_byte_identical_to_the_packaged_one() -> None:
    assert (ROOT / "schemas" / "openapi.json").read_bytes() == PACKAGED.read_bytes()


def test_served_document_is_the_packaged_one(sandbox: SandboxServer) -> None:
    response = sandbox.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.content == PACKAGED.read_bytes()


def test_document_is_in_step_with_the_rules() -> None:
    doc = document()
    assert doc["openapi"].startswith("3.1")
    create = doc["components"]["schemas"]["ProfileCreate"]
    props = create["properties"]
    assert tuple(props) == rules.API_FIELDS
    assert create["required"] == list(rules.REQUIRED_FIELDS)
    assert create["additionalProperties"] is False
    assert props["sex"]["enum"] == [*rules.SEXES, None]
    assert props["language"]["enum"] == [*rules.LANGUAGES, None]
    assert props["phone"]["pattern"] == rules.E164_RE.pattern
    assert props["email"]["pattern"] == rules.EMAIL_RE.pattern
    assert props["email"]["maxLength"] == rules.MAX_EMAIL_LENGTH
    assert props["date_of_birth"]["pattern"] == rules.ISO_DATE_RE.pattern
    assert props["profile_group_slug"]["pattern"] == rules.GROUP_SLUG_RE.pattern
    for name in ("first_name", "last_name", "profile_group_slug"):
        assert props[name]["maxLength"] == rules.MAX_TEXT_LENGTH
    for name, (low, high) in (("height", rules.HEIGHT_CM_RANGE),
                              ("weight", rules.WEIGHT_KG_RANGE)):
        assert (props[name]["minimum"], props[name]["maximum"]) == (low, high)
    faults = doc["components"]["schemas"]["Faults"]["properties"]
    assert faults["error_statuses"]["items"]["enum"] == list(ERROR_STATUSES)
    assert faults["group_errors"]["additionalProperties"]["enum"] == list(GROUP_ERROR_STATUSES)
    assert (faults["rate_limit"]["minimum"], faults["rate_limit"]["maximum"]) == RATE_LIMIT_RANGE
    responses = doc["paths"]["/api/v1/profiles"]["post"]["responses"]
    assert set(responses) == {"201", "400", "401", "403", "404", "413", "421", "429", "431",
                              "500", "502", "503", "504"}
    for status in ("401", "429"):
        assert "ASSUMPTION" in responses[status]["description"]
    assert "ASSUMPTION" in doc["components"]["schemas"]["Error"]["description"]
    for path, item in doc["paths"].items():
        if path != "/api/v1/profiles":
            for operation in item.values():
                assert operation["tags"] == ["sandbox-only"]
                assert "security" not in operation


def _strings(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for value in node.values() for text in _strings(value)]
    if isinstance(node, list):
        return [text for value in node for text in _strings(value)]
    return []


def test_document_cites_only_files_in_the_repository() -> None:
    cited = {
        match.group(0)
        for text in _strings(document())
        for match in re.finditer(r"[\w./-]+\.(?:md|json|toml|txt|py|csv|xlsx)\b", text)
        if not match.group(0).startswith("/")  # served paths: /openapi.json
    }
    missing = sorted(path for path in cited if not (ROOT / path).exists())
    assert missing == []


def test_document_states_the_limits_in_force() -> None:
    text = document()["info"]["description"]
    limits = Limits()
    assert limits.profile_body_bytes == 1024 * 1024
    assert "1 MiB" in text
    assert f"deeper than {limits.max_json_depth}" in text
    assert f"{limits.request_timeout:g} seconds" in text
    assert f"{limits.max_head_bytes // 1024} KiB" in text
    faults_post = document()["paths"]["/_sandbox/faults"]["post"]["responses"]
    assert {"401", "403", "413", "415", "421"} <= set(faults_post)
    assert f"{limits.faults_body_bytes // 1024} KiB" in faults_post["413"]["description"]


# --- the sandbox takes every row the client's pandera schema calls valid -----------------

_text = st.text(min_size=0, max_size=rules.MAX_TEXT_LENGTH + 5)
_printable: st.SearchStrategy[str] = st.characters(categories=("L", "M", "N", "P", "S"))
_name_char = st.one_of(_printable, st.just(" "))
_letter: st.SearchStrategy[str] = st.characters(categories=["L"])
#: names as the client's schema takes them: printable, at least one letter
_clean_text = st.builds(
    lambda letter, rest: letter + rest,
    _letter,
    st.text(_name_char, max_size=rules.MAX_TEXT_LENGTH - 1),
)


_VALID: dict[str, st.SearchStrategy[Any]] = {
    "first_name": _clean_text,
    "last_name": _clean_text,
    "sex": st.sampled_from([1, 2, None]),
    "date_of_birth": st.one_of(
        # in the past: today itself is refused on both sides ("must be a date in the past")
        st.none(), st.dates(dt.date(1900, 1, 1), TODAY - dt.timedelta(days=1)).map(
            dt.date.isoformat
        ),
    ),
    "profile_group_slug": st.from_regex(rules.GROUP_SLUG_RE, fullmatch=True).filter(
        lambda slug: len(slug) <= rules.MAX_TEXT_LENGTH
    ),
    "email": st.one_of(st.none(), st.emails()),
    "phone": st.one_of(st.none(), st.from_regex(rules.E164_RE, fullmatch=True)),
    "height": st.one_of(st.none(), st.floats(30, 260)),
    "weight": st.one_of(st.none(), st.floats(1, 400)),
    "language": st.sampled_from([*rules.LANGUAGES, None]),
}
_ANY: dict[str, st.SearchStrategy[Any]] = {
    "first_name": st.one_of(st.none(), _text),
    "last_name": st.one_of(st.none(), _text),
    "sex": st.integers(-1, 4),
    "date_of_birth": st.one_of(
        st.dates(dt.date(1900, 1, 1), dt.date(2030, 1, 1)).map(dt.date.isoformat),
        st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
    ),
    "profile_group_slug": st.one_of(st.none(), _text),
    "email": _text,
    "phone": st.one_of(st.from_regex(r"\A\+[0-9]{1,16}\Z"), _text),
    "height": st.floats(-10, 400),
    "weight": st.floats(-10, 500),
    "language": st.sampled_from(["sv", "EN", ""]),
}
_valid_rows = st.fixed_dictionaries(_VALID)
_rows = st.fixed_dictionaries(
    {name: st.one_of(_VALID[name], _ANY[name]) for name in rules.API_FIELDS}
)
_VALIDATOR = ProfileValidator(TODAY)


def _is_calendar_date(text: object) -> bool:
    try:
        dt.date.fromisoformat(str(text))
    except ValueError:
        return False
    return True


def _check_agreement(row: dict[str, Any]) -> bool:
    """Assert the sandbox accepts ``row`` when the client's schema does; True if it did."""
    frame = frame_from_columns([2], {name: [value] for name, value in row.items()})
    client_problems = _VALIDATOR.problems(frame, {name: name for name in rules.API_FIELDS})
    profile, problems = validate_profile(row, TODAY)
    if client_problems or not (
        row["date_of_birth"] is None or _is_calendar_date(row["date_of_birth"])
    ):  # (calendar validity is normalisation's job on the client side)
        return False
    assert problems == {}
    assert profile["language"] == (row["language"] or "en")
    return True


@given(_rows)
@settings(max_examples=100, deadline=None)
def test_a_row_the_dry_run_calls_valid_is_accepted(row: dict[str, Any]) -> None:
    _check_agreement(row)


@given(_valid_rows)
@settings(max_examples=100, deadline=None)
def test_valid_rows_are_valid_on_both_sides(row: dict[str, Any]) -> None:
    assert _check_agreement(row)
