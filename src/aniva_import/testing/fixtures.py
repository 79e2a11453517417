"""The pytest fixtures of the sandbox: ``sandbox_session`` and ``sandbox``.

Load them with ``pytest_plugins = ["aniva_import.testing.fixtures"]``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from aniva_import.testing import SandboxServer, running_sandbox


@pytest.fixture(scope="session")
def sandbox_session() -> Iterator[SandboxServer]:
    """One sandbox for the whole test session (the ``sandbox`` fixture resets it)."""
    with running_sandbox() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_session: SandboxServer) -> SandboxServer:
    """A sandbox with the demo keys and groups, no faults, no profiles, zeroed counters.

    Shared by the session's tests and reset before each, so it starts in a few
    milliseconds; use :func:`running_sandbox` for a config, clock or store of your own.
    """
    sandbox_session.reset()
    return sandbox_session
