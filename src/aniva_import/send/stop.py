"""Why a run stopped sending: a code, a sentence, an exit code."""

from __future__ import annotations

from dataclasses import dataclass

from aniva_import.errors import (
    AnivaImportError,
    ApiRefused,
    ApiTlsFailure,
    ApiUnavailable,
    Interrupted,
)
from aniva_import.problems import ProblemCode

_REFUSED = frozenset({ProblemCode.KEY_REFUSED, ProblemCode.SCOPE_MISSING, ProblemCode.FORBIDDEN})


@dataclass(frozen=True, slots=True)
class StopReason:
    """``code`` (a :class:`ProblemCode`), ``message`` (one or two sentences for the user, no
    patient data), ``exit_code``: 130 when interrupted, else 3, or 2 when no request
    ever reached the API and nothing was created (nothing was done)."""

    code: ProblemCode
    message: str
    exit_code: int

    def error(self) -> AnivaImportError:
        """The run-level exception of this reason, for a caller that raises."""
        error: AnivaImportError
        if self.code is ProblemCode.INTERRUPTED:
            error = Interrupted(self.message)
        elif self.code in _REFUSED:
            error = ApiRefused(self.message)
        elif self.code is ProblemCode.TLS_FAILED:
            error = ApiTlsFailure(self.message)
        else:
            error = ApiUnavailable(self.message)
        error.exit_code = self.exit_code
        return error
