"""The sandbox against its own OpenAPI document (schemathesis), over real HTTP.

With faults off it never answers 5xx, and every response matches the document:
status code, content type, headers and body schema.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from aniva_import import testing
from aniva_import.sandbox import DEMO_FULL_KEY
from aniva_import.testing import SandboxServer

sandbox_session = testing.sandbox_session
sandbox = testing.sandbox

DOCUMENT: dict[str, Any] = json.loads(
    resources.files("aniva_import").joinpath("data/openapi.json").read_text(encoding="utf-8")
)
schema = schemathesis.openapi.from_dict(DOCUMENT)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@schema.parametrize()
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
def test_conforms_to_its_openapi_document(case: Any, sandbox: SandboxServer) -> None:
    case.call_and_validate(
        base_url=sandbox.root_url,
        headers={"x-api-key": DEMO_FULL_KEY},
        checks=CHECKS,
    )
