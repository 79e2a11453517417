"""The configuration file: every problem named by its key, before anything is touched."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from aniva_import.errors import ConfigError
from aniva_import.nightly import DEFAULT_PATTERNS, load_config, read_api_key_file
from aniva_import.settings import ApiKey


def config(tmp_path: Path, text: str, *, folders: tuple[str, ...] = ("in",)) -> Path:
    for name in folders:
        (tmp_path / name).mkdir(exist_ok=True)
    path = tmp_path / "nightly.toml"
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = '[[inbox]]\nname = "berlin"\nfolder = "in"\n'


def problem(tmp_path: Path, text: str, **kw: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(config(tmp_path, text, **kw))  # type: ignore[arg-type]
    return str(caught.value)


def test_the_example_of_the_product_document_loads(tmp_path: Path) -> None:
    (tmp_path / "berlin-mapping.toml").write_text('[columns]\nfirst_name = "Vorname"\n',
                                                  encoding="utf-8")
    path = config(tmp_path, f'''
[api]
url = "https://anivahealth.com/api/v1"
key_file = "/etc/aniva-import/api-key"
rate = 10
concurrency = 4

[[inbox]]
name = "berlin"
folder = "{tmp_path / 'in'}"
patterns = ["*.csv", "*.xlsx"]
group = "acme-clinic-berlin"
phone_region = "de"
mapping = "berlin-mapping.toml"
''')
    loaded = load_config(path)
    assert loaded.api.url == "https://anivahealth.com/api/v1"
    assert loaded.api.key_file == Path("/etc/aniva-import/api-key")
    assert loaded.api.rate == 10.0
    assert loaded.api.concurrency == 4
    (inbox,) = loaded.inboxes
    assert inbox.folder == tmp_path / "in"
    assert inbox.patterns == ("*.csv", "*.xlsx")
    assert inbox.phone_region == "DE"
    assert inbox.mapping == tmp_path / "berlin-mapping.toml"  # relative to the file


def test_defaults(tmp_path: Path) -> None:
    loaded = load_config(config(tmp_path, MINIMAL))
    assert loaded.api.url is None
    assert loaded.api.key_file is None
    (inbox,) = loaded.inboxes
    assert inbox.folder == tmp_path / "in"
    assert inbox.patterns == DEFAULT_PATTERNS
    assert "*.ods" in inbox.patterns
    assert inbox.settle_seconds == 5.0


def test_job_settle_seconds_is_the_default_an_inbox_can_override(tmp_path: Path) -> None:
    loaded = load_config(config(
        tmp_path, '[job]\nsettle_seconds = 2\nworkers = 1\n' + MINIMAL
        + '[[inbox]]\nname = "b"\nfolder = "b"\nsettle_seconds = 0\n', folders=("in", "b")))
    assert [i.settle_seconds for i in loaded.inboxes] == [2.0, 0.0]
    assert loaded.workers == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[api]\nrate = "fast"\n' + MINIMAL, "[api] rate must be a number."),
        ('[api]\nrate = 0\n' + MINIMAL, "[api] rate must be more than 0."),
        ('[api]\nconcurrency = true\n' + MINIMAL, "[api] concurrency must be a whole number."),
        ('[api]\nconcurrency = 1.5\n' + MINIMAL, "[api] concurrency must be a whole number."),
        ('[api]\nkey = "x"\n' + MINIMAL, "[api]: key is not a known setting (known: url, "
         "key_file, rate, concurrency)."),
        ('colour = 1\n' + MINIMAL, "the top level: colour is not a known setting"),
        (MINIMAL + 'patterns = "*.csv"\n', "[[inbox]] 1 ('berlin') patterns must be a list"),
        (MINIMAL + 'patterns = ["*.csv", 3]\n', "[[inbox]] 1 ('berlin') patterns[2] must be "
         "text"),
        (MINIMAL + 'patterns = []\n', "[[inbox]] 1 ('berlin') patterns must not be empty."),
        (MINIMAL + 'grup = "x"\n', "[[inbox]] 1 ('berlin'): grup is not a known setting"),
        ('[[inbox]]\nfolder = "in"\n', "[[inbox]] 1 name is required."),
        ('[api]\n', "at least one [[inbox]] table is required."),
        ('inbox = 3\n', "inbox must be written as [[inbox]] tables."),
        ('inbox = []\n', "at least one [[inbox]] table is required."),
        ('[job]\nworkers = 0\n' + MINIMAL, "[job] workers must be 1 or more."),
    ],
)
def test_shape_problems_name_the_key(tmp_path: Path, text: str, expected: str) -> None:
    message = problem(tmp_path, text)
    assert str(tmp_path / "nightly.toml") in message
    assert expected in message


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('group = "Acme Berlin"\n', "group 'Acme Berlin' is not a profile group slug"),
        ('phone_region = "Germany"\n', "phone_region must be a two-letter country code"),
        ('phone_region = "XX"\n', "phone_region must be a two-letter country code"),
        ('mapping = "missing.toml"\n', "mapping: The mapping file"),
        ('patterns = ["sub/*.csv"]\n', "patterns[1] must be a file name pattern"),
        ('sheet = " "\n', "sheet must not be empty."),
    ],
)
def test_value_problems_name_the_inbox_and_key(
    tmp_path: Path, extra: str, expected: str
) -> None:
    message = problem(tmp_path, MINIMAL + extra)
    assert "[[inbox]] 1 ('berlin')" in message
    assert expected in message


def test_every_value_problem_is_listed_at_once(tmp_path: Path) -> None:
    message = problem(tmp_path, '[api]\nurl = "http://example.com/api"\n'
                      '[[inbox]]\nname = "a b"\nfolder = "gone"\ngroup = "X"\n')
    assert "has 4 problems" in message
    assert "[api] url: The API address uses plain http:// to example.com" in message
    assert "name must be 1 to 64 letters" in message
    assert f"folder {tmp_path / 'gone'} does not exist" in message
    assert "group 'X' is not a profile group slug" in message


def test_a_folder_that_is_a_file_or_not_writable(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert "is not a folder" in problem(tmp_path, '[[inbox]]\nname = "a"\nfolder = "file"\n',
                                        folders=())
    read_only = tmp_path / "ro"
    read_only.mkdir()
    read_only.chmod(0o500)
    # root may write anywhere, except into an immutable folder (ext4 and the like)
    immutable = os.geteuid() == 0 and subprocess.run(
        ["chattr", "+i", str(read_only)], capture_output=True, check=False
    ).returncode == 0
    try:
        assert not os.access(read_only, os.W_OK), "no way to make a folder read-only here"
        text = '[[inbox]]\nname = "a"\nfolder = "ro"\n'
        assert "cannot be written" in problem(tmp_path, text, folders=())
        load_config(tmp_path / "nightly.toml", writable=False)  # a dry run changes nothing
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(read_only)], check=True)


def test_two_inboxes_never_share_a_name_or_a_folder(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    message = problem(tmp_path, MINIMAL + MINIMAL
                      + '[[inbox]]\nname = "c"\nfolder = "in/sub"\n')
    assert "name 'berlin' is used twice" in message
    assert "use the same folder" in message
    assert "one folder is inside the other" in message


def test_a_file_that_is_not_toml_or_not_there(tmp_path: Path) -> None:
    assert "is not valid TOML" in problem(tmp_path, "[[inbox]\n")
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="is a folder"):
        load_config(tmp_path)


def test_the_key_file_is_read_once_and_must_be_the_owners_alone(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("  secret-key-1234\n", encoding="utf-8")
    key.chmod(0o600)
    assert read_api_key_file(key) == ApiKey("secret-key-1234")
    for mode in (0o640, 0o604, 0o620):
        key.chmod(mode)
        with pytest.raises(ConfigError) as caught:
            read_api_key_file(key)
        assert f"[api] key_file {key}" in str(caught.value)
        assert f"chmod 600 {key}" in str(caught.value)
        assert "secret" not in str(caught.value)
    key.chmod(0o600)
    key.write_text("\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is empty"):
        read_api_key_file(key)
    with pytest.raises(ConfigError, match="does not exist"):
        read_api_key_file(tmp_path / "missing")
    with pytest.raises(ConfigError, match=r"not a regular file|cannot be read"):
        read_api_key_file(tmp_path)


def test_a_shared_ledger_is_checked_once_and_an_inbox_may_name_its_own(tmp_path: Path) -> None:
    said = problem(tmp_path, (
        '[job]\nledger = "nowhere/ledger.sqlite3"\n'
        '[[inbox]]\nname = "a"\nfolder = "in"\n[[inbox]]\nname = "b"\nfolder = "in2"\n'
    ), folders=("in", "in2"))
    assert said.count("[job] ledger: the folder") == 1
    (tmp_path / "state").mkdir()
    loaded = load_config(config(tmp_path, (
        '[job]\nledger = "state/shared.sqlite3"\n'
        '[[inbox]]\nname = "a"\nfolder = "in"\n'
        '[[inbox]]\nname = "b"\nfolder = "in2"\nledger = "state/b.sqlite3"\n'
    ), folders=("in", "in2")))
    assert [i.ledger for i in loaded.inboxes] == [
        tmp_path / "state" / "shared.sqlite3", tmp_path / "state" / "b.sqlite3"]
