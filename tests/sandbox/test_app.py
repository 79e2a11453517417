"""The sandbox's profiles endpoint over real HTTP: every status code and the 201 body."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from aniva_import import rules, testing
from aniva_import.errors import ConfigError
from aniva_import.sandbox import (
    DEMO_FULL_KEY,
    DEMO_NOSCOPE_KEY,
    Clock,
    SandboxConfig,
    SandboxKey,
    config_from_mapping,
    default_config,
    load_config,
)
from aniva_import.testing import SandboxServer, running_sandbox

sandbox_session = testing.sandbox_session  # the shipped fixtures
sandbox = testing.sandbox

MARIA: dict[str, Any] = {
    "first_name": "Maria",
    "last_name": "Schmidt",
    "sex": 2,
    "date_of_birth": "1985-03-22",
    "profile_group_slug": "acme-clinic-berlin",
    "email": "maria.schmidt@example.com",
    "phone": "+4930123456789",
    "height": 168,
    "weight": 65,
    "language": "de",
}
RESPONSE_FIELDS = {
    "id", "handle", "first_name", "last_name", "email", "phone",
    "sex", "date_of_birth", "height", "weight", "language",
}


def post(
    server: SandboxServer, body: object, key: str | None = DEMO_FULL_KEY, **kwargs: Any
) -> httpx.Response:
    headers = {} if key is None else {"x-api-key": key}
    headers.update(kwargs.pop("headers", {}))
    return server.http.post("/api/v1/profiles", json=body, headers=headers, **kwargs)


def test_documented_example_is_created(sandbox: SandboxServer) -> None:
    response = post(sandbox, MARIA)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == RESPONSE_FIELDS
    assert uuid.UUID(body["id"]).version == 4
    assert body["handle"] is None
    assert {k: body[k] for k in MARIA if k != "profile_group_slug"} == {
        k: v for k, v in MARIA.items() if k != "profile_group_slug"
    }
    stored = sandbox.profiles()
    assert stored == [{**body, "profile_group_slug": "acme-clinic-berlin"}]


def test_minimal_body_defaults_language_and_nulls(sandbox: SandboxServer) -> None:
    response = post(sandbox, {"first_name": "A", "last_name": "B",
                              "profile_group_slug": "demo-clinic", "email": None})
    assert response.status_code == 201
    body = response.json()
    assert body["language"] == "en"
    for name in ("email", "phone", "sex", "date_of_birth", "height", "weight", "handle"):
        assert body[name] is None


def test_every_create_gets_a_fresh_id(sandbox: SandboxServer) -> None:
    ids = {post(sandbox, MARIA).json()["id"] for _ in range(5)}
    assert len(ids) == 5
    stats = sandbox.stats()
    assert stats["created"] == stats["stored"] == 5
    assert stats["by_status"] == {"201": 5}


def test_decimal_height_and_weight_accepted(sandbox: SandboxServer) -> None:
    response = post(sandbox, {**MARIA, "height": 168.5, "weight": 65.25})
    assert response.status_code == 201
    assert response.json()["height"] == 168.5


def test_height_and_weight_bounds_are_the_tools_own(sandbox: SandboxServer) -> None:
    (low_h, high_h), (low_w, high_w) = rules.HEIGHT_CM_RANGE, rules.WEIGHT_KG_RANGE
    for height, weight in ((low_h, low_w), (high_h, high_w)):
        assert post(sandbox, {**MARIA, "height": height, "weight": weight}).status_code == 201
    response = post(sandbox, {**MARIA, "height": 2000})
    assert response.json()["fields"]["height"] == (
        f"must be a number of centimetres from {low_h:g} to {high_h:g}"
    )


def test_root_points_to_the_api_the_inspection_endpoints_and_the_document(
    sandbox: SandboxServer,
) -> None:
    response = sandbox.http.get("/")
    assert response.status_code == 200
    body = response.json()
    assert body["service"] == "aniva-import sandbox"
    assert body["base_url"] == sandbox.base_url
    assert body["openapi"] == f"{sandbox.root_url}/openapi.json"
    assert sandbox.http.get(body["openapi"]).status_code == 200
    for path in ("/_sandbox/profiles", "/_sandbox/stats", "/_sandbox/faults", "/_sandbox/reset",
                 "/api/v1/profiles"):
        assert any(path in endpoint for endpoint in body["endpoints"]), path
    for endpoint in body["endpoints"]:
        method, url = endpoint.split(" ")
        if method == "GET":
            assert sandbox.http.get(url).status_code == 200, url
    served = sandbox.http.get("/", headers={"host": f"localhost:{sandbox.port}"}).json()
    assert served["base_url"] == f"http://localhost:{sandbox.port}/api/v1"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"first_name": None}, "first_name"),
        ({"last_name": 5}, "last_name"),
        ({"first_name": "x" * (rules.MAX_TEXT_LENGTH + 1)}, "first_name"),
        ({"last_name": "a\nb"}, "last_name"),
        ({"profile_group_slug": None}, "profile_group_slug"),
        ({"profile_group_slug": "Acme Clinic"}, "profile_group_slug"),
        ({"sex": 3}, "sex"),
        ({"sex": 0}, "sex"),
        ({"sex": "2"}, "sex"),
        ({"sex": True}, "sex"),
        ({"sex": 1.5}, "sex"),
        ({"date_of_birth": "22.03.1985"}, "date_of_birth"),
        ({"date_of_birth": "1985-02-30"}, "date_of_birth"),
        ({"date_of_birth": "2999-01-01"}, "date_of_birth"),
        ({"date_of_birth": 19850322}, "date_of_birth"),
        ({"phone": "030 123456"}, "phone"),
        ({"phone": "+49 30 123456"}, "phone"),
        ({"phone": "+0301234567"}, "phone"),
        ({"phone": 4930123456}, "phone"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@" + "b" * rules.MAX_EMAIL_LENGTH + ".de"}, "email"),
        ({"height": "168"}, "height"),
        ({"height": True}, "height"),
        ({"height": 0}, "height"),
        ({"height": 2000}, "height"),
        ({"height": rules.HEIGHT_CM_RANGE[1] + 0.01}, "height"),
        ({"height": rules.HEIGHT_CM_RANGE[0] - 0.01}, "height"),
        ({"weight": -65}, "weight"),
        ({"weight": rules.WEIGHT_KG_RANGE[1] + 1}, "weight"),
        ({"weight": 0.5}, "weight"),
        ({"weight": [65]}, "weight"),
        ({"language": "sv"}, "language"),
        ({"language": "DE"}, "language"),
        ({"language": 1}, "language"),
        ({"nickname": "Mia"}, "nickname"),
    ],
)
def test_validation_400_names_the_field(
    sandbox: SandboxServer, change: dict[str, Any], field: str
) -> None:
    response = post(sandbox, {**MARIA, **change})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "validation_error"
    assert set(body["fields"]) == {field}
    assert field in body["message"]
    assert sandbox.profiles() == []


def test_validation_reports_every_bad_field_without_values(sandbox: SandboxServer) -> None:
    response = post(sandbox, {**MARIA, "sex": 3, "phone": "0301234", "language": "sv",
                              "last_name": None})
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"sex", "phone", "language", "last_name"}
    assert "0301234" not in response.text


def test_missing_required_fields(sandbox: SandboxServer) -> None:
    response = post(sandbox, {})
    assert response.status_code == 400
    assert set(response.json()["fields"]) == set(rules.REQUIRED_FIELDS)


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"text"', "application/json"),
        (b'{"height": NaN}', "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"first_name": "A"}', "text/plain"),
    ],
)
def test_body_that_is_not_a_json_object_is_400(
    sandbox: SandboxServer, content: bytes, content_type: str
) -> None:
    response = sandbox.http.post("/api/v1/profiles", content=content,
                          headers={"x-api-key": DEMO_FULL_KEY, "content-type": content_type})
    assert response.status_code == 400
    assert response.json()["error"] == "validation_error"


def test_401_missing_and_unknown_key(sandbox: SandboxServer) -> None:
    for key in (None, "", "not-a-key", DEMO_FULL_KEY.upper()):
        response = post(sandbox, MARIA, key=key)
        assert response.status_code == 401
        assert response.json()["error"] == "unauthorized"
        if key:
            assert key not in response.text


def test_403_key_without_create_user(sandbox: SandboxServer) -> None:
    response = post(sandbox, MARIA, key=DEMO_NOSCOPE_KEY)
    assert response.status_code == 403
    assert "CREATE_USER" in response.json()["message"]


def test_403_group_outside_the_access_context(sandbox: SandboxServer) -> None:
    response = post(sandbox, {**MARIA, "profile_group_slug": "other-org-clinic"})
    assert response.status_code == 403
    assert "access context" in response.json()["message"]


def test_404_unknown_group(sandbox: SandboxServer) -> None:
    response = post(sandbox, {**MARIA, "profile_group_slug": "no-such-clinic"})
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_every_demo_group_in_context_is_accepted(sandbox: SandboxServer) -> None:
    for slug in ("demo-clinic", "acme-clinic-berlin", "helsinki-health"):
        assert post(sandbox, {**MARIA, "profile_group_slug": slug}).status_code == 201


def test_order_of_checks(sandbox: SandboxServer) -> None:
    bad = {**MARIA, "sex": 3, "profile_group_slug": "no-such-clinic"}
    assert post(sandbox, bad, key="nope").status_code == 401
    assert post(sandbox, bad, key=DEMO_NOSCOPE_KEY).status_code == 403
    assert post(sandbox, bad).status_code == 400
    outside_bad = {**MARIA, "sex": 3, "profile_group_slug": "other-org-clinic"}
    assert post(sandbox, outside_bad).status_code == 400
    stats = sandbox.stats()
    assert stats["requests"] == 4
    assert stats["by_status"] == {"400": 2, "401": 1, "403": 1}


def test_date_of_birth_today_is_not_in_the_past() -> None:
    today = dt.date(2024, 6, 1)
    with running_sandbox(clock=Clock(today=lambda: today)) as server:
        assert post(server, {**MARIA, "date_of_birth": "2024-06-01"}).status_code == 400
        assert post(server, {**MARIA, "date_of_birth": "2024-05-31"}).status_code == 201


def test_unknown_paths_and_methods_answer_json(sandbox: SandboxServer) -> None:
    response = sandbox.http.get("/api/v1/profiles")
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    response = sandbox.http.get("/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_reset_forgets_profiles_and_counters(sandbox: SandboxServer) -> None:
    post(sandbox, MARIA)
    sandbox.reset()
    assert sandbox.profiles() == []
    assert sandbox.stats()["requests"] == 0


def test_sqlite_store_persists_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.sqlite"
    with running_sandbox(store_path=path) as server:
        created = post(server, MARIA).json()
    assert path.stat().st_mode & 0o077 == 0
    with running_sandbox(store_path=path) as server:
        profiles = server.profiles()
        assert [p["id"] for p in profiles] == [created["id"]]
        assert server.stats()["stored"] == 1
        assert server.stats()["created"] == 0


def test_custom_config_replaces_the_demo_keys() -> None:
    config = SandboxConfig(
        keys=(SandboxKey(key="k1", name="one", scopes=frozenset({"CREATE_USER"}),
                         groups=frozenset({"a-clinic"})),),
        groups=frozenset({"a-clinic", "b-clinic"}),
    )
    with running_sandbox(config) as server:
        body = {**MARIA, "profile_group_slug": "a-clinic"}
        assert post(server, body, key="k1").status_code == 201
        assert post(server, body, key=DEMO_FULL_KEY).status_code == 401
        assert post(server, {**body, "profile_group_slug": "b-clinic"}, key="k1").status_code == 403
        assert post(server, {**body, "profile_group_slug": "demo-clinic"},
                    key="k1").status_code == 404


def test_default_config_is_the_product_contract() -> None:
    config = default_config()
    keys = config.lookup()
    assert set(keys) == {"sandbox-full-key", "sandbox-noscope-key"}
    assert keys["sandbox-full-key"].can_create
    assert not keys["sandbox-noscope-key"].can_create
    assert keys["sandbox-full-key"].groups == {"demo-clinic", "acme-clinic-berlin",
                                               "helsinki-health"}
    assert "other-org-clinic" in config.groups
    assert "sandbox-full-key" not in repr(config)


def test_load_config_toml(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.toml"
    path.write_text(
        'groups = ["a-clinic", "b-clinic"]\n'
        '[[keys]]\nkey = "k1"\nname = "one"\nscopes = ["CREATE_USER"]\ngroups = ["a-clinic"]\n'
        '[[keys]]\nkey = "k2"\n',
        encoding="utf-8",
    )
    config = load_config(path)
    assert config.source == str(path)
    assert not config.demo
    assert [k.name for k in config.keys] == ["one", "key 2"]
    assert config.lookup()["k2"].scopes == frozenset()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("groups = [", "not valid TOML"),
        ('groups = ["a"]\n', "[[keys]]"),
        ('groups = ["a"]\n[[keys]]\nkey = "k"\ngroups = ["b"]\n', "not in `groups`"),
        ('groups = ["A B"]\n[[keys]]\nkey = "k"\n', "not a group slug"),
        ('colour = "red"\n[[keys]]\nkey = "k"\n', "unknown setting"),
        ('[[keys]]\nkey = "k"\n[[keys]]\nkey = "k"\n', "listed twice"),
        ('[[keys]]\nkey = ""\n', "non-empty"),
    ],
)
def test_bad_config_names_file_and_problem(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value)
    assert problem in str(caught.value)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


def test_config_from_mapping_keys_required() -> None:
    with pytest.raises(ValueError, match="keys"):
        config_from_mapping({"groups": []})
