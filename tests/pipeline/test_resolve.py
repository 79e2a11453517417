"""resolve_row as a library: an id that is not a profile id is refused before anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniva_import.errors import ConfigError
from aniva_import.pipeline.resolve import resolve_row
from aniva_import.settings import Settings


@pytest.mark.parametrize("profile_id", [
    '=HYPERLINK("http://evil")', "prof-42", "", "a3f1c2d48b7e4f2a9c1d2e3f4a5b6c7d",
    "a3f1c2d4-8b7e-4f2a-9c1d-2e3f4a5b6c7d; rm",
])
def test_an_id_that_is_not_a_uuid_is_refused_with_exit_2(
    tmp_path: Path, profile_id: str
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("Vorname;Nachname;Profilgruppe\nMaria;Schmidt;demo-clinic\n",
                      encoding="utf-8")
    state = tmp_path / "ledger.sqlite3"
    settings = Settings(input=source, api_url="https://anivahealth.com/api/v1", state=state)
    with pytest.raises(ConfigError, match="UUID") as refused:
        resolve_row(settings, 2, profile_id=profile_id)
    assert refused.value.exit_code == 2
    assert "evil" not in refused.value.message  # the text given is not echoed
    assert not state.exists()  # refused before the ledger was opened
