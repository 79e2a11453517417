"""One exception tree for run-level failures.

Row problems are *data* (:class:`aniva_import.types.Problem`), never exceptions.
Exceptions are for the run itself: the file cannot be read, the mapping is
broken, the API refused the key.  Every exception carries the exit code the
product contract gives it and whether retrying later could help (``transient``).

Messages never contain patient data or the API key: they name files, rows and
columns only.
"""

from __future__ import annotations


class AnivaImportError(Exception):
    """Base of every error aniva-import raises on purpose."""

    exit_code: int = 2
    transient: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(AnivaImportError):
    """The input cannot be used at all: unreadable, empty, wrong format (exit 2)."""

    exit_code = 2


class MappingError(InputError):
    """A mapping file is broken, or required columns are missing (exit 2)."""


class ConfigError(InputError):
    """Bad arguments or a bad configuration file (exit 2)."""


class ApiError(AnivaImportError):
    """Something went wrong talking to the API."""

    exit_code = 3


class ApiRefused(ApiError):
    """The API refused the run itself (key unknown or lacking scope): stop, exit 3."""

    exit_code = 3
    transient = False


class ApiUnavailable(ApiError):
    """The API could not be reached or kept refusing with 429/503 past every retry."""

    exit_code = 3
    transient = True


class Interrupted(AnivaImportError):
    """The run was interrupted: Ctrl-C (exit 130), or SIGTERM / SIGHUP (143 / 129: what
    cron, systemd and a closed terminal send), handled alike."""

    exit_code = 130

    def __init__(self, message: str, exit_code: int = 130) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised like a Ctrl-C (the CLI installs the handler) so that the
    run stops the same way: results written, summary written; exit 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def interrupt_exit_code(stop: BaseException) -> int:
    """The exit code of an interruption: 130 for Ctrl-C, 128 + the signal otherwise."""
    return stop.exit_code if isinstance(stop, Terminated) else 130


class OutputError(InputError):
    """The results or summary file cannot be written (exit 2: nothing usable was done)."""


class LedgerError(InputError):
    """The import ledger cannot be used: not an aniva-import ledger, damaged, unwritable (exit 2).

    The message names the ledger file and what is wrong with it; it never contains
    patient data (the ledger holds none in clear).
    """


class InsecureApiUrl(ConfigError):
    """The API URL is refused before any request: plain ``http://`` to a host that is
    not loopback (the key and patient data would cross the network unencrypted), or
    not an http(s) URL at all (exit 2)."""


class ApiTlsFailure(ApiError):
    """The API's TLS certificate could not be verified: stop at once, no retry (exit 3,
    or 2 when nothing reached the API)."""

    exit_code = 3
    transient = False


class LedgerBusy(LedgerError):
    """Another aniva-import run holds the ledger; nothing was done (exit 2, try again later)."""

    transient = True
