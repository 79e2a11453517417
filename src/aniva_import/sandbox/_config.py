"""Keys and groups the sandbox knows: the built-in demo defaults, or a TOML file.

The defaults are part of the product contract (docs/PRODUCT.md, "The sandbox"), like a
payment provider's test keys: change them and every README, test and rehearsal
script that uses them breaks.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from aniva_import import rules
from aniva_import.errors import ConfigError

#: The scope a key needs to create profiles (documented).
CREATE_USER: Final = "CREATE_USER"

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8787
#: The API path prefix, as in production (``https://anivahealth.com/api/v1``).
API_PREFIX: Final = "/api/v1"

#: Demo key with ``CREATE_USER`` and three groups in its access context.
DEMO_FULL_KEY: Final = "sandbox-full-key"
#: Demo key without ``CREATE_USER``.
DEMO_NOSCOPE_KEY: Final = "sandbox-noscope-key"
#: Groups inside the full demo key's access context.
DEMO_GROUPS: Final = ("demo-clinic", "acme-clinic-berlin", "helsinki-health")
#: A group that exists but is outside every demo key's access context.
DEMO_OTHER_ORG_GROUP: Final = "other-org-clinic"


@dataclass(frozen=True)
class SandboxKey:
    """One API key the sandbox accepts.  ``repr`` never shows the key itself."""

    key: str = field(repr=False)
    name: str
    scopes: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    @property
    def can_create(self) -> bool:
        return CREATE_USER in self.scopes


@dataclass(frozen=True)
class SandboxConfig:
    """The keys and profile groups of one sandbox.

    ``groups`` are every group that exists; a key's ``groups`` are its access
    context.  ``demo`` is True for the built-in defaults (their keys may be
    printed); ``source`` names the TOML file the config came from.
    """

    keys: tuple[SandboxKey, ...]
    groups: frozenset[str]
    demo: bool = False
    source: str | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for key in self.keys:
            if key.key in seen:
                raise ValueError(f"the key named {key.name!r} is listed twice")
            seen.add(key.key)
            unknown = sorted(key.groups - self.groups)
            if unknown:
                raise ValueError(
                    f"key {key.name!r} names groups that are not in `groups`: {', '.join(unknown)}"
                )

    def lookup(self) -> dict[str, SandboxKey]:
        """Keys by their value, for the request handler."""
        return {key.key: key for key in self.keys}


def default_config() -> SandboxConfig:
    """The built-in demo keys and groups that docs/PRODUCT.md fixes."""
    return SandboxConfig(
        keys=(
            SandboxKey(
                key=DEMO_FULL_KEY,
                name="full",
                scopes=frozenset({CREATE_USER}),
                groups=frozenset(DEMO_GROUPS),
            ),
            SandboxKey(
                key=DEMO_NOSCOPE_KEY,
                name="noscope",
                scopes=frozenset(),
                groups=frozenset(DEMO_GROUPS),
            ),
        ),
        groups=frozenset((*DEMO_GROUPS, DEMO_OTHER_ORG_GROUP)),
        demo=True,
    )


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where} must be a list of strings")
    return list(value)


def _slugs(value: object, where: str) -> frozenset[str]:
    slugs = _strings(value, where)
    for slug in slugs:
        if not rules.GROUP_SLUG_RE.match(slug) or len(slug) > rules.MAX_TEXT_LENGTH:
            raise ValueError(
                f"{where} holds {slug!r}, which is not a group slug "
                "(lower case letters, digits and dashes)"
            )
    return frozenset(slugs)


def config_from_mapping(data: Mapping[str, object], source: str | None = None) -> SandboxConfig:
    """Build a config from parsed TOML; raises ValueError naming the problem.

    Shape::

        groups = ["demo-clinic", "other-org-clinic"]

        [[keys]]
        key = "my-test-key"            # required
        name = "full"                  # optional label for the start banner
        scopes = ["CREATE_USER"]       # optional, default none
        groups = ["demo-clinic"]       # the key's access context, default none
    """
    unknown = sorted(set(data) - {"groups", "keys"})
    if unknown:
        raise ValueError(f"unknown setting(s) {', '.join(unknown)} (expected groups, keys)")
    groups = _slugs(data.get("groups", []), "`groups`")
    raw_keys = data.get("keys")
    if not isinstance(raw_keys, list) or not raw_keys:
        raise ValueError("at least one [[keys]] table is required")
    keys: list[SandboxKey] = []
    for number, raw in enumerate(raw_keys, start=1):
        where = f"[[keys]] number {number}"
        if not isinstance(raw, dict):
            raise ValueError(f"{where} must be a table")  # noqa: TRY004 - a config error
        extra = sorted(set(raw) - {"key", "name", "scopes", "groups"})
        if extra:
            raise ValueError(f"{where} has unknown setting(s) {', '.join(extra)}")
        value = raw.get("key")
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise ValueError(f"{where} needs `key`, a non-empty string without spaces around it")
        name = raw.get("name", f"key {number}")
        if not isinstance(name, str):
            raise ValueError(f"{where}: `name` must be a string")  # noqa: TRY004
        keys.append(
            SandboxKey(
                key=value,
                name=name,
                scopes=frozenset(_strings(raw.get("scopes", []), f"{where}: `scopes`")),
                groups=_slugs(raw.get("groups", []), f"{where}: `groups`"),
            )
        )
    return SandboxConfig(keys=tuple(keys), groups=groups, demo=False, source=source)


def load_config(path: Path) -> SandboxConfig:
    """Read a sandbox TOML file; a bad file raises ConfigError naming it and the problem."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"The sandbox configuration {path} does not exist.") from None
    except OSError as error:
        raise ConfigError(
            f"The sandbox configuration {path} cannot be read ({error.strerror})."
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"The sandbox configuration {path} is not valid TOML: {error}.") from None
    try:
        return config_from_mapping(data, source=str(path))
    except ValueError as error:
        raise ConfigError(f"The sandbox configuration {path} is invalid: {error}.") from None
