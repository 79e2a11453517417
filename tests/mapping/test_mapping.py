"""Header recognition and mapping files."""

from __future__ import annotations

from pathlib import Path

import pytest

from aniva_import.errors import MappingError
from aniva_import.mapping import (
    Aliases,
    header_key,
    load_mapping_file,
    map_columns,
    require_columns,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("Vorname", "first_name"),
        ("Nachname", "last_name"),
        ("Geburtsdatum", "date_of_birth"),
        ("Geschlecht", "sex"),
        ("E-Mail", "email"),
        ("Telefon", "phone"),
        ("Handy", "phone"),
        ("Größe (cm)", "height"),
        ("Groesse", "height"),
        ("Gewicht", "weight"),
        ("Gewicht in kg", "weight"),
        ("Sprache", "language"),
        ("Etunimi", "first_name"),
        ("Sukunimi", "last_name"),
        ("Syntymäaika", "date_of_birth"),
        ("SYNTYMAAIKA", "date_of_birth"),
        ("Sukupuoli", "sex"),
        ("Sähköposti", "email"),
        ("Puhelin", "phone"),
        ("Pituus", "height"),
        ("Paino", "weight"),
        ("Kieli", "language"),
        ("First Name", "first_name"),
        ("first_name", "first_name"),
        ("  FIRST-NAME ", "first_name"),
        ("DOB", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Date of Birth", "date_of_birth"),
        ("Gender", "sex"),
        ("Mobile", "phone"),
        ("Profile Group", "profile_group_slug"),
        ("profile_group_slug", "profile_group_slug"),
        ("Height [cm]", "height"),
        ("Weight_kg", "weight"),
    ],
)
def test_builtin_aliases_recognise_headers(header: str, field: str) -> None:
    columns = map_columns((header,))
    assert columns.positions == {field: 0}
    assert columns.unknown == ()


def test_unit_stripping_needs_a_separator() -> None:
    # "Datum" must not lose its "m" and "Form" is not "For": unknown, not mis-mapped
    columns = map_columns(("Datum", "Form", "Zimmer"))
    assert columns.positions == {}
    assert columns.unknown == ("Datum", "Form", "Zimmer")


def test_header_key_folds_case_space_punctuation_and_accents() -> None:
    assert header_key("Größe (cm)") == "grossecm"
    assert header_key("Syntymä-aika") == header_key("syntymaaika")
    assert header_key("E-Mail") == header_key("email") == header_key("E MAIL")


def test_unknown_columns_are_listed_and_kept_in_order() -> None:
    columns = map_columns(("Vorname", "Versichertennr.", "Nachname", "Notiz", ""))
    assert columns.positions == {"first_name": 0, "last_name": 2}
    assert columns.unknown == ("Versichertennr.", "Notiz")


def test_file_language_follows_the_majority_of_headers() -> None:
    finnish = map_columns(("Etunimi", "Sukunimi", "Sukupuoli", "Email"))
    german = map_columns(("Vorname", "Nachname", "Geschlecht"))
    english = map_columns(("First name", "Last name", "Sex"))
    tied = map_columns(("Etunimi", "Last name"))
    assert finnish.file_language == "fi"
    assert german.file_language == "de"
    assert english.file_language == "en"
    assert tied.file_language is None


def test_two_columns_for_one_field_is_refused_with_both_named() -> None:
    with pytest.raises(MappingError) as caught:
        map_columns(("Telefon", "Tel.", "Vorname"), source="kunden.csv")
    message = str(caught.value)
    assert "kunden.csv" in message
    assert "A ('Telefon')" in message
    assert "B ('Tel.')" in message
    assert "--phone-column NAME" in message
    with pytest.raises(MappingError, match="--mapping"):
        map_columns(("Vorname", "First name"), source="kunden.csv")


@pytest.mark.parametrize("headers", [("Telefon", "Mobil", "Vorname"), ("Handy", "Tel.", "Name"),
                                     ("Puhelin", "Matkapuhelin", "Etunimi")])
def test_a_mobile_and_a_landline_column_take_the_mobile_first(headers: tuple[str, ...]) -> None:
    columns = map_columns(headers)
    mobile = next(i for i, h in enumerate(headers) if h in ("Mobil", "Handy", "Matkapuhelin"))
    landline = next(i for i in (0, 1) if i != mobile)
    assert columns.positions["phone"] == mobile
    assert columns.fallbacks == {"phone": landline}
    assert headers[landline] not in columns.unknown


def test_phone_column_chooses_one_and_keeps_the_other_as_an_unknown_column() -> None:
    columns = map_columns(("Telefon", "Mobil", "Vorname"), phone_column="telefon")
    assert columns.positions["phone"] == 0
    assert columns.fallbacks == {}
    assert columns.unknown == ("Mobil",)
    with pytest.raises(MappingError, match="--phone-column: there is no column 'Fax'"):
        map_columns(("Telefon", "Vorname"), phone_column="Fax")


def test_required_columns_missing_lists_them_and_the_headers_found() -> None:
    columns = map_columns(("Vorname", "Telefon"))
    with pytest.raises(MappingError) as caught:
        require_columns(columns, default_group=None, source="x.csv")
    message = str(caught.value)
    assert "last name" in message
    assert "profile group" in message
    assert "'Vorname', 'Telefon'" in message
    assert "--group" in message


def test_a_default_group_replaces_the_group_column() -> None:
    columns = map_columns(("Vorname", "Nachname"))
    require_columns(columns, default_group="demo-clinic", source="x.csv")


def test_mapping_file_names_columns_and_conventions(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(
        '[columns]\nfirst_name = "Pt First"\nlast_name = "pt last"\n'
        '[conventions]\ndate_order = "MDY"\ndecimal = ","\nphone_region = "us"\n'
        'group = "demo-clinic"\nsheet = "Data"\nlanguage = "fi"\n',
        encoding="utf-8",
    )
    mapping = load_mapping_file(path)
    assert mapping.phone_region == "US"
    assert (mapping.date_order, mapping.decimal, mapping.group, mapping.sheet) == (
        "MDY", ",", "demo-clinic", "Data",
    )
    columns = map_columns(("PT LAST", "Pt First", "Notes", "Vorname"), mapping=mapping)
    # explicit names win; an alias for an explicitly mapped field is just unknown
    assert columns.positions == {"first_name": 1, "last_name": 0}
    assert columns.unknown == ("Notes", "Vorname")
    assert columns.file_language == "fi"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[columns\n", "not valid TOML"),
        ("[columns]\nbirthday = \"DOB\"\n", "unknown field 'birthday'"),
        ("[conventions]\ndate_order = \"DM\"\n", "date_order must be one of DMY, MDY, YMD"),
        ("[conventions]\ndecimal = \";\"\n", "decimal must be one of"),
        ("[conventions]\nphone_region = \"Germany\"\n", "two-letter country code"),
        ("[conventions]\ncolour = \"red\"\n", "unknown setting(s) colour"),
        ("[colums]\n", "unknown section(s) colums"),
        ("[columns]\nfirst_name = 3\n", "must be a column header"),
    ],
)
def test_bad_mapping_files_name_the_file_and_the_problem(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        load_mapping_file(path)
    assert str(path) in str(caught.value)
    assert expected in str(caught.value)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping_file(tmp_path / "nope.toml")


def test_mapped_header_not_in_file_lists_headers_found(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[columns]\nfirst_name = "Given"\n', encoding="utf-8")
    with pytest.raises(MappingError) as caught:
        map_columns(("Vorname", "Nachname"), mapping=load_mapping_file(path), source="p.csv")
    assert "'Given'" in str(caught.value)
    assert "'Vorname', 'Nachname'" in str(caught.value)


def test_results_file_columns_are_skipped_when_read_back() -> None:
    columns = map_columns(("row", "status", "profile_id", "errors", "Vorname", "Nachname"))
    assert columns.is_results_file
    assert columns.skipped == (0, 1, 2, 3)
    assert columns.positions == {"first_name": 4, "last_name": 5}
    assert columns.unknown == ()


def test_alias_file_in_schemas_is_the_packaged_one() -> None:
    packaged = ROOT / "src" / "aniva_import" / "data" / "header-aliases.toml"
    assert (ROOT / "schemas" / "header-aliases.toml").read_bytes() == packaged.read_bytes()


def test_alias_file_rejects_an_alias_for_two_fields() -> None:
    text = '[fields.first_name]\nen = ["name"]\n[fields.last_name]\nde = ["Name"]\n'
    with pytest.raises(ValueError, match="names both"):
        Aliases.from_toml(text)
