"""``python -m aniva_import`` is the same as the ``aniva-import`` command."""

from aniva_import.cli import main

raise SystemExit(main())
