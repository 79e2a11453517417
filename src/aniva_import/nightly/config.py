"""The nightly configuration: a TOML file of ``[api]``, ``[[inbox]]`` (and ``[job]``) tables.

Everything is checked here, before any file is touched or any request made: unknown
keys, wrong types, folders that do not exist, mapping files that do not load, group
slugs and phone regions that could never work.  Every problem is a
:class:`~aniva_import.errors.ConfigError` (exit 2) naming the configuration file, the
key and what is wrong: every problem of the file's shape at once (unknown keys, wrong
types), else every problem of its values.

The shapes (unknown keys refused, no silent type conversion) are pydantic models;
the checks that need the file system or the rest of the package follow them.
Relative paths (``folder``, ``mapping``, ``key_file``) are relative to the
configuration file.  The API key itself is read by :mod:`.keyfile`, by the caller.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from aniva_import.errors import AnivaImportError, ConfigError
from aniva_import.load import SUPPORTED_EXTENSIONS
from aniva_import.mapping import load_mapping_file
from aniva_import.rules import GROUP_SLUG_RE
from aniva_import.send import check_api_url

#: Default ``patterns``: every extension ``run`` reads.
DEFAULT_PATTERNS: Final = tuple(f"*{extension}" for extension in SUPPORTED_EXTENSIONS)
#: Default ``[job] settle_seconds``: how long a file must stay unchanged to be taken.
DEFAULT_SETTLE_SECONDS: Final = 5.0
#: An inbox name: used in logs, summaries, metric labels and dry-run folder names.
INBOX_NAME_RE: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _ApiTable(_Table):
    url: str | None = None
    key_file: str | None = None
    rate: Annotated[float, Field(gt=0)] | None = None
    concurrency: Annotated[int, Field(ge=1)] | None = None


class _InboxTable(_Table):
    name: str
    folder: str
    patterns: Annotated[list[str], Field(min_length=1)] | None = None
    group: str | None = None
    phone_region: str | None = None
    mapping: str | None = None
    sheet: str | None = None
    settle_seconds: Annotated[float, Field(ge=0)] | None = None
    ledger: str | None = None


class _JobTable(_Table):
    workers: Annotated[int, Field(ge=1)] | None = None
    settle_seconds: Annotated[float, Field(ge=0)] = DEFAULT_SETTLE_SECONDS
    ledger: str | None = None


class _ConfigFile(_Table):
    api: _ApiTable = _ApiTable()
    inbox: Annotated[list[_InboxTable], Field(min_length=1)]
    job: _JobTable = _JobTable()


@dataclass(frozen=True)
class ApiConfig:
    """``[api]``: where to send and how fast; ``url`` None means "as for ``run``"."""

    url: str | None = None
    key_file: Path | None = None
    rate: float | None = None
    concurrency: int | None = None


@dataclass(frozen=True)
class InboxConfig:
    """One ``[[inbox]]``: a folder the clinic system drops its exports into."""

    name: str
    folder: Path
    patterns: tuple[str, ...] = DEFAULT_PATTERNS
    group: str | None = None
    phone_region: str | None = None
    mapping: Path | None = None
    sheet: str | None = None
    settle_seconds: float = DEFAULT_SETTLE_SECONDS
    #: the import ledger this inbox's files are imported with (None: the inbox's own,
    #: ``<folder>/.aniva-import/ledger.sqlite3``); one shared by inboxes that feed the
    #: same group, and by ``run --state``, keeps a patient from being created twice
    ledger: Path | None = None


@dataclass(frozen=True)
class NightlyConfig:
    """The whole configuration, checked."""

    path: Path
    api: ApiConfig
    inboxes: tuple[InboxConfig, ...]
    #: processes used to check rows (None: as ``run`` chooses)
    workers: int | None = None


def load_config(path: Path, *, writable: bool = True) -> NightlyConfig:
    """Read and check a nightly configuration file.

    ``writable``: also require every inbox folder to be writable (a live run moves
    files); a dry run changes nothing there.  Raises :class:`ConfigError`.
    """
    data = _read_toml(path)
    try:
        raw = _ConfigFile.model_validate(data)
    except ValidationError as error:
        shape = [_pydantic_problem(e, data) for e in error.errors()]
        raise ConfigError(_problems(path, shape)) from None
    problems: list[str] = []
    base = path.parent
    api = _api(raw.api, base, problems)
    job_ledger = _ledger("[job]", raw.job.ledger, base, problems)  # checked once
    inboxes = tuple(
        _inbox(i, table, base, raw.job, job_ledger, writable, problems)
        for i, table in enumerate(raw.inbox)
    )
    problems.extend(_clashes(inboxes))
    if problems:
        raise ConfigError(_problems(path, problems))
    return NightlyConfig(path=path, api=api, inboxes=inboxes, workers=raw.job.workers)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(f"The nightly configuration {path} does not exist.") from None
    except IsADirectoryError:
        raise ConfigError(f"The nightly configuration {path} is a folder, not a file.") from None
    except OSError as error:
        raise ConfigError(
            f"The nightly configuration {path} cannot be read ({error.strerror})."
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"The nightly configuration {path} is not UTF-8 text.") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}.") from None


def _problems(path: Path, problems: Sequence[str]) -> str:
    if len(problems) == 1:
        return f"{path}: {problems[0]}"
    listed = "".join(f"\n  - {p}" for p in problems)
    return f"{path} has {len(problems)} problems:{listed}"


_TYPE_WORDS: Final = {
    "string_type": "must be text (in quotes)",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "list_type": "must be a list, like [\"*.csv\"]",
    "model_type": "must be a table",
    "greater_than": "must be more than 0",
    "greater_than_equal": "must be {ge} or more",
    "too_short": "must not be empty",
    "missing": "is required",
}


def _where(loc: Sequence[int | str], data: Mapping[str, Any]) -> str:
    """``[api] rate``, ``[[inbox]] 2 ("berlin") patterns[1]``, ``[job] workers``."""
    if not loc:
        return "the file"
    head, rest = loc[0], list(loc[1:])
    if head == "inbox":
        if not rest or not isinstance(rest[0], int):
            return "[[inbox]]"
        index = rest.pop(0)
        assert isinstance(index, int)
        label = f"[[inbox]] {index + 1}"
        tables = data.get("inbox")
        if isinstance(tables, list) and index < len(tables) and isinstance(tables[index], dict):
            name = tables[index].get("name")
            if isinstance(name, str) and name:
                label += f" ({name!r})"
    elif head in ("api", "job"):
        label = f"[{head}]"
    else:
        return f"{head!s}"
    if rest:
        key = str(rest.pop(0))
        key += "".join(f"[{r + 1 if isinstance(r, int) else r}]" for r in rest)
        return f"{label} {key}"
    return label


def _pydantic_problem(error: Any, data: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        *table, key = loc
        known = _known_keys(tuple(table))
        where = _where(tuple(table), data) if table else "the top level"
        return (f"{where}: {key!s} is not a known setting"
                + (f" (known: {', '.join(known)})" if known else "") + ".")
    words = _TYPE_WORDS.get(kind)
    if words is None:
        words = str(error["msg"]).replace("Input should be", "must be")
    else:
        words = words.format(**(error.get("ctx") or {}))
    if loc == ("inbox",):
        return ("at least one [[inbox]] table is required." if kind in ("missing", "too_short")
                else "inbox must be written as [[inbox]] tables.")
    return f"{_where(loc, data)} {words}."


def _known_keys(table: tuple[int | str, ...]) -> list[str]:
    model: type[BaseModel] | None
    if not table:
        model = _ConfigFile
    elif table[0] == "api":
        model = _ApiTable
    elif table[0] == "job":
        model = _JobTable
    elif table[0] == "inbox":
        model = _InboxTable
    else:
        model = None
    return [] if model is None else list(model.model_fields)


def _path(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _api(raw: _ApiTable, base: Path, problems: list[str]) -> ApiConfig:
    url = raw.url
    if url is not None:
        try:
            url = check_api_url(url)
        except AnivaImportError as error:
            problems.append(f"[api] url: {error}")
    key_file = None
    if raw.key_file is not None:
        if not raw.key_file.strip():
            problems.append("[api] key_file must not be empty.")
        else:
            key_file = _path(raw.key_file, base)
    return ApiConfig(url=url, key_file=key_file, rate=raw.rate, concurrency=raw.concurrency)


def _inbox(
    index: int,
    raw: _InboxTable,
    base: Path,
    job: _JobTable,
    job_ledger: Path | None,
    writable: bool,
    problems: list[str],
) -> InboxConfig:
    label = f"[[inbox]] {index + 1}" + (f" ({raw.name!r})" if raw.name else "")
    if not INBOX_NAME_RE.match(raw.name):
        problems.append(
            f"{label} name must be 1 to 64 letters, digits, '.', '_' or '-' (it names the "
            f"inbox in logs, summaries and metrics), not {raw.name!r}."
        )
    folder = _path(raw.folder, base) if raw.folder.strip() else base
    if not raw.folder.strip():
        problems.append(f"{label} folder must not be empty.")
    elif not folder.exists():
        problems.append(f"{label} folder {folder} does not exist.")
    elif not folder.is_dir():
        problems.append(f"{label} folder {folder} is not a folder.")
    elif writable and not os.access(folder, os.W_OK | os.X_OK):
        problems.append(
            f"{label} folder {folder} cannot be written by this user (the job moves files "
            "into its done/ and failed/ folders)."
        )
    patterns = tuple(raw.patterns) if raw.patterns is not None else DEFAULT_PATTERNS
    for position, pattern in enumerate(patterns):
        if not pattern.strip() or "/" in pattern or "\\" in pattern:
            problems.append(
                f"{label} patterns[{position + 1}] must be a file name pattern such as "
                f"\"*.csv\" (no folders), not {pattern!r}."
            )
    if raw.group is not None and not GROUP_SLUG_RE.match(raw.group):
        problems.append(
            f"{label} group {raw.group!r} is not a profile group slug: use lower case "
            "letters, digits and dashes, e.g. acme-clinic-berlin."
        )
    region = raw.phone_region
    if region is not None:
        region = _phone_region(label, region, problems)
    mapping = None
    if raw.mapping is not None:
        mapping = _path(raw.mapping, base)
        try:
            load_mapping_file(mapping)
        except AnivaImportError as error:
            problems.append(f"{label} mapping: {error}")
    if raw.sheet is not None and not raw.sheet.strip():
        problems.append(f"{label} sheet must not be empty.")
    ledger = _ledger(label, raw.ledger, base, problems) if raw.ledger is not None else job_ledger
    return InboxConfig(
        name=raw.name,
        folder=folder,
        patterns=patterns,
        group=raw.group,
        phone_region=region,
        mapping=mapping,
        sheet=raw.sheet,
        settle_seconds=(raw.settle_seconds if raw.settle_seconds is not None
                        else job.settle_seconds),
        ledger=ledger,
    )


def _ledger(label: str, value: str | None, base: Path, problems: list[str]) -> Path | None:
    if value is None:
        return None
    if not value.strip():
        problems.append(f"{label} ledger must not be empty.")
        return None
    path = _path(value, base)
    if path.is_dir():
        problems.append(f"{label} ledger {path} is a folder; name the ledger file in it.")
    elif not path.parent.is_dir():
        problems.append(f"{label} ledger: the folder {path.parent} does not exist.")
    return path


def _phone_region(label: str, region: str, problems: list[str]) -> str | None:
    import phonenumbers

    if len(region) == 2 and region.isalpha() and region.upper() in phonenumbers.SUPPORTED_REGIONS:
        return region.upper()
    problems.append(
        f"{label} phone_region must be a two-letter country code such as DE or FI, "
        f"not {region!r}."
    )
    return None


def _clashes(inboxes: Sequence[InboxConfig]) -> list[str]:
    """Two inboxes may not share a name, or a folder (nor one sit inside the other's):
    each folder has one state, one ledger, one lock."""
    problems: list[str] = []
    seen_names: set[str] = set()
    for inbox in inboxes:
        if inbox.name in seen_names:
            problems.append(f"[[inbox]] name {inbox.name!r} is used twice; names must differ.")
        seen_names.add(inbox.name)
    resolved = [(inbox, inbox.folder.resolve()) for inbox in inboxes if inbox.folder.is_dir()]
    for i, (first, a) in enumerate(resolved):
        for second, b in resolved[i + 1 :]:
            if a == b:
                problems.append(
                    f"[[inbox]] {first.name!r} and {second.name!r} use the same folder {a}."
                )
            elif a in b.parents or b in a.parents:
                problems.append(
                    f"[[inbox]] {first.name!r} and {second.name!r}: one folder is inside the "
                    f"other ({a}, {b}); give each inbox a folder of its own."
                )
    return problems
