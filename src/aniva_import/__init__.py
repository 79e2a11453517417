"""aniva-import: create Aniva Health profiles from clinic spreadsheets, safely.

The package is library first: every stage is a module named after what it does
(``load``, ``mapping``, ``normalize``, ``validate``, ``report``, ``pipeline``,
``sandbox``) and ``cli`` only turns options into a frozen :class:`Settings`.

Importing the package is cheap: heavy dependencies (pandas, pandera) are only
imported by the stages that need them.
"""

from aniva_import.errors import (
    AnivaImportError,
    ApiRefused,
    InputError,
    MappingError,
)
from aniva_import.types import ApiKey, Problem, Settings, Status

__all__ = [
    "AnivaImportError",
    "ApiKey",
    "ApiRefused",
    "InputError",
    "MappingError",
    "Problem",
    "Settings",
    "Status",
    "__version__",
]

__version__ = "0.1.0"
