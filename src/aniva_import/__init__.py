"""aniva-import: create Aniva Health profiles from clinic spreadsheets, safely.

The package is library first, one subpackage per stage of the data path
(``load`` → ``mapping`` → ``normalize`` → ``validate`` → ``pipeline`` →
``results`` / ``report``, beside ``sandbox``), and ``cli`` only turns options into a
frozen :class:`Settings`.  ``pipeline.import_file(settings)`` runs one file.

Importing the package is cheap: heavy dependencies (pandas, pandera) are only
imported by the stages that need them.
"""

from aniva_import.errors import (
    AnivaImportError,
    ApiRefused,
    InputError,
    MappingError,
)
from aniva_import.problems import Problem, ProblemCode
from aniva_import.settings import ApiKey, Settings
from aniva_import.types import Status

__all__ = [
    "AnivaImportError",
    "ApiKey",
    "ApiRefused",
    "InputError",
    "MappingError",
    "Problem",
    "ProblemCode",
    "Settings",
    "Status",
    "__version__",
]

__version__ = "0.1.0"
