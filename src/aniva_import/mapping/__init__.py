"""Map the user's column headers onto profile fields.

Headers in English, German and Finnish are recognised without configuration
(``_aliases``, from ``schemas/header-aliases.toml``); case, spacing, punctuation and
accents do not matter.  A ``--mapping`` TOML file (``_file``) names any header
explicitly and sets parsing conventions for unusual files.  :func:`map_columns`
(``_columns``) decides, from the headers alone, which column holds which field.
"""

from aniva_import.mapping._aliases import Aliases, header_key
from aniva_import.mapping._columns import (
    FIELD_LABELS,
    ColumnMap,
    describe_headers,
    header_recogniser,
    map_columns,
    require_columns,
)
from aniva_import.mapping._file import Decimal, MappingFile, load_mapping_file

__all__ = [
    "FIELD_LABELS",
    "Aliases",
    "ColumnMap",
    "Decimal",
    "MappingFile",
    "describe_headers",
    "header_key",
    "header_recogniser",
    "load_mapping_file",
    "map_columns",
    "require_columns",
]
