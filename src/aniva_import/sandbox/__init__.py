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
:mod:`aniva_import.testing`.  Importing this package imports Starlette and
uvicorn: the CLI imports it only when the ``sandbox`` command runs.
"""

from aniva_import.sandbox._access import Access
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
from aniva_import.sandbox._limits import Limits
from aniva_import.sandbox._server import banner, bind_socket, build_server, is_loopback, serve
from aniva_import.sandbox._store import MemoryStore, ProfileStore, SqliteStore, Stats, open_store

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
    "serve",
]
