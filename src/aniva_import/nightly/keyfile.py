"""The API key file of ``[api] key_file``: readable by its owner alone, never shown.

The file is opened once and checked through the same descriptor (no window between
the check and the read): a key file that its group or other users may read, write or
run is refused (exit 2), as ``run --api-key-file`` refuses it.  The key itself never
appears in a message.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from aniva_import.errors import ConfigError
from aniva_import.settings import ApiKey

#: A key file larger than this is not a key file.
_MAX_KEY_BYTES = 64 * 1024


def read_api_key_file(path: Path) -> ApiKey:
    """The key in ``path`` (``[api] key_file``), or :class:`ConfigError` naming the file."""
    where = f"[api] key_file {path}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist.") from None
    except OSError as error:
        raise ConfigError(f"{where} cannot be read ({error.strerror}).") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{where} is not a regular file.")
        if info.st_mode & 0o077:
            raise ConfigError(
                f"{where} can be read or changed by other users of this computer "
                f"(mode {stat.S_IMODE(info.st_mode):04o}); make it readable by the service "
                f"user alone (chmod 600 {path}) and try again."
            )
        data = os.read(fd, _MAX_KEY_BYTES + 1)
    except OSError as error:
        raise ConfigError(f"{where} cannot be read ({error.strerror}).") from None
    finally:
        os.close(fd)
    if len(data) > _MAX_KEY_BYTES:
        raise ConfigError(f"{where} is too large to be an API key file.")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not text.") from None
    try:
        return ApiKey(text)
    except ValueError:
        raise ConfigError(f"{where} is empty.") from None
