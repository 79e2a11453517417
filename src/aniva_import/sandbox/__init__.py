"""The sandbox: a local stand-in of the Aniva profiles API, over real HTTP.

Public API::

    create_app(config=None, faults=None, store=None, clock=None, *, access=None,
               limits=None) -> Starlette
    serve(config=None, faults=None, *, host="127.0.0.1", port=8787, store_path=None,
          allow_remote=False, access_log=False, clock=None, out=None) -> None
    build_server(app, *, access_log=False, log_level="warning", quiet=False,
                 on_started=None, limits=None) -> uvicorn.Server
    SandboxConfig / SandboxKey, default_config(), load_config(path)
    Faults, Clock, MemoryStore, SqliteStore, open_store(path)
    Access (Host/Origin rules, --allow-remote), Limits (body caps, JSON depth, timeouts)

The pytest fixture and a context manager that runs it in a thread live in
:mod:`aniva_import.testing`.  Names are imported when first used: the built-in
defaults (``DEFAULT_HOST``, ``DEFAULT_PORT``, ``DEMO_FULL_KEY`` …) cost nothing,
while the app and the server import Starlette and uvicorn (the ``sandbox`` extra).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

#: public name → the module that defines it
_WHERE: dict[str, str] = {
    "API_PREFIX": "aniva_import.sandbox._config",
    "Access": "aniva_import.sandbox._access",
    "CREATE_USER": "aniva_import.sandbox._config",
    "Clock": "aniva_import.sandbox._app",
    "ConnectionDropped": "aniva_import.sandbox._app",
    "DEFAULT_ERROR_STATUSES": "aniva_import.sandbox._faults",
    "DEFAULT_HOST": "aniva_import.sandbox._config",
    "DEFAULT_PORT": "aniva_import.sandbox._config",
    "DEMO_FULL_KEY": "aniva_import.sandbox._config",
    "DEMO_GROUPS": "aniva_import.sandbox._config",
    "DEMO_NOSCOPE_KEY": "aniva_import.sandbox._config",
    "DEMO_OTHER_ORG_GROUP": "aniva_import.sandbox._config",
    "ERROR_STATUSES": "aniva_import.sandbox._faults",
    "Faults": "aniva_import.sandbox._faults",
    "GROUP_ERROR_STATUSES": "aniva_import.sandbox._faults",
    "Limits": "aniva_import.sandbox._limits",
    "MemoryStore": "aniva_import.sandbox._store",
    "ProfileStore": "aniva_import.sandbox._store",
    "RATE_LIMIT_RANGE": "aniva_import.sandbox._faults",
    "SandboxConfig": "aniva_import.sandbox._config",
    "SandboxKey": "aniva_import.sandbox._config",
    "SandboxState": "aniva_import.sandbox._app",
    "SqliteStore": "aniva_import.sandbox._store",
    "Stats": "aniva_import.sandbox._store",
    "banner": "aniva_import.sandbox._server",
    "bind_socket": "aniva_import.sandbox._server",
    "build_server": "aniva_import.sandbox._server",
    "config_from_mapping": "aniva_import.sandbox._config",
    "create_app": "aniva_import.sandbox._app",
    "default_config": "aniva_import.sandbox._config",
    "error_body": "aniva_import.sandbox._app",
    "is_loopback": "aniva_import.sandbox._server",
    "load_config": "aniva_import.sandbox._config",
    "open_store": "aniva_import.sandbox._store",
    "serve": "aniva_import.sandbox._server",
    "sandbox_for_import": "aniva_import.sandbox._spawn",
    "SANDBOX_API": "aniva_import.sandbox._spawn",
    "SpawnedSandbox": "aniva_import.sandbox._spawn",
}

__all__ = [
    "API_PREFIX",
    "CREATE_USER",
    "DEFAULT_ERROR_STATUSES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "DEMO_FULL_KEY",
    "DEMO_GROUPS",
    "DEMO_NOSCOPE_KEY",
    "DEMO_OTHER_ORG_GROUP",
    "ERROR_STATUSES",
    "GROUP_ERROR_STATUSES",
    "RATE_LIMIT_RANGE",
    "SANDBOX_API",
    "Access",
    "Clock",
    "ConnectionDropped",
    "Faults",
    "Limits",
    "MemoryStore",
    "ProfileStore",
    "SandboxConfig",
    "SandboxKey",
    "SandboxState",
    "SpawnedSandbox",
    "SqliteStore",
    "Stats",
    "banner",
    "bind_socket",
    "build_server",
    "config_from_mapping",
    "create_app",
    "default_config",
    "error_body",
    "is_loopback",
    "load_config",
    "open_store",
    "sandbox_for_import",
    "serve",
]

if TYPE_CHECKING:
    from aniva_import.sandbox._access import (
        Access,
    )
    from aniva_import.sandbox._app import (
        Clock,
        ConnectionDropped,
        SandboxState,
        create_app,
        error_body,
    )
    from aniva_import.sandbox._config import (
        API_PREFIX,
        CREATE_USER,
        DEFAULT_HOST,
        DEFAULT_PORT,
        DEMO_FULL_KEY,
        DEMO_GROUPS,
        DEMO_NOSCOPE_KEY,
        DEMO_OTHER_ORG_GROUP,
        SandboxConfig,
        SandboxKey,
        config_from_mapping,
        default_config,
        load_config,
    )
    from aniva_import.sandbox._faults import (
        DEFAULT_ERROR_STATUSES,
        ERROR_STATUSES,
        GROUP_ERROR_STATUSES,
        RATE_LIMIT_RANGE,
        Faults,
    )
    from aniva_import.sandbox._limits import (
        Limits,
    )
    from aniva_import.sandbox._server import (
        banner,
        bind_socket,
        build_server,
        is_loopback,
        serve,
    )
    from aniva_import.sandbox._spawn import SANDBOX_API, SpawnedSandbox, sandbox_for_import
    from aniva_import.sandbox._store import (
        MemoryStore,
        ProfileStore,
        SqliteStore,
        Stats,
        open_store,
    )


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
