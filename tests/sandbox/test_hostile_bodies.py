"""Bodies and fault settings built to break the sandbox: they get a 4xx naming the
problem, never a 5xx, and every 5xx that does happen is JSON and counted."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Any

import httpx
import pytest

from aniva_import import testing
from aniva_import.sandbox import DEMO_FULL_KEY, ERROR_STATUSES, GROUP_ERROR_STATUSES, Faults
from aniva_import.sandbox._json import dumps, loads, nesting_depth
from aniva_import.testing import SandboxServer

sandbox_session = testing.sandbox_session
sandbox = testing.sandbox

KEY = {"x-api-key": DEMO_FULL_KEY, "content-type": "application/json"}
MARIA: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Schmidt",
    "profile_group_slug": "demo-clinic",
}


def post_raw(server: SandboxServer, content: bytes) -> httpx.Response:
    return server.http.post("/api/v1/profiles", content=content, headers=KEY)


def no_5xx(server: SandboxServer) -> None:
    statuses = server.stats()["by_status"]
    assert not [status for status in statuses if status.startswith("5")], statuses


def test_a_400_digit_height_is_a_field_error(sandbox: SandboxServer) -> None:
    response = post_raw(sandbox, json.dumps({**MARIA, "height": 10**400}).encode())
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"height"}
    response = post_raw(sandbox, json.dumps({**MARIA, "weight": -(10**400)}).encode())
    assert set(response.json()["fields"]) == {"weight"}
    assert sandbox.stats()["by_status"] == {"400": 2}


@pytest.mark.parametrize(
    "field",
    ["first_name", "last_name", "email", "phone", "date_of_birth", "language",
     "profile_group_slug"],
)
def test_a_lone_surrogate_is_refused_never_stored(sandbox: SandboxServer, field: str) -> None:
    body = json.dumps({**MARIA, field: "Ma\ud800ria"})  # json writes it as \ud800
    assert "\\ud800" in body
    response = post_raw(sandbox, body.encode())
    assert response.status_code == 400
    assert response.json()["fields"] == {field: "must be valid Unicode text"}
    listing = sandbox.http.get("/_sandbox/profiles")
    assert listing.status_code == 200
    assert listing.json() == {"count": 0, "profiles": []}
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 201
    no_5xx(sandbox)


def test_an_unknown_field_named_with_a_surrogate_is_reported_readably(
    sandbox: SandboxServer,
) -> None:
    response = post_raw(sandbox, json.dumps({**MARIA, "x\udfff": 1}).encode())
    assert response.status_code == 400
    assert response.json()["fields"] == {"x?": "is not a known field"}
    no_5xx(sandbox)


@pytest.mark.parametrize("depth", [33, 10_000, 200_000])
def test_deeply_nested_json_to_the_faults_endpoint_is_400(
    sandbox: SandboxServer, depth: int
) -> None:
    body = b"[" * depth + b"]" * depth
    if len(body) > 64 * 1024:
        body = b"[" * (32 * 1024)  # unterminated: as deep as the cap allows
    response = sandbox.http.post("/_sandbox/faults", content=body,
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    nested = b'{"error_rate": ' + b"[" * depth + b"]" * depth + b"}"
    if len(nested) <= 64 * 1024:
        response = sandbox.http.post("/_sandbox/faults", content=nested,
                                     headers={"content-type": "application/json"})
        assert response.status_code == 400
    no_5xx(sandbox)


def test_deeply_nested_json_to_the_profiles_endpoint_is_400(sandbox: SandboxServer) -> None:
    depth = 300_000
    body = b'{"first_name": ' + b"[" * depth + b"]" * depth + b"}"
    response = post_raw(sandbox, body)
    assert response.status_code == 400
    assert "deeper" in response.json()["message"]
    no_5xx(sandbox)


def test_brackets_inside_strings_do_not_count_as_nesting(sandbox: SandboxServer) -> None:
    response = post_raw(sandbox, json.dumps({**MARIA, "last_name": "[" * 100 + "{" * 100})
                        .encode())
    assert response.status_code == 201
    assert nesting_depth(b'{"a": "[[[[\\"[[[", "b": [[1]]}') == 3
    assert nesting_depth(b'[[[ "unterminated [[[[') == 3


def test_json_in_and_out_cannot_fail() -> None:
    with pytest.raises(ValueError, match="deeper than 32"):
        loads(b"[" * 33 + b"]" * 33, 32)
    assert loads(b"[" * 32 + b"]" * 32, 32) is not None
    assert json.loads(dumps({"name": "a\ud800b"})) == {"name": "a\ud800b"}
    assert json.loads(dumps({"height": float("nan"), "weight": float("inf")})) == {
        "height": None, "weight": None,
    }
    assert dumps({"name": "Jürgen"}) == '{"name":"Jürgen"}'.encode()


class _BrokenStore:
    """A store that fails the way a full disk would, with data in the message."""

    def add(self, profile: dict[str, object]) -> None:
        raise RuntimeError(f"disk full while writing {profile['first_name']}")

    def list(self) -> list[dict[str, object]]:
        raise RuntimeError("cannot read Maria")

    def count(self) -> int:
        return 0

    def clear(self) -> None:
        pass

    def close(self) -> None:
        pass


def test_an_unexpected_failure_is_a_counted_json_500_and_logs_no_data(
    sandbox: SandboxServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sandbox.state, "store", _BrokenStore())
    with caplog.at_level(logging.ERROR, logger="aniva_import.sandbox"):
        response = post_raw(sandbox, json.dumps(MARIA).encode())
        assert response.status_code == 500
        assert response.json()["error"] == "internal_error"
        listing = sandbox.http.get("/_sandbox/profiles")
        assert listing.status_code == 500
        assert listing.json()["error"] == "internal_error"
    assert sandbox.stats()["by_status"] == {"500": 2}
    logged = caplog.text
    assert "RuntimeError" in logged
    assert "Maria" not in logged
    monkeypatch.undo()
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 201


def test_an_unencodable_stored_profile_is_still_listed(
    sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as an SQLite store written by an older sandbox could hold
    sandbox.state.store.add({"id": "x", "first_name": "\ud800", "profile_group_slug": "a"})
    response = sandbox.http.get("/_sandbox/profiles")
    assert response.status_code == 200
    assert response.json()["profiles"][0]["first_name"] == "\ud800"


# --- fault settings that were accepted, then crashed the sandbox ------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {"error_statuses": [599]},
        {"error_statuses": [509]},
        {"error_statuses": [10**400]},
        {"group_errors": {"demo-clinic": 499}},
        {"group_errors": {"demo-clinic": 200}},
        {"group_errors": {"Not A Slug": 503}},
        {"group_errors": {"x\ud800": 503}},
        {"rate_limit": 1e-320},
        {"rate_limit": 0.001},
        {"rate_limit": 10**400},
        {"rate_limit": 1e7},
        {"latency_ms": 10**400},
    ],
)
def test_fault_settings_that_cannot_be_served_are_refused_when_set(
    sandbox: SandboxServer, settings: dict[str, Any]
) -> None:
    response = sandbox.http.post("/_sandbox/faults", content=json.dumps(settings).encode(),
                                 headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"
    assert sandbox.http.get("/_sandbox/faults").json() == Faults().to_json()
    with pytest.raises(ValueError):
        Faults.from_json(settings)
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 201


def test_every_status_a_fault_may_inject_is_one_python_knows() -> None:
    known = {status.value for status in HTTPStatus}
    assert set(ERROR_STATUSES) <= known
    assert set(GROUP_ERROR_STATUSES) <= known
    assert {s for s in known if 500 <= s <= 599} == set(ERROR_STATUSES)
    assert all(400 <= status <= 599 for status in GROUP_ERROR_STATUSES)


def test_the_extreme_fault_settings_that_are_accepted_are_served(sandbox: SandboxServer) -> None:
    sandbox.set_faults(error_rate=1.0, error_statuses=(511,))
    response = post_raw(sandbox, json.dumps(MARIA).encode())
    assert response.status_code == 511
    assert response.json()["error"] == "network_authentication_required"
    sandbox.set_faults(group_errors={"demo-clinic": 418})
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 418
    sandbox.set_faults(rate_limit=0.01)
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 201
    limited = post_raw(sandbox, json.dumps(MARIA).encode())
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "100"
    sandbox.set_faults(rate_limit=1_000_000)
    assert post_raw(sandbox, json.dumps(MARIA).encode()).status_code == 201
    assert sandbox.stats()["by_status"] == {"201": 2, "418": 1, "429": 1, "511": 1}
