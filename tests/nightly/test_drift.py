"""The header-drift alarm: renamed, gone, new, required missing; never a patient's row."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from aniva_import.mapping import MappingFile
from aniva_import.nightly import Drift, compare, read_headers
from aniva_import.nightly.drift import header_set

BASE = ("Vorname", "Nachname", "Geburtsdatum", "Telefon", "Bemerkung")


def drift_of(current: tuple[str, ...], previous: tuple[str, ...] | None = BASE,
             group: str | None = "demo-clinic",
             mapping: MappingFile | None = None) -> Drift | None:
    return compare(previous, "20261124T020000Z-export.csv", header_set(current, mapping),
                   mapping=mapping, group=group)


def test_the_same_headers_in_another_order_or_spelling_are_no_drift() -> None:
    assert drift_of(BASE) is None
    assert drift_of(tuple(reversed(BASE))) is None
    assert drift_of(("vorname ", "NACHNAME", "Geburts-Datum", "telefon", "bemerkung")) is None


def test_a_header_renamed_to_another_name_for_the_same_field() -> None:
    drift = drift_of(("Vorname", "Nachname", "Geburtsdatum", "Handy", "Bemerkung"))
    assert drift is not None
    assert [(r.field, r.before, r.after) for r in drift.renamed] == [("phone", "Telefon",
                                                                      "Handy")]
    assert drift.added == drift.removed == drift.fields_lost == ()
    assert drift.previous == "20261124T020000Z-export.csv"
    assert drift.to_json()["renamed"] == [{"field": "phone", "from": "Telefon", "to": "Handy"}]


def test_a_header_renamed_to_something_unknown_loses_the_field() -> None:
    drift = drift_of(("Vorname", "Nachname", "Geburtsdatum", "Tel. privat", "Bemerkung"))
    assert drift is not None
    assert drift.removed == ("Telefon",)
    assert drift.added == ("Tel. privat",)
    assert drift.fields_lost == ("phone",)
    assert drift.renamed == ()
    assert drift.required_missing == ()


def test_new_and_gone_columns() -> None:
    drift = drift_of(("Vorname", "Nachname", "Geburtsdatum", "Telefon", "E-Mail", "Station"))
    assert drift is not None
    assert drift.added == ("E-Mail", "Station")
    assert drift.removed == ("Bemerkung",)
    assert drift.fields_lost == ()


def test_a_required_column_missing_is_reported_even_without_a_baseline() -> None:
    drift = drift_of(("Vorname", "Geburtsdatum"), previous=None)
    assert drift is not None
    assert drift.required_missing == ("last_name",)
    assert drift_of(("Vorname", "Nachname"), previous=None) is None  # the first file
    no_group = drift_of(("Vorname", "Nachname"), previous=None, group=None)
    assert no_group is not None
    assert no_group.required_missing == ("profile_group_slug",)


def test_a_first_row_that_names_no_known_column_is_never_reported() -> None:
    patient_row = ("Maria", "Schmidt", "22.03.1985", "030 1234567")
    drift = drift_of(patient_row)
    assert drift is not None
    assert drift.recognised is False
    document = drift.to_json()
    assert document["added"] == document["removed"] == []
    assert "Maria" not in str(document)


def test_a_mapping_names_headers_the_aliases_do_not_know() -> None:
    mapping = MappingFile(path=Path("m.toml"), columns={"first_name": "Pt First",
                                                        "last_name": "Pt Last"})
    previous = ("Pt First", "Pt Last")
    assert drift_of(previous, previous=previous, mapping=mapping) is None
    drift = drift_of(("Pt First", "Surname"), previous=previous, mapping=None)
    assert drift is not None
    assert drift.removed == ("Pt Last",)


def test_headers_are_read_without_reading_a_row(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Vorname;Nachname;Telefon\nMaria;Schmidt;030 1\n", encoding="utf-8")
    found = read_headers(path, sheet=None, mapping=None)
    assert found.headers == ("Vorname", "Nachname", "Telefon")
    assert found.fields == {"first_name": "Vorname", "last_name": "Nachname",
                            "phone": "Telefon"}
    assert found.recognised


headers = st.lists(st.sampled_from((*BASE, "Handy", "E-Mail", "Station", "Größe")),
                   min_size=1, max_size=7, unique=True).map(tuple)


@given(headers)
def test_a_file_never_drifts_from_its_own_headers(current: tuple[str, ...]) -> None:
    drift = drift_of(current, previous=current)
    assert drift is None or drift.required_missing  # only what is missing in both


@given(headers, headers)
def test_what_is_added_and_removed_are_the_difference(
    previous: tuple[str, ...], current: tuple[str, ...]
) -> None:
    drift = drift_of(current, previous=previous)
    if drift is None or not drift.recognised:
        return
    renamed = {r.before for r in drift.renamed} | {r.after for r in drift.renamed}
    assert set(drift.added) == set(current) - set(previous) - renamed
    assert set(drift.removed) == set(previous) - set(current) - renamed
