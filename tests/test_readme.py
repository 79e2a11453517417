"""The README's promises that can drift: its table of problem codes is the catalogue."""

from __future__ import annotations

import re

from aniva_import.problems import ProblemCode
from tests.conftest import ROOT


def test_the_readme_lists_every_problem_code_with_its_description() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("<!-- problem-codes:", 1)[1].split("<!-- /problem-codes -->", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", block, re.M)
    assert rows == [(code.value, code.description) for code in ProblemCode]


def test_every_code_is_snake_case_and_unique() -> None:
    values = [code.value for code in ProblemCode]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", value) for value in values)
